"""How long one sweep of the timekeeper takes, with 10k and 100k open disputes (issue 5).

    .venv/bin/python -m bench.sweep [--sizes 10000,100000] [--due 100] [--database sqlite|postgresql|both] [--profile]

For each database and size it builds a fresh database of N open disputes, then times
`Timekeeper.run_due_work(now)`:
  (a) at a moment when nothing is due (median of several sweeps), and
  (b) at a moment when `due` items are due, half of them disputes past their deadline and half
      other disputes with a reminder due: a fresh due set is inserted before each measured
      sweep, so every measurement acts on exactly `due` items (the issue's "100 items due" is
      the default; `--due 200` gives 100 overdue + 100 reminders), with tests.fakes.FakeNotifier
      (one small message per event: the database's share of the work), and
  (c) the same as (b) with the notifiers production runs (handlers.notify.SlackNotifier and
      handlers.teams.TeamsNotifier, joined as handlers/composition.py joins them): every Slack and
      Teams message built for real, as on a Monday morning, and
  (d) the same as (c) as production sweeps: each sweep within the timekeeper's budget
      (handlers.scheduler.SWEEP_BUDGET), the next at once while one stops with work left, until
      none is left; it prints how many sweeps the due set took, the longest, and all of them.
The target: under 100 ms per sweep with 100 due, under 500 ms with 1,000 due (issue 10), and
flat in the number of open disputes. It prints the machine's load average beside the figures.

The data (bench.sweep_data): the rows are clones of disputes opened through the real use cases (bot.opening.open_dispute and
bot.moves.add_note) in a scratch database, so they are exactly what the repository writes: each has 3-6
record entries, 2 involvement rows and 2 nudges. They are inserted with SQLAlchemy Core, many rows
per statement, 5,000 disputes per transaction.

SQLite is a file in a temporary directory; PostgreSQL is a schema of its own, created and dropped,
at BENCH_DATABASE_URL, TEST_DATABASE_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test
(loopback only; skipped with a line saying why when unreachable).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, event, select

from bench.sweep_data import (
    MAX_DISPUTES,
    NOW_DUE,
    NOW_QUIET,
    Templates,
    Unavailable,
    insert_clones,
    insert_due_set,
    make_templates,
    postgresql_database,
    postgresql_url,
    split,
    sqlite_database,
)
from bot import upkeep
from bot.outbox import Notifier, Notifiers
from bot.policy import Policy
from handlers import teams
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.notify import SlackNotifier
from handlers.scheduler import SWEEP_BUDGET, SweepReport, Timekeeper
from handlers.startup import settle_memory
from messages.text import shared_views
from storage.db import session_factory
from storage.models import DisputeRow, InvolvementRow, NudgeRow, RecordEntryRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import CSC_WORKSPACE, POLICE_TENANT, directory_for
from tests.fakes import FakeNotifier

QUIET_RUNS = 9  # sweeps with nothing due, after one warm-up
DUE_RUNS = 5  # sweeps with a fresh due set each, after one warm-up
TARGET_MS = 100.0  # with 100 due (issue 5)
TARGET_1000_MS = 500.0  # with 1,000 due (issue 10)

# --- measuring ----------------------------------------------------------------------------------


class StatementLog:
    """Counts the statements the engine sends (each executemany batch counts once)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self.keep_kinds = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        self.count += 1
        if self.keep_kinds:
            self.kinds[statement] += 1  # classified after the sweep, so the profile does not count it

    def by_kind(self) -> Counter[str]:
        kinds: Counter[str] = Counter()
        for statement, n in self.kinds.items():
            kinds[_statement_kind(statement)] += n
        return kinds


def _statement_kind(sql: str) -> str:
    flat = re.sub(r"::(?:TIMESTAMP WITHOUT TIME ZONE|\w+)", "", " ".join(sql.split()))  # PostgreSQL casts
    verb = flat.split(" ", 1)[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", flat, re.IGNORECASE)
    where = re.search(r"\bWHERE (.*?)(?: ORDER BY| LIMIT| RETURNING| ON CONFLICT|$)", flat)
    shown = f"{verb} {table.group(1) if table else ''}"
    if verb == "SELECT":
        cols = flat[7 : flat.upper().find(" FROM ")]
        if "max(" in cols.lower() or "count(" in cols.lower():
            shown += f" [{cols.strip()[:40]}]"
    if where:
        shown += " WHERE " + re.sub(r"(%\(\w+\)s|\?|\$\d+|:\w+)", "?", where.group(1))[:90]
    return shown


@dataclass
class Result:
    database: str
    open_disputes: int
    build_s: float
    quiet_ms: list[float] = field(default_factory=list)
    quiet_queries: int = 0
    due_ms: list[float] = field(default_factory=list)
    due_queries: int = 0
    real_ms: list[float] = field(default_factory=list)  # the same, with production's Slack and Teams notifiers
    real_changes_ms: list[float] = field(default_factory=list)  # of which the changes saved (escalations, reminders claimed)
    real_tell_ms: list[float] = field(default_factory=list)  # and then the people told (their messages built and queued)
    # as production runs them (real notifiers, SWEEP_BUDGET): the sweeps one due set took, each's ms
    budget_sweeps: list[list[float]] = field(default_factory=list)
    open_after: int = 0
    due: int = 0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)  # the machine's load average after the due sweeps


