"""Changing a stored record entry behind Parley's back, as someone with database access could."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy import Engine


def rewrite_entry(engine: Engine, dispute_id: str, seq: int, details: dict) -> None:
    """Replace one entry's details with raw SQL, getting past the append-only trigger first."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE record_entries DISABLE TRIGGER record_entries_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER record_entries_no_update"))
        conn.execute(
            sa.text("UPDATE record_entries SET details = :d WHERE dispute_id = :id AND seq = :seq"),
            {"d": json.dumps(details), "id": dispute_id, "seq": seq},
        )
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE record_entries ENABLE TRIGGER record_entries_append_only"))
