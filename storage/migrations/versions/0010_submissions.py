"""form submissions already acted on, by idempotency key

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-01

- submissions: one row per form submission that made a move, keyed by platform, person, form and
  a hash of what was sent (Slack: view id; Teams: activity id), so a replayed or retried request
  makes its move once.
"""

from alembic import op
import sqlalchemy as sa

from storage.models import UTCDateTime

revision = '0010'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_submissions_dispute_id", "submissions", ["dispute_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_submissions_dispute_id", table_name="submissions")
    op.drop_table("submissions")
