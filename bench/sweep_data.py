"""The data the sweep benchmarks run on (bench.sweep, bench.monday): open disputes cloned from
disputes opened through the real use cases, a due set, and the databases they live in.

The rows are clones of disputes opened through the real use cases (bot.opening.open_dispute and
bot.moves.add_note) in a scratch database, so they are exactly what the repository writes: each has 3-6
record entries, 2 involvement rows and 2 nudges. They are inserted with SQLAlchemy Core, many rows
per statement, 5,000 disputes per transaction.

SQLite is a file in a temporary directory; PostgreSQL is a schema of its own, created and dropped,
at BENCH_DATABASE_URL, TEST_DATABASE_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test
(loopback only; skipped with a line saying why when unreachable).
"""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from bot import moves, opening, upkeep
from bot.calendar import WorkingCalendar
from bot.policy import Policy
from storage.db import make_engine, session_factory, upgrade
from storage.models import AskedRow, DisputeRow, InvolvementRow, NudgeRow, RecordEntryRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at, directory_for
from tests.fakes import FakeNotifier

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
CHUNK = 5_000  # disputes per transaction while building
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
