"""statistics: stats_daily, stats_seen, stats_state (the roll-up of tracker events), ioc_tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 04:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'channel', 'metric', 'key', name='uq_stats_daily_figure')
    )
    with op.batch_alter_table('stats_daily', schema=None) as batch_op:
        batch_op.create_index('ix_stats_daily_metric_day', ['metric', 'day'], unique=False)

    op.create_table('stats_seen',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sender_hash', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('handoff', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'sender_hash')
    )
    op.create_table('stats_state',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('ioc_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )


def downgrade() -> None:
    op.drop_table('ioc_tokens')
    op.drop_table('stats_state')
    op.drop_table('stats_seen')
    with op.batch_alter_table('stats_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_daily_metric_day')
    op.drop_table('stats_daily')
