"""reply outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:58:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reply_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=128), nullable=False),
    sa.Column('message', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('dead_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reply_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_reply_outbox_due', ['channel', 'status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_reply_outbox_recipient', ['channel', 'recipient', 'status', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reply_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_outbox_recipient')
        batch_op.drop_index('ix_reply_outbox_due')

    op.drop_table('reply_outbox')
