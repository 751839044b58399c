"""a partial index for the sweep, and the directory's revision

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

- ix_disputes_due: the sweep asks "which active disputes are past a deadline nobody has acted on
  yet?". Disputes that missed a deadline and wait at a stage that does not escalate by itself stay
  active for weeks; a partial index leaves them out, so the question costs the same with 10,000
  or 100,000 open disputes.
- directory_revision: one row, bumped whenever the directory is replaced, so every process can
  keep the parsed directory in memory and reload it only when it changed.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_DUE = sa.text("active AND NOT deadline_missed")


def upgrade() -> None:
    op.create_index(
        "ix_disputes_due", "disputes", ["deadline"], unique=False, postgresql_where=_DUE, sqlite_where=_DUE
    )
    table = op.create_table(
        "directory_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "revision": 1}])


def downgrade() -> None:
    op.drop_table("directory_revision")
    op.drop_index("ix_disputes_due", table_name="disputes")
