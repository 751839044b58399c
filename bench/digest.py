"""How long the morning digest takes with 10k and 100k open disputes (issue 10).

    .venv/bin/python -m bench.digest [--sizes 10000,100000] [--leads-share 0.2] [--database sqlite|postgresql|both]

For each database and size it builds a fresh database of N open disputes, cloned (as bench.sweep
does) from disputes opened through the real use cases: most at step 1 (only the practitioners are
asked, so they are in nobody's digest) and `--leads-share` of them raised with an immediate risk,
so that four managers and leads are asked to act on each. Then it times `bot.due_work.send_digests`
with the real Slack and Teams notifiers: the day's claim, reading who is asked, loading the
disputes listed and queueing one message per lead (median of several runs; the day's claim and
queued messages are removed between runs). The target: under 200 ms at 100k open disputes.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from bench.sweep import StatementLog, _sizes, real_notifiers
from bench.sweep_data import Template, Unavailable, insert_clones, make_templates, postgresql_database, postgresql_url, sqlite_database
from bot import due_work, opening, upkeep
from bot.policy import Policy
from handlers.files import read_policy
from handlers.holidays import calendar_for
from storage.db import make_engine, session_factory, upgrade
from storage.models import AskedRow, DailyRunRow, DisputeRow, InvolvementRow, NudgeRow, OutboxRow, RecordEntryRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at, directory_for

RUNS = 7  # after one warm-up
TARGET_MS = 200.0
DIGEST_AT = at(2026, 11, 18, 9, 15)  # Wednesday morning, working hours, before the templates' deadlines


def lead_templates(policy: Policy) -> list[Template]:
    """Disputes raised with an immediate risk, through the core's use cases in a scratch database: they start
    at the step where managers and leads are asked."""
    calendar = calendar_for(policy)
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/templates.sqlite3")
        try:
            upgrade(engine)
            sessions = session_factory(engine)
            upkeep.load_directory(directory_for(policy), uow=SqlUnitOfWork(sessions))
            openings = [at(2026, 11, 18, 9), at(2026, 11, 18, 9, 5), at(2026, 11, 18, 9, 10)]
            return [_urgent_copy(sessions, engine, policy, calendar, opened, v) for v, opened in enumerate(openings)]
        finally:
            engine.dispose()


def _urgent_copy(sessions: Any, engine: Any, policy: Policy, calendar: Any, opened: Any, variant: int) -> Template:
    cmd = opening.OpenDispute(
        raiser="amara.okafor", reference="CSC-2026-0001", category=policy.categories[variant % len(policy.categories)],
        other_agency="police", other_person="dc.jones", problem="The referral was closed with no further action.",
        outcome="A strategy discussion today.", immediate_risk=True,
    )
    dispute_id = opening.open_dispute(cmd, uow=SqlUnitOfWork(sessions), policy=policy, calendar=calendar, now=opened).dispute.id

    def rows(table: sa.Table) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return [{k: v for k, v in r.items() if k != "id"} for r in conn.execute(sa.select(table).where(table.c.dispute_id == dispute_id)).mappings()]

    with engine.connect() as conn:
        dispute = dict(conn.execute(sa.select(DisputeRow.__table__).where(DisputeRow.id == dispute_id)).mappings().one())
    return Template(dispute, rows(RecordEntryRow.__table__), rows(InvolvementRow.__table__), rows(NudgeRow.__table__), rows(AskedRow.__table__))


def run_size(database: str, engine: Any, size: int, share: float, policy: Policy, open_templates: list[Template], leads: list[Template]) -> dict[str, Any]:
    urgent = int(size * share)
    started = time.perf_counter()
    insert_clones(engine, open_templates, size - urgent)
    insert_clones(engine, leads, urgent)
    if database == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    sessions = session_factory(engine)
    upkeep.load_directory(directory_for(policy), uow=SqlUnitOfWork(sessions))
    print(f"  built {size:,} open disputes ({urgent:,} waiting on leads) in {time.perf_counter() - started:.1f} s", flush=True)
    notifier = real_notifiers(policy, teams_channel="19:parley@thread.tacv2")
    calendar = calendar_for(policy)
    log = StatementLog(engine)
    times: list[float] = []
    sent = statements = 0
    for run in range(RUNS + 1):
        with engine.begin() as conn:
            conn.execute(sa.delete(DailyRunRow.__table__))
            conn.execute(sa.delete(OutboxRow.__table__).where(OutboxRow.key.like("digest:%")))
        log.count = 0
        t0 = time.perf_counter()
        sent = due_work.send_digests(uow=SqlUnitOfWork(sessions), policy=policy, calendar=calendar, now=DIGEST_AT, notifier=notifier)
        elapsed = (time.perf_counter() - t0) * 1000
        statements = log.count
        if run:
            times.append(elapsed)
    with engine.connect() as conn:
        messages = conn.scalar(sa.select(sa.func.count()).select_from(OutboxRow.__table__).where(OutboxRow.key.like("digest:%")))
    median = statistics.median(times)
    print(f"  digest: median {median:.1f} ms (min {min(times):.1f}, max {max(times):.1f}) over {RUNS} runs; "
          f"{sent} leads, {messages} messages queued, {statements} statements", flush=True)
    return {"database": database, "size": size, "median": median, "leads": sent, "messages": messages, "statements": statements}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.digest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000])
    parser.add_argument("--leads-share", type=float, default=0.2, help="share of open disputes waiting on leads (default 0.2)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    if not 0 < args.leads_share <= 1:
        parser.error("--leads-share must be in (0, 1]")
    policy = dataclasses.replace(read_policy("bradford"), digest=True)
    templates = make_templates(policy, calendar_for(policy))
    leads = lead_templates(policy)
    results = []
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        for size in args.sizes:
            print(f"{database}, {size:,} open disputes:", flush=True)
            context: Callable[[], Any] = sqlite_database if database == "sqlite" else lambda: postgresql_database(postgresql_url())
            try:
                with context() as engine:
                    results.append(run_size(database, engine, size, args.leads_share, policy, templates.open, leads))
            except Unavailable as exc:
                print(f"  PostgreSQL skipped: {exc}", flush=True)
                break
    print(f"\n{'database':<11} {'open':>9} {'digest ms':>10} {'leads':>6} {'stmts':>6}  target < {TARGET_MS:.0f} ms")
    for r in results:
        mark = "ok" if r["median"] < TARGET_MS else "OVER"
        print(f"{r['database']:<11} {r['size']:>9,} {r['median']:>10.1f} {r['leads']:>6} {r['statements']:>6}  {mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
