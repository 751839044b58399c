"""How long one sweep of the timekeeper takes, with 10k and 100k open disputes (issue 5).

    .venv/bin/python -m bench.sweep [--sizes 10000,100000] [--due 100] [--database sqlite|postgresql|both] [--profile]

For each database and size it builds a fresh database of N open disputes, then times
`Timekeeper.run_due_work(now)`:
  (a) at a moment when nothing is due (median of several sweeps), and
  (b) at a moment when `due` items are due, half of them disputes past their deadline and half
      other disputes with a reminder due: a fresh due set is inserted before each measured
      sweep, so every measurement acts on exactly `due` items (the issue's "100 items due" is
      the default; `--due 200` gives 100 overdue + 100 reminders).
The target: under 100 ms per sweep, and flat in the number of open disputes.

The rows are clones of disputes opened through the real use cases (bot.opening.open_dispute and
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
import io
import itertools
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, event, select
from sqlalchemy.engine import make_url

from bot import moves, opening, upkeep
from bot.calendar import WorkingCalendar
from bot.policy import Policy
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.scheduler import SweepReport, Timekeeper
from storage.db import make_engine, session_factory, upgrade
from storage.models import AskedRow, DisputeRow, InvolvementRow, NudgeRow, RecordEntryRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at, directory_for
from tests.fakes import FakeNotifier

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
CHUNK = 5_000  # disputes per transaction while building
QUIET_RUNS = 9  # sweeps with nothing due, after one warm-up
DUE_RUNS = 5  # sweeps with a fresh due set each, after one warm-up
TARGET_MS = 100.0
MAX_DISPUTES = 1_000_000  # bounded: refuse sizes past this

# Wednesday 18 November 2026 (GMT, so UTC = London). Bradford: 5 working days a step, 09:00-17:00,
# nudges half-way and at 09:00 on the due day.
NOW_QUIET = at(2026, 11, 18, 9, 30)  # before every deadline and nudge that is not done yet
NOW_DUE = at(2026, 11, 18, 12)  # past the due set's deadlines and reminders, before everything else

PROBLEM = (
    "The referral made on 2 November about concerns for the child's safety at home was closed with no "
    "further action. School has since reported two further disclosures and an unexplained injury, and "
    "we do not think the threshold decision took the earlier history into account."
)
OUTCOME = "A multi-agency strategy discussion this week, and the referral reconsidered in the light of the school's reports."
CAUSE = "Different reading of the threshold document; information from school not shared before the decision."
NOTES = (
    "Spoke to the duty manager; they will look at it again once the school's chronology arrives.",
    "Chronology sent by secure email. Awaiting a reply.",
    "Discussed with my line manager, who agrees we should keep the challenge open.",
    "Called again and left a message; nobody has come back to me yet.",
)
PARTIES = (("amara.okafor", "police", "dc.jones"), ("dc.jones", "csc", "amara.okafor"))


# --- templates: disputes made by the real use cases --------------------------------------------


@dataclass
class Template:
    dispute: dict[str, Any]
    entries: list[dict[str, Any]]
    involvement: list[dict[str, Any]]
    nudges: list[dict[str, Any]]
    asked: list[dict[str, Any]] = field(default_factory=list)  # who is asked at its stage (dispute_asked)


@dataclass
class Templates:
    open: list[Template]  # nothing due at NOW_DUE
    overdue: list[Template]  # deadline between NOW_QUIET and NOW_DUE; its stage nudges already sent
    reminded: list[Template]  # a half-way nudge due between NOW_QUIET and NOW_DUE; deadline later


def _make_template(
    sessions: Any, engine: Engine, policy: Policy, calendar: WorkingCalendar, opened: datetime, notes: int, variant: int
) -> Template:
    raiser, other_agency, other = PARTIES[variant % len(PARTIES)]
    cmd = opening.OpenDispute(
        raiser=raiser,
        reference="CSC-2026-0001",
        category=policy.categories[variant % len(policy.categories)],
        other_agency=other_agency,
        other_person=other,
        problem=PROBLEM,
        cause=CAUSE,
        outcome=OUTCOME,
        discussed=variant % 3 == 0,
    )
    dispute_id = opening.open_dispute(
        cmd, uow=SqlUnitOfWork(sessions), policy=policy, calendar=calendar, now=opened, notifier=FakeNotifier()
    ).dispute.id
    for i in range(notes):
        moves.add_note(
            moves.AddNote(dispute_id=dispute_id, by=raiser, text=NOTES[(variant + i) % len(NOTES)]),
            uow=SqlUnitOfWork(sessions),
            now=opened + timedelta(minutes=3 * (i + 1)),
        )

    def rows(table: sa.Table, order: Any) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            found = conn.execute(select(table).where(table.c.dispute_id == dispute_id).order_by(order)).mappings()
            return [{k: v for k, v in r.items() if k != "id"} for r in found]

    with engine.connect() as conn:
        dispute = dict(conn.execute(select(DisputeRow.__table__).where(DisputeRow.id == dispute_id)).mappings().one())
    return Template(
        dispute=dispute,
        entries=rows(RecordEntryRow.__table__, RecordEntryRow.seq),
        involvement=rows(InvolvementRow.__table__, InvolvementRow.person_id),
        nudges=rows(NudgeRow.__table__, NudgeRow.due_at),
        asked=rows(AskedRow.__table__, AskedRow.person_id),
    )


def make_templates(policy: Policy, calendar: WorkingCalendar) -> Templates:
    """Open disputes through the real use cases in a scratch SQLite database and keep their rows."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/templates.sqlite3")
        try:
            upgrade(engine)
            sessions = session_factory(engine)
            upkeep.load_directory(directory_for(policy), uow=SqlUnitOfWork(sessions))

            def make(openings: list[datetime]) -> list[Template]:
                return [
                    _make_template(sessions, engine, policy, calendar, opened, notes=1 + v % 4, variant=v)
                    for v, opened in enumerate(o for o in openings for _ in range(4))
                ]

            # opened from Friday 16:30 to Wednesday 09:20: half-way nudges from Wednesday 12:30 on
            templates = Templates(
                open=make(
                    [at(2026, 11, 13, 16, 30), at(2026, 11, 14, 11), at(2026, 11, 16, 9), at(2026, 11, 16, 13),
                     at(2026, 11, 17, 10), at(2026, 11, 17, 15), at(2026, 11, 18, 9), at(2026, 11, 18, 9, 10)]
                ),
                overdue=make([at(2026, 11, 11, 10), at(2026, 11, 11, 10, 40), at(2026, 11, 11, 11, 20)]),
                reminded=make([at(2026, 11, 13, 14), at(2026, 11, 13, 14, 40), at(2026, 11, 13, 15, 20)]),
            )
        finally:
            engine.dispose()
    for t in templates.overdue:  # the sweeps running every few seconds sent these when they fell due
        for n in t.nudges:
            n.update(status="sent", done_at=n["due_at"])
    _check_templates(templates)
    return templates