def _sweep(keeper: Timekeeper, now: datetime) -> tuple[float, SweepReport]:
    ms, _, _, report = _sweep_in_steps(keeper, now)
    return ms, report


def _sweep_in_steps(keeper: Timekeeper, now: datetime) -> tuple[float, float, float, SweepReport]:
    """`run_due_work`, timed as a whole and in its two steps: the changes saved, then the people told
    (the digest, which needs working hours, is never due at the bench's moments)."""
    started = time.perf_counter()
    report = keeper.run_changes(now)
    saved = time.perf_counter()
    keeper.run_telling(now, report)
    done = time.perf_counter()
    return (done - started) * 1000, (saved - started) * 1000, (done - saved) * 1000, report


def sweeps_until_done(keeper: Timekeeper, now: datetime) -> tuple[list[float], SweepReport]:
    """Sweeps one after the other, as the due-work job runs them, until one stops with nothing left:
    each sweep's ms (the pause between them, FOLLOW_UP_PAUSE, not counted) and what they did in all."""
    times: list[float] = []
    total = SweepReport()
    while not times or total.more:
        started = time.perf_counter()
        report = keeper.run_due_work(now)
        times.append((time.perf_counter() - started) * 1000)
        total.then(report)
        if len(times) > 100:
            raise SystemExit("bench.sweep: the budgeted sweeps never finished")
    return times, total


def real_notifiers(policy: Policy, *, slack_channel: str = "C0PARLEY", teams_channel: str = "19:parley-disputes@thread.tacv2") -> Notifier:
    """Slack's and Teams' notifiers as production joins them (handlers/composition.py), one channel each."""
    return Notifiers(
        SlackNotifier(policy, team=CSC_WORKSPACE, channel=slack_channel),
        teams.TeamsNotifier(policy, tenant=POLICE_TENANT, channel=teams_channel),
        around=shared_views,
    )


def _expect(report: SweepReport, escalated: int, nudged: int, what: str) -> None:
    if (report.escalated, report.nudged, report.told, report.missed, report.skipped, report.errors) != (
        escalated, nudged, escalated + nudged, 0, 0, 0
    ):
        raise SystemExit(f"bench.sweep: {what}: expected {escalated} escalated, {nudged} nudged and all told, got {report}")


