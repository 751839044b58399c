"""notices: the sweep's changes and due reminders waiting to be told

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

- notices: one row per change (its events as JSON) or due reminder (its kind and stage) the
  timekeeper saved and has not yet turned into messages (bot/notices.py); deleted when told.
"""

from alembic import op
import sqlalchemy as sa

from storage.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("nudge", sa.String(length=64), nullable=True),
        sa.Column("stage_index", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notices_dispute_id", "notices", ["dispute_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notices_dispute_id", table_name="notices")
    op.drop_table("notices")