def _check_templates(t: Templates) -> None:
    """The benchmark's premise: exactly the due set is due at NOW_DUE, and nothing at NOW_QUIET."""

    def pending(tpl: Template) -> list[datetime]:
        return [n["due_at"] for n in tpl.nudges if n["status"] == "pending"]

    problems = []
    for tpl in t.open:
        if tpl.dispute["deadline"] <= NOW_DUE or min(pending(tpl)) <= NOW_DUE:
            problems.append(f"an open template is due at {NOW_DUE}")
    for tpl in t.overdue:
        if not NOW_QUIET < tpl.dispute["deadline"] <= NOW_DUE or pending(tpl):
            problems.append(f"an overdue template's deadline {tpl.dispute['deadline']} is not in ({NOW_QUIET}, {NOW_DUE}]")
    for tpl in t.reminded:
        due = sorted(pending(tpl))
        if tpl.dispute["deadline"] <= NOW_DUE or not NOW_QUIET < due[0] <= NOW_DUE or due[1] <= NOW_DUE:
            problems.append(f"a reminded template's nudges {due} do not straddle {NOW_DUE}")
    for tpl in t.open + t.overdue + t.reminded:
        if not (3 <= len(tpl.entries) <= 6 and len(tpl.involvement) == 2 and len(tpl.nudges) == 2):
            problems.append(f"a template has {len(tpl.entries)} entries, {len(tpl.involvement)} people, {len(tpl.nudges)} nudges")
    if problems:
        raise SystemExit("bench.sweep: the templates do not fit the benchmark: " + "; ".join(sorted(set(problems))))


# --- bulk building ------------------------------------------------------------------------------


_serial = itertools.count(1)


def _clones(templates: list[Template], count: int) -> Iterator[tuple[list[dict], list[dict], list[dict], list[dict], list[dict]]]:
    """Rows for `count` copies of the templates (round robin), CHUNK disputes at a time, each with new ids."""
    cycle = itertools.cycle(templates)
    for start in range(0, count, CHUNK):
        disputes: list[dict] = []
        entries: list[dict] = []
        people: list[dict] = []
        nudges: list[dict] = []
        asked: list[dict] = []
        for _ in range(min(CHUNK, count - start)):
            t = next(cycle)
            new_id = uuid.uuid4().hex
            reference = f"CSC-2026-{next(_serial):06d}"
            disputes.append({**t.dispute, "id": new_id, "reference": reference})
            for e in t.entries:
                if e["kind"] == "opened":
                    entries.append({**e, "dispute_id": new_id, "details": {**e["details"], "reference": reference}})
                else:
                    entries.append({**e, "dispute_id": new_id})
            people.extend({**p, "dispute_id": new_id} for p in t.involvement)
            nudges.extend({**n, "dispute_id": new_id} for n in t.nudges)
            asked.extend({**a, "dispute_id": new_id} for a in t.asked)
        yield disputes, entries, people, nudges, asked


