"""How long the Board's report takes over 100,000 disputes (issue 12).

    .venv/bin/python -m bench.report [--disputes 100000] [--runs 5] [--database sqlite|postgresql|both]

The disputes are clones of the test data set tests/report/seed.py (28 disputes opened, escalated,
resolved, closed, withdrawn and given learning through the real use cases, in a scratch
database), each clone moved by a whole number of weeks across a year so the report has twelve
months to chart. Rows are inserted with SQLAlchemy Core, 5,000 disputes per transaction. Then
`board_report_file` (count in the database, build the view model, render) is timed for the whole
year, as HTML and as CSV: one warm-up, then the median of --runs. The target: under 2 s. The
machine's load average and this process's CPU time are printed beside each figure, because on a
shared machine the wall time mostly measures the other work (on SQLite the CPU time is the whole
cost, as the database runs in this process; on PostgreSQL the server's share is not in it).

PostgreSQL is a schema of its own at BENCH_DATABASE_URL, TEST_DATABASE_URL or the local default
(loopback only; skipped with a line saying why when unreachable). The tables are ANALYZEd after
loading, as autovacuum would do on a live database.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, select

from bench.sweep import Unavailable, postgresql_database, postgresql_url, sqlite_database
from handlers.board_report import board_report_file, build_board_report
from storage.board_rows import LearningAnswerRow, LearningThemeRow
from storage.db import make_engine, session_factory, upgrade
from storage.models import DisputeRow, RecordEntryRow
from tests.report.lifecycle import CALENDAR, POLICY
from tests.report.seed import NOW, seed_november

CHUNK = 5_000
TARGET_S = 2.0
FIRST, LAST = date(2025, 12, 1), date(2026, 11, 30)
WEEKS = 48  # clones are moved back 0..47 weeks from November 2026
DISPUTE_TIMES = ("stage_started_at", "deadline", "opened_at", "closed_at")


@dataclass
class Template:
    dispute: dict[str, Any]
    entries: list[dict[str, Any]]
    answers: list[tuple[dict[str, Any], list[str]]]


def make_templates() -> list[Template]:
    """The seeded data set's rows, read back from a scratch SQLite database."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/templates.sqlite3")
        try:
            upgrade(engine)
            seed_november(engine)
            with engine.connect() as conn:
                disputes = [dict(r) for r in conn.execute(select(DisputeRow.__table__)).mappings()]
                entries = [dict(r) for r in conn.execute(select(RecordEntryRow.__table__)).mappings()]
                answers = [dict(r) for r in conn.execute(select(LearningAnswerRow.__table__)).mappings()]
                themes = list(conn.execute(select(LearningThemeRow.answer_id, LearningThemeRow.theme)))
        finally:
            engine.dispose()
    out = []
    for d in disputes:
        mine = [{k: v for k, v in e.items() if k != "id"} for e in entries if e["dispute_id"] == d["id"]]
        given = [(a, [t for i, t in themes if i == a["id"]]) for a in answers if a["dispute_id"] == d["id"]]
        out.append(Template(d, mine, given))
    return out


def _clones(templates: list[Template], count: int, first_answer_id: int) -> Iterator[tuple[list[dict], list[dict], list[dict], list[dict]]]:
    cycle = itertools.cycle(templates)
    rng = random.Random(12)
    answer_ids = itertools.count(first_answer_id)
    serial = itertools.count(1)
    for start in range(0, count, CHUNK):
        disputes, entries, answers, themes = [], [], [], []
        for _ in range(min(CHUNK, count - start)):
            t = next(cycle)
            shift = timedelta(weeks=rng.randrange(WEEKS))
            new_id = uuid.uuid4().hex
            row = {**t.dispute, "id": new_id, "reference": f"CSC-2026-{next(serial):06d}", "idempotency_key": None}
            for column in DISPUTE_TIMES:
                if row[column] is not None:
                    row[column] = row[column] - shift
            disputes.append(row)
            entries.extend({**e, "dispute_id": new_id, "at": e["at"] - shift} for e in t.entries)
            for answer, chosen in t.answers:
                answer_id = next(answer_ids)
                answers.append({**answer, "id": answer_id, "dispute_id": new_id, "answered_at": answer["answered_at"] - shift})
                themes.extend({"answer_id": answer_id, "theme": theme} for theme in chosen)
        yield disputes, entries, answers, themes


