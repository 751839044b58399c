"""teams conversation references

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa

import storage.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams_conversations',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=True),
    sa.Column('service_url', sa.String(length=500), nullable=False),
    sa.Column('conversation_id', sa.String(length=300), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('updated_at', storage.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'kind', 'key')
    )
    with op.batch_alter_table('teams_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_teams_conversations_aad', ['tenant_id', 'aad_object_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('teams_conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_teams_conversations_aad')
    op.drop_table('teams_conversations')