@dataclass
class Built:
    disputes: int = 0
    entries: int = 0
    people: int = 0
    nudges: int = 0


def insert_clones(engine: Engine, templates: list[Template], count: int) -> Built:
    built = Built()
    for disputes, entries, people, nudges, asked in _clones(templates, count):
        with engine.begin() as conn:
            conn.execute(sa.insert(DisputeRow.__table__), disputes)
            conn.execute(sa.insert(RecordEntryRow.__table__), entries)
            conn.execute(sa.insert(InvolvementRow.__table__), people)
            conn.execute(sa.insert(NudgeRow.__table__), nudges)
            if asked:
                conn.execute(sa.insert(AskedRow.__table__), asked)
        built.disputes += len(disputes)
        built.entries += len(entries)
        built.people += len(people)
        built.nudges += len(nudges)
    return built


def split(due: int) -> tuple[int, int]:
    """`due` items as (overdue disputes, disputes with a reminder due): half and half."""
    return due // 2, due - due // 2


def insert_due_set(engine: Engine, templates: Templates, due: int) -> None:
    overdue, reminded = split(due)
    insert_clones(engine, templates.overdue, overdue)
    insert_clones(engine, templates.reminded, reminded)


# --- databases ----------------------------------------------------------------------------------


class Unavailable(Exception):
    pass


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/parley.sqlite3")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def postgresql_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL


@contextmanager
def postgresql_database(url: str) -> Iterator[Engine]:
    """A schema of its own, dropped afterwards (as tests/conftest.py does)."""
    parsed = make_url(url)
    host = parsed.host or ""
    if host and host not in LOOPBACK and not host.startswith("/"):
        raise Unavailable(f"{parsed.render_as_string(hide_password=True)} is not on this machine (loopback only)")
    admin = make_engine(url, connect_args={"connect_timeout": 3})
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach it means: skip PostgreSQL
        admin.dispose()
        first_line = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unavailable(f"cannot reach {parsed.render_as_string(hide_password=True)}: {first_line}") from None
    engine = make_engine(url, connect_args={"connect_timeout": 3, "options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
    open_after: int = 0
    due: int = 0


def _sweep(keeper: Timekeeper, now: datetime) -> tuple[float, SweepReport]:
    started = time.perf_counter()
    report = keeper.run_due_work(now)
    return (time.perf_counter() - started) * 1000, report


def _expect(report: SweepReport, escalated: int, nudged: int, what: str) -> None:
    if (report.escalated, report.nudged, report.missed, report.skipped, report.errors) != (escalated, nudged, 0, 0, 0):
        raise SystemExit(f"bench.sweep: {what}: expected {escalated} escalated and {nudged} nudged, got {report}")


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
    result.open_after = size + due * DUE_RUNS

    if profile:
        insert_due_set(engine, templates, due)
        log.kinds.clear()
        log.keep_kinds = True
        profiler = cProfile.Profile()
        profiler.enable()
        report = keeper.run_due_work(NOW_DUE)
        profiler.disable()
        log.keep_kinds = False
        _expect(report, *split(due), "profiled sweep")
        _print_profile(database, size, due, profiler, log.by_kind())
    return result


def _print_profile(database: str, size: int, due: int, profiler: cProfile.Profile, kinds: Counter[str]) -> None:
    print(f"\n  profile of one sweep, {database}, {size:,} open disputes, " + "{} overdue + {} reminders:".format(*split(due)))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(bot|storage|handlers)/.*\.py", 25)
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
    header = f"{'database':<11} {'open disputes':>13}  {'due items':<22} {'sweep ms median / min':>22}  {'queries':>7}  {'ms per due item':>15}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.database:<11} {r.open_disputes:>13,}  {'none':<22} {_fmt(r.quiet_ms):>22}  {r.quiet_queries:>7}  {'':>15}")
        items = "{} overdue + {} nudges".format(*split(r.due))
        per_item = statistics.median(r.due_ms) / r.due
        print(f"{r.database:<11} {r.open_disputes:>13,}  {items:<22} {_fmt(r.due_ms):>22}  {r.due_queries:>7}  {per_item:>15.2f}")
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
        verdict = "within" if worst < TARGET_MS else "OVER"
        print(f"{r.database:<11} {r.open_disputes:>9,} open: slowest median {worst:.1f} ms, {verdict} the {TARGET_MS:.0f} ms target")
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
          f"through the use cases in {time.perf_counter() - started:.1f} s", flush=True)

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
