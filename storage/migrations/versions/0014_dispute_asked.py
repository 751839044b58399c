"""who is asked to act on which active dispute, for the morning digest

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01

- dispute_asked: one row per person asked at an active dispute's current stage (stage, role, whether
  they are a lead, the deadline), kept by the repository in the transaction that saves the dispute;
  indexed (lead, person_id, due, dispute_id) so the digest reads a count and the soonest due per lead.
- Filled from the active disputes' routing, in the rule storage/asked.py keeps.
"""

from alembic import op
import sqlalchemy as sa

from storage.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PRACTITIONER = "practitioner"  # bot.policy.PRACTITIONER, as it was when this revision was written


def upgrade() -> None:
    asked = op.create_table(
        "dispute_asked",
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("due", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"]),
        sa.PrimaryKeyConstraint("dispute_id", "person_id"),
    )
    op.create_index("ix_dispute_asked_lead_person_due", "dispute_asked", ["lead", "person_id", "due", "dispute_id"], unique=False)
    disputes = sa.table(
        "disputes",
        sa.column("id", sa.String()),
        sa.column("active", sa.Boolean()),
        sa.column("stage_index", sa.Integer()),
        sa.column("deadline", UTCDateTime()),
        sa.column("routing", sa.JSON()),
    )
    bind = op.get_bind()
    rows = []
    for dispute_id, stage_index, deadline, routing in bind.execute(
        sa.select(disputes.c.id, disputes.c.stage_index, disputes.c.deadline, disputes.c.routing).where(disputes.c.active.is_(True))
    ):
        roles: dict[str, str] = {}
        for person_id, _side, _agency, role, _sub in (routing or {}).get("assignees", []):
            if person_id not in roles or roles[person_id] == PRACTITIONER:
                roles[person_id] = role
        rows += [
            {"dispute_id": dispute_id, "person_id": p, "stage_index": stage_index, "role": r, "lead": r != PRACTITIONER, "due": deadline}
            for p, r in sorted(roles.items())
        ]
        if len(rows) >= 5000:
            bind.execute(sa.insert(asked), rows)
            rows = []
    if rows:
        bind.execute(sa.insert(asked), rows)


def downgrade() -> None:
    op.drop_index("ix_dispute_asked_lead_person_due", table_name="dispute_asked")
    op.drop_table("dispute_asked")
