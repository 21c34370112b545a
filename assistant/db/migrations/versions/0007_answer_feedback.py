"""answer feedback, and what a 👎 had answered in the inbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answer_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_hash', sa.String(length=64), nullable=False),
    sa.Column('answer_ref', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('procedure_code', sa.String(length=64), nullable=True),
    sa.Column('aspect', sa.String(length=32), nullable=True),
    sa.Column('faq_key', sa.String(length=128), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('rating', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('model_id', sa.String(length=64), nullable=False),
    sa.Column('inbox_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sender_hash', 'answer_ref', name='uq_answer_feedback_once')
    )
    with op.batch_alter_table('answer_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_answer_feedback_rating_at', ['rating', 'created_at'], unique=False)
        batch_op.create_index('ix_answer_feedback_sender_at', ['sender_hash', 'updated_at'], unique=False)
    with op.batch_alter_table('unanswered_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unanswered_messages', schema=None) as batch_op:
        batch_op.drop_column('answered')
    with op.batch_alter_table('answer_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_feedback_sender_at')
        batch_op.drop_index('ix_answer_feedback_rating_at')

    op.drop_table('answer_feedback')
