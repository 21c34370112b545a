"""live handoff: taken_at on handoffs, handoff_id on answer_feedback, handoff_messages, desk_presence

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:15:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resumed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('answer_feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handoff_id', sa.Integer(), nullable=True))
    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('outgoing', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_messages_handoff', ['handoff_id', 'id'], unique=False)
    op.create_table('desk_presence',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )


def downgrade() -> None:
    op.drop_table('desk_presence')
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_messages_handoff')
    op.drop_table('handoff_messages')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_column('resumed_at')
        batch_op.drop_column('taken_at')
    with op.batch_alter_table('answer_feedback', schema=None) as batch_op:
        batch_op.drop_column('handoff_id')
