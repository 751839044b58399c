"""delivery: a fencing token per claim, in-doubt sends, and pauses/pacing kept in the database

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

- outbox.claim_token: each claim writes a fresh token; a sender renews its lease, re-checks
  ownership before each send and marks a message sent only while its token still holds.
- outbox.sending_at: set just before a message is handed to the platform, cleared when the
  answer settles it. A pending message with it set may have reached the platform (the process
  died or timed out after sending): on Slack it is looked for in the channel's history first.
- delivery_gates: when each platform scope (a Slack workspace or channel, a Teams tenant or
  conversation) may next be sent to: a 429's Retry-After, a short pause after failures in a row
  (an outage), and the pace of posts per channel.
- platform_checks: the last workspace a platform's start-up check saw, so Parley can start
  while the platform is unreachable.
"""

from alembic import op
import sqlalchemy as sa

from storage.models import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("sending_at", UTCDateTime(), nullable=True))
    op.create_table(
        "delivery_gates",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "scope"),
    )
    op.create_table(
        "platform_checks",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform"),
    )


def downgrade() -> None:
    op.drop_table("platform_checks")
    op.drop_table("delivery_gates")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("sending_at")
        batch.drop_column("claim_token")
