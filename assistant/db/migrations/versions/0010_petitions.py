"""petitions: petitions, petition_counters, petition_photos, petition_followers, petition_notifications

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('petitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('commune_code', sa.String(length=16), nullable=False),
    sa.Column('commune_name', sa.String(length=128), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('search_key', sa.Text(), nullable=False),
    sa.Column('reporter_name', sa.String(length=128), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('sender_hash', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('public_reply', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.create_index('ix_petitions_due', ['due_at'], unique=False)
        batch_op.create_index('ix_petitions_phone_created', ['phone', 'created_at'], unique=False)
        batch_op.create_index('ix_petitions_sender_created', ['sender_hash', 'created_at'], unique=False)
        batch_op.create_index('ix_petitions_similar', ['category', 'commune_code', 'created_at'], unique=False)
        batch_op.create_index('ix_petitions_status_created', ['status', 'created_at'], unique=False)

    op.create_table('petition_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )

    op.create_table('petition_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sender_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('petition_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_photos_petition_id'), ['petition_id'], unique=False)
        batch_op.create_index('ix_petition_photos_sender_created', ['sender_hash', 'created_at'], unique=False)

    op.create_table('petition_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('petition_id', 'conversation_id', name='uq_petition_followers_pair')
    )
    with op.batch_alter_table('petition_followers', schema=None) as batch_op:
        batch_op.create_index('ix_petition_followers_conversation', ['conversation_id'], unique=False)

    op.create_table('petition_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('petition_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_petition_notifications_conversation', ['conversation_id', 'status'], unique=False)
        batch_op.create_index('ix_petition_notifications_status', ['status', 'channel', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('petition_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_notifications_status')
        batch_op.drop_index('ix_petition_notifications_conversation')
    op.drop_table('petition_notifications')
    with op.batch_alter_table('petition_followers', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_followers_conversation')
    op.drop_table('petition_followers')
    with op.batch_alter_table('petition_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_photos_sender_created')
        batch_op.drop_index(batch_op.f('ix_petition_photos_petition_id'))
    op.drop_table('petition_photos')
    op.drop_table('petition_counters')
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_index('ix_petitions_status_created')
        batch_op.drop_index('ix_petitions_similar')
        batch_op.drop_index('ix_petitions_sender_created')
        batch_op.drop_index('ix_petitions_phone_created')
        batch_op.drop_index('ix_petitions_due')
    op.drop_table('petitions')
