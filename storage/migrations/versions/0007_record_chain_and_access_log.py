"""the record's hash chain, and the access log

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01

- record_entries.hash: each entry's SHA-256 over its canonical content and the previous entry's
  hash (storage/chain.py). Existing entries are hashed here, in seq order per dispute; the
  append-only triggers are lifted for that one update and put back at once.
- access_log: every view and export of a record, and every refusal. Append-only like
  record_entries: the database refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL).
"""

from alembic import op
import sqlalchemy as sa

import storage.models
from storage.chain import GENESIS, entry_hash


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_REFUSAL = "the access log is append-only: entries are never changed or removed"

_entries = sa.table(
    "record_entries",
    sa.column("id", sa.Integer()),
    sa.column("dispute_id", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("at", storage.models.UTCDateTime()),
    sa.column("actor_id", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("details", sa.JSON()),
    sa.column("hash", sa.String()),
)


def _backfill() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_entries).order_by(_entries.c.dispute_id, _entries.c.seq)).mappings().all()
    prev, dispute = GENESIS, None
    for row in rows:
        if row["dispute_id"] != dispute:
            prev, dispute = GENESIS, row["dispute_id"]
        prev = entry_hash(prev, row)
        conn.execute(sa.update(_entries).where(_entries.c.id == row["id"]).values(hash=prev))


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    # NOT NULL with a placeholder default, so SQLite can add it without rebuilding the table
    # (a rebuild would drop the append-only triggers); the back-fill replaces every placeholder.
    op.add_column("record_entries", sa.Column("hash", sa.String(length=64), nullable=False, server_default=""))
    if postgres:
        op.execute("ALTER TABLE record_entries DISABLE TRIGGER record_entries_append_only")
        _backfill()
        op.execute("ALTER TABLE record_entries ENABLE TRIGGER record_entries_append_only")
        op.execute("ALTER TABLE record_entries ALTER COLUMN hash DROP DEFAULT")
    else:
        op.execute("DROP TRIGGER record_entries_no_update")
        _backfill()
        op.execute(
            "CREATE TRIGGER record_entries_no_update BEFORE UPDATE ON record_entries "
            "BEGIN SELECT RAISE(ABORT, 'the dispute record is append-only: entries are never changed or removed'); END"
        )

    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_log_dispute_id", "access_log", ["dispute_id"], unique=False)
    if postgres:
        op.execute(
            f"""
            CREATE FUNCTION parley_refuse_access_log_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{_REFUSAL}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
            "FOR EACH ROW EXECUTE FUNCTION parley_refuse_access_log_change()"
        )
        op.execute(
            "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION parley_refuse_access_log_change()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_log_no_{verb.lower()} BEFORE {verb} ON access_log "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_log_no_truncate ON access_log")
        op.execute("DROP TRIGGER access_log_append_only ON access_log")
        op.execute("DROP FUNCTION parley_refuse_access_log_change()")
    op.drop_index("ix_access_log_dispute_id", table_name="access_log")
    op.drop_table("access_log")
    op.drop_column("record_entries", "hash")