def run_size(
    database: str, engine: Engine, size: int, due: int, policy: Policy, templates: Templates, profile: bool
) -> Result:
    calendar = calendar_for(policy)
    sessions = session_factory(engine)
    upkeep.load_directory(directory_for(policy), uow=SqlUnitOfWork(sessions))

    started = time.perf_counter()
    built = insert_clones(engine, templates.open, size - due)
    insert_due_set(engine, templates, due)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # what autovacuum would do shortly after a load this size
            conn.execute(sa.text("ANALYZE"))
    build_s = time.perf_counter() - started
    with engine.connect() as conn:
        counts = {
            t.name: conn.scalar(select(sa.func.count()).select_from(t))
            for t in (DisputeRow.__table__, RecordEntryRow.__table__, InvolvementRow.__table__, NudgeRow.__table__)
        }
    print(
        f"  built {database} with {counts['disputes']:,} open disputes in {build_s:.1f} s "
        f"({counts['record_entries']:,} record entries, {counts['dispute_people']:,} involvement rows, "
        f"{counts['nudges']:,} nudges)",
        flush=True,
    )
    assert counts["disputes"] == size and built.disputes == size - due

    settle_memory()  # as `serve` and `worker` do once they have booted (handlers/startup.py)
    log = StatementLog(engine)
    keeper = Timekeeper(
        sessions=sessions, policy=policy, calendar=calendar, clock=lambda: NOW_QUIET, notifier=FakeNotifier()
    )
    result = Result(database, size, build_s, due=due)

    # (a) nothing due: one warm-up, then QUIET_RUNS sweeps at the same moment
    _expect(_sweep(keeper, NOW_QUIET)[1], 0, 0, "warm-up with nothing due")
    for _ in range(QUIET_RUNS):
        before = log.count
        ms, report = _sweep(keeper, NOW_QUIET)
        _expect(report, 0, 0, "sweep with nothing due")
        result.quiet_ms.append(ms)
        result.quiet_queries = log.count - before

    # (b) the due set is already in: one warm-up sweep acts on it; then a fresh due set before each sweep
    _expect(_sweep(keeper, NOW_DUE)[1], *split(due), "warm-up sweep with items due")
    for _ in range(DUE_RUNS):
        insert_due_set(engine, templates, due)
        before = log.count
        ms, report = _sweep(keeper, NOW_DUE)
        _expect(report, *split(due), "sweep with items due")
        result.due_ms.append(ms)
        result.due_queries = log.count - before
    # (c) the same with the notifiers production runs (Slack and Teams messages built for real)
    real = Timekeeper(sessions=sessions, policy=policy, calendar=calendar, clock=lambda: NOW_DUE, notifier=real_notifiers(policy))
    for _ in range(DUE_RUNS):
        insert_due_set(engine, templates, due)
        ms, changes_ms, tell_ms, report = _sweep_in_steps(real, NOW_DUE)
        _expect(report, *split(due), "sweep with items due, real notifiers")
        result.real_ms.append(ms)
        result.real_changes_ms.append(changes_ms)
        result.real_tell_ms.append(tell_ms)
    # (d) the same as production runs it: sweeps with SWEEP_BUDGET, one after another until none is left
    budgeted = dataclasses.replace(real, budget=SWEEP_BUDGET)
    for _ in range(DUE_RUNS):
        insert_due_set(engine, templates, due)
        times, total = sweeps_until_done(budgeted, NOW_DUE)
        _expect(total, *split(due), "budgeted sweeps, real notifiers")
        result.budget_sweeps.append(times)
    result.open_after = size + due * DUE_RUNS * 3
    result.load = os.getloadavg()

    if profile:
        insert_due_set(engine, templates, due)
        log.kinds.clear()
        log.keep_kinds = True
        profiler = cProfile.Profile()
        profiler.enable()
        report = real.run_due_work(NOW_DUE)
        profiler.disable()
        log.keep_kinds = False
        _expect(report, *split(due), "profiled sweep")
        _print_profile(database, size, due, profiler, log.by_kind())
    return result


def _print_profile(database: str, size: int, due: int, profiler: cProfile.Profile, kinds: Counter[str]) -> None:
    print(f"\n  profile of one sweep, {database}, {size:,} open disputes, " + "{} overdue + {} reminders:".format(*split(due)))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(bot|storage|handlers|messages)/.*\.py", 40)
    print("\n".join("    " + line for line in out.getvalue().splitlines() if line.strip()))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
    print("\n".join("    " + line for line in out.getvalue().splitlines() if line.strip()))
    total = sum(kinds.values())
    print(f"\n  statements in that sweep: {total} ({total / due:.1f} per due item)")
    for kind, n in kinds.most_common():
        print(f"    {n:5}  {kind}")
    print()


# --- report -------------------------------------------------------------------------------------


def _fmt(ms: list[float]) -> str:
    return f"{statistics.median(ms):8.1f} / {min(ms):7.1f}"