def build(engine: Engine, templates: list[Template], count: int) -> tuple[int, int]:
    """Insert `count` clones; returns (disputes, record entries) inserted."""
    n_disputes = n_entries = 0
    for disputes, entries, answers, themes in _clones(templates, count, first_answer_id=1_000_000):
        with engine.begin() as conn:
            conn.execute(sa.insert(DisputeRow.__table__), disputes)
            conn.execute(sa.insert(RecordEntryRow.__table__), entries)
            if answers:
                conn.execute(sa.insert(LearningAnswerRow.__table__), answers)
            if themes:
                conn.execute(sa.insert(LearningThemeRow.__table__), themes)
        n_disputes += len(disputes)
        n_entries += len(entries)
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    return n_disputes, n_entries


def measure(engine: Engine, runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall seconds, this process's CPU seconds) of each run, by format."""
    sessions = session_factory(engine)
    times: dict[str, list[tuple[float, float]]] = {"html": [], "csv": []}
    for fmt in times:
        for run in range(runs + 1):
            started, cpu = time.perf_counter(), time.process_time()
            board_report_file(sessions, policy=POLICY, calendar=CALENDAR, first=FIRST, last=LAST, fmt=fmt, now=NOW)
            if run:  # the first is a warm-up
                times[fmt].append((time.perf_counter() - started, time.process_time() - cpu))
    return times


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return "unknown"


def figures(engine: Engine) -> list[str]:
    report = build_board_report(session_factory(engine), policy=POLICY, calendar=CALENDAR, first=FIRST, last=LAST, now=NOW)

    def row(key: str, label: str) -> str:
        fig = report.figure(key)
        found = next(r for r in fig.rows + ((fig.total,) if fig.total else ()) if r.label == label)
        return ", ".join("hidden" if c.value is None else f"{c.value:g}" for c in found.cells)

    return [
        f"raised {row('summary', 'Total')}, resolved {row('summary', 'Resolved')}, still open {row('summary', 'Still open')}",
        f"time to resolution: median {row('resolution_time', 'Median')}, 90th percentile {row('resolution_time', '90th percentile')} working days",
        f"step 1 timescale met/missed: {row('timescales', POLICY.stages[0].name)}; step 3: {row('timescales', POLICY.stages[2].name)}",
        f"learning: Information sharing {row('learning', 'Information sharing')}, answers {row('learning_answers', 'Learning answers given')}",
    ]


def run_one(name: str, engine: Engine, templates: list[Template], count: int, runs: int) -> bool:
    started = time.perf_counter()
    n_disputes, n_entries = build(engine, templates, count)
    print(f"{name}: built {n_disputes:,} disputes, {n_entries:,} record entries in {time.perf_counter() - started:.0f} s", flush=True)
    times = measure(engine, runs)
    ok = True
    for fmt, values in times.items():
        walls = [w for w, _ in values]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in values)
        ok &= median < TARGET_S
        print(
            f"{name}: report over {n_disputes:,} disputes as {fmt.upper()}: median {median * 1000:.0f} ms "
            f"(min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f}, {len(walls)} runs; this process's CPU "
            f"{cpu * 1000:.0f} ms; load average {load_average()}); target < {TARGET_S:g} s: {'met' if median < TARGET_S else 'NOT met'}",
            flush=True,
        )
    for line in figures(engine):
        print(f"{name}:   {line}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    if not 1 <= args.disputes <= 1_000_000:
        parser.error("--disputes must be between 1 and 1,000,000")
    templates = make_templates()
    print(f"templates: {len(templates)} disputes from tests/report/seed.py, {sum(len(t.entries) for t in templates)} record entries")
    ok = True
    if args.database in ("sqlite", "both"):
        with sqlite_database() as engine:
            ok &= run_one("SQLite", engine, templates, args.disputes, args.runs)
    if args.database in ("postgresql", "both"):
        try:
            with postgresql_database(postgresql_url()) as engine:
                ok &= run_one("PostgreSQL", engine, templates, args.disputes, args.runs)
        except Unavailable as exc:
            print(f"PostgreSQL: skipped ({exc})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
