"""How long the PDF export of a 200-entry record takes (issue 12: target under 1 s).

    .venv/bin/python -m bench.record_export [--entries 200] [--rounds 7] [--database sqlite|postgresql|both]

It runs a whole disagreement through the real use cases (tests/record/scenario.py: raised, notes,
escalated, timescale missed, escalated, proposed, confirmed by both) with enough notes to make
`--entries` record entries, then times, for each round:
  - the view: handlers.records.export_view, the first half of export_record (the call a chat front
    end makes): access check and log, reading the record, verifying its hash chain, the view model;
  - Typst: messages.export.pdf.render_pdf on that view's document, the second half.
Each round's document is new (the access log grows by the round's own export), so Typst lays it
out afresh. The first export of the process is shown apart (Typst loads the fonts then), then the
median and the slowest of the rest.

SQLite is a file in a temporary directory; PostgreSQL is a schema of its own, created and dropped,
at BENCH_DATABASE_URL, TEST_DATABASE_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.records import export_view
from messages.export.document import document
from messages.export.pdf import render_pdf
from storage.db import make_engine, session_factory, upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at
from tests.record.scenario import LSCB, RAISER, run_lifecycle

BASE_ENTRIES = 14  # the scenario without extra notes
PG_URL = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def database(kind: str) -> Iterator[Engine | None]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        print(f"postgresql: skipped, can't reach {PG_URL.split('@')[-1]}: {exc.orig}")
        yield None
        return
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def stored_entries(engine: Engine, dispute_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM record_entries WHERE dispute_id = :d"), {"d": dispute_id}).scalar_one()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def run(kind: str, entries: int, rounds: int) -> bool:
    with database(kind) as engine:
        if engine is None:
            return True
        uow = SqlUnitOfWork(session_factory(engine))
        life = run_lifecycle(uow, notes=max(0, entries - BASE_ENTRIES))
        now = at(2026, 12, 4, 10, 0)

        def export() -> tuple[float, float, int]:
            """(seconds to check, log, read and verify the record into its view; seconds to lay out the PDF; bytes)."""
            started = time.perf_counter()
            view = export_view(uow, dispute_id=life.dispute_id, person_id=RAISER, fmt="pdf", channel="cli", policy_for=lambda _: LSCB, now=now)
            viewed = time.perf_counter()
            pdf = render_pdf(document(view), created=now)  # what export_record does after export_view
            return viewed - started, time.perf_counter() - viewed, len(pdf)

        rounds_ = [export() for _ in range(rounds + 1)]
        exports = [v + r for v, r, _ in rounds_]
        first, rest = exports[0], exports[1:]
        size, entries_ = rounds_[-1][2], stored_entries(engine, life.dispute_id)
        print(
            f"{kind:10}  {entries_} entries, {size / 1024:.0f} KiB PDF | export: first {ms(first)}, "
            f"median {ms(statistics.median(rest))}, slowest {ms(max(rest))} | of which the view (access check, log, "
            f"read, verify): median {ms(statistics.median(v for v, _, _ in rounds_[1:]))}, Typst: median "
            f"{ms(statistics.median(r for _, r, _ in rounds_[1:]))} | {'under' if max(exports) < 1 else 'OVER'} the 1 s target"
        )
        return max(exports) < 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.record_export")
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    print(f"PDF export of a {args.entries}-entry record, {args.rounds} rounds after the first (target: under 1 s)")
    ok = all([run(kind, args.entries, args.rounds) for kind in kinds])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