def print_table(results: list[Result], skipped: list[str]) -> None:
    print()
    print(f"Sweep time: Timekeeper.run_due_work(now), {QUIET_RUNS} sweeps with nothing due (after 1 warm-up);")
    print(f"{DUE_RUNS} sweeps with items due (after 1 warm-up), each with a freshly inserted due set.")
    print()
    header = (
        f"{'database':<11} {'open disputes':>13}  {'due items':<22} {'sweep ms median / min':>22}  {'queries':>7}  "
        f"{'ms per due item':>15}  {'load 1/5 min':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.database:<11} {r.open_disputes:>13,}  {'none':<22} {_fmt(r.quiet_ms):>22}  {r.quiet_queries:>7}  {'':>15}")
        items = "{} overdue + {} nudges".format(*split(r.due))
        per_item = statistics.median(r.due_ms) / r.due
        load = f"{r.load[0]:.2f} / {r.load[1]:.2f}"
        print(f"{r.database:<11} {r.open_disputes:>13,}  {items:<22} {_fmt(r.due_ms):>22}  {r.due_queries:>7}  {per_item:>15.2f}  {load:>12}")
        if r.real_ms:
            real_item = statistics.median(r.real_ms) / r.due
            print(f"{r.database:<11} {r.open_disputes:>13,}  {'  real notifiers':<22} {_fmt(r.real_ms):>22}  {'':>7}  {real_item:>15.2f}")
            print(f"{r.database:<11} {r.open_disputes:>13,}  {'    changes saved':<22} {_fmt(r.real_changes_ms):>22}")
            print(f"{r.database:<11} {r.open_disputes:>13,}  {'    then people told':<22} {_fmt(r.real_tell_ms):>22}")
        if r.budget_sweeps:
            longest = [max(t) for t in r.budget_sweeps]
            print(f"{r.database:<11} {r.open_disputes:>13,}  {'  budgeted, longest':<22} {_fmt(longest):>22}")
            print(f"{r.database:<11} {r.open_disputes:>13,}  {'    all of them':<22} {_fmt([sum(t) for t in r.budget_sweeps]):>22}")
            shapes = "; ".join(" + ".join(f"{ms:.0f}" for ms in t) for t in r.budget_sweeps)
            print(f"{'':<11} {'':>13}  {'    each run':<22} {shapes}")
    print()
    for database in dict.fromkeys(r.database for r in results):
        mine = sorted((r for r in results if r.database == database), key=lambda r: r.open_disputes)
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        label = f"{large.open_disputes // 1000}k/{small.open_disputes // 1000}k"
        quiet = statistics.median(large.quiet_ms) / statistics.median(small.quiet_ms)
        busy = statistics.median(large.due_ms) / statistics.median(small.due_ms)
        print(f"{database:<11} ratio {label} of medians: nothing due x{quiet:.2f}, items due x{busy:.2f}")
    for r in results:
        worst = max(statistics.median(r.quiet_ms), statistics.median(r.due_ms))
        target = TARGET_1000_MS if r.due >= 1000 else TARGET_MS
        verdict = "within" if worst < target else "OVER"
        real, saved = statistics.median(r.real_ms), statistics.median(r.real_changes_ms)
        print(f"{r.database:<11} {r.open_disputes:>9,} open: slowest median {worst:.1f} ms, {verdict} the {target:.0f} ms target "
              f"(with the real notifiers: changes saved in {saved:.1f} ms, {'within' if saved < target else 'OVER'}; "
              f"changes and messages {real:.1f} ms, {'within' if real < target else 'OVER'})")
        if r.budget_sweeps:
            longest = max(max(t) for t in r.budget_sweeps)
            counts = sorted({len(t) for t in r.budget_sweeps})
            print(f"{'':<11} {'':>9}       as production sweeps (a {SWEEP_BUDGET * 1000:.0f} ms budget each, the next at once): "
                  f"{'/'.join(map(str, counts))} sweeps for the {r.due:,} items, the longest of all {longest:.1f} ms, "
                  f"{'within' if longest < target else 'OVER'}; all of them {statistics.median([sum(t) for t in r.budget_sweeps]):.1f} ms (median)")
    print()
    print("Build times (bulk insert of the open disputes and the first due set): "
          + ", ".join(f"{r.database} {r.open_disputes:,} {r.build_s:.1f} s" for r in results))
    print("Open disputes grow by the due items with every measured due sweep (the escalated ones stay open): "
          + ", ".join(f"{r.database} {r.open_disputes:,} -> {r.open_after:,}" for r in results))
    for line in skipped:
        print(line)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes numbers separated by commas, not {text!r}") from None
    if not sizes or any(s < 1 or s > MAX_DISPUTES for s in sizes):
        raise argparse.ArgumentTypeError(f"each size must be between 1 and {MAX_DISPUTES:,}")
    return sorted(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000], help="open disputes, e.g. 10000,100000")
    parser.add_argument("--due", type=int, default=100, help="due items per sweep, half overdue disputes and half reminders (default 100)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="also profile one due sweep at the largest size")
    args = parser.parse_args(argv)
    if not 2 <= args.due <= 20_000:
        parser.error("--due must be between 2 and 20000")
    if any(size < args.due for size in args.sizes):
        parser.error(f"every size must be at least --due ({args.due})")

    policy = read_policy("bradford")
    started = time.perf_counter()
    templates = make_templates(policy, calendar_for(policy))
    print(f"templates: {len(templates.open) + len(templates.overdue) + len(templates.reminded)} disputes opened "
          f"through the real use cases in {time.perf_counter() - started:.1f} s", flush=True)

    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: list[Result] = []
    skipped: list[str] = []
    for database in databases:
        for size in args.sizes:
            print(f"{database}, {size:,} open disputes:", flush=True)
            context: Callable[[], Any] = sqlite_database if database == "sqlite" else lambda: postgresql_database(postgresql_url())
            try:
                with context() as engine:
                    profile = args.profile and size == args.sizes[-1]
                    results.append(run_size(database, engine, size, args.due, policy, templates, profile))
            except Unavailable as exc:
                line = f"PostgreSQL skipped: {exc}"
                print("  " + line, flush=True)
                skipped.append(line)
                break
    if results:
        print_table(results, skipped)
    else:
        print("\n".join(skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
