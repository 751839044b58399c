"""The command line and the web app as someone running Parley meets them, on a SQLite file of their own."""

from __future__ import annotations

import ast
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

import app
from bot import moves, opening
from bot.moves import AddNote
from bot.opening import OpenDispute
from bot.upkeep import load_directory
from handlers.composition import compose
from handlers.directory_files import read_directory
from handlers.files import read_policy
from handlers.holidays import calendar_for
from messages.record import local_time
from storage.db import make_engine, session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at, directory_for

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DIRECTORY = ROOT / "examples" / "directory.yaml"
BRADFORD = read_policy("bradford")

BROKEN_POLICY = """\
name: broken
title: A broken policy
roles:
  agency: [safeguarding_lead]
  partnership: [board_manager]
categories: [Criteria for referrals]
learning: {to: board_manager, group: Learning sub-group}
urgent: {starts_at: managers, timescale: same working day}
stages:
  - id: practitioners
    name: Stage 1 - Practitioners
    each_agency: [practitioner]
    timescale: 5 fortnights
  - id: managers
    name: Stage 2 - Managers
    each_agency: [line_manger]
    timescale: 5 working days
    when_missed: remind
"""

BROKEN_DIRECTORY_YAML = """\
agencies:
  - {id: csc, name: Children's Social Care}
people:
  - id: amara.okafor
    name: Amara Okafor
    email: amara.okafor at csc
    agency: csc
    slack: T0CSC/U0AMARA
  - id: ben.hughes
    name: Ben Hughes
    email: ben.hughes@csc.example.gov.uk
    agency: probation
    slack: T0CSC/U0BEN
"""

BROKEN_DIRECTORY_CSV = """\
id,name,email,agency,roles,line_manager,slack,teams
amara.okafor,Amara Okafor,amara.okafor-at-csc,csc,,ben.hughes,T0CSC/U0AMARA,
ben.hughes,Ben Hughes,ben.hughes@csc.example.gov.uk,csc,,,,
"""


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A working folder without a .env, and DATABASE_URL pointing at a SQLite file in it."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'parley.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("PARLEY_POLICY", "PARLEY_DIRECTORY", "PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
    return url


@pytest.fixture
def database_url(environment: str) -> str:
    return environment


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- policy -------------------------------------------------------------------------------------


def test_policy_check_of_a_preset_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["policy", "check", "bradford"]) == 0
    out = capsys.readouterr().out
    assert "bradford: OK" in out
    assert f"{len(BRADFORD.stages)} stages" in out


def test_policy_check_of_a_broken_file_fails_and_shows_each_error_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "broken.yaml", BROKEN_POLICY)

    assert app.main(["policy", "check", path]) == 1

    err = capsys.readouterr().err
    assert "2 problem(s)" in err
    lines = err.splitlines()
    assert any(line.strip().startswith("line 13:") and "5 fortnights" in line for line in lines), err
    assert any(line.strip().startswith("line 16:") and "line_manger" in line for line in lines), err


def test_policy_show_prints_every_stage_name_and_timescale(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["policy", "show", "bradford"]) == 0

    out = capsys.readouterr().out
    assert BRADFORD.title in out
    for stage in BRADFORD.stages:
        row = next((line for line in out.splitlines() if stage.name in line), None)
        assert row is not None, stage.name
        assert stage.timescale.describe() in row


# --- directory ----------------------------------------------------------------------------------


def test_directory_check_of_a_broken_yaml_file_fails_with_the_line_of_each_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "staff.yaml", BROKEN_DIRECTORY_YAML)

    assert app.main(["directory", "check", path]) == 1

    err = capsys.readouterr().err
    assert "line 6: 'amara.okafor' has a bad email address 'amara.okafor at csc'" in err
    assert "line 12: 'ben.hughes' is in unknown agency 'probation'" in err


def test_directory_check_of_a_broken_csv_file_fails_with_the_line_of_each_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "staff.csv", BROKEN_DIRECTORY_CSV)

    assert app.main(["directory", "check", path]) == 1

    err = capsys.readouterr().err
    assert "line 2: 'amara.okafor' has a bad email address 'amara.okafor-at-csc'" in err
    assert "line 3: 'ben.hughes' has no chat identity" in err


def test_directory_check_of_the_example_passes_against_the_bradford_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["directory", "check", str(EXAMPLE_DIRECTORY), "--policy", "bradford"]) == 0

    assert "OK" in capsys.readouterr().out


def test_db_upgrade_then_directory_load_stores_everyone_in_the_file(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.main(["db", "upgrade"]) == 0
    assert app.main(["directory", "load", str(EXAMPLE_DIRECTORY)]) == 0

    expected = read_directory(EXAMPLE_DIRECTORY, policy=BRADFORD)
    assert f"Stored {len(expected.people)} people" in capsys.readouterr().out
    engine = make_engine(database_url)
    try:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            stored = uow.directory.load()
    finally:
        engine.dispose()
    assert stored.agencies == expected.agencies
    assert sorted(stored.people) == sorted(expected.people)
    for person_id, person in expected.people.items():
        back = stored.people[person_id]
        assert (back.name, back.email) == (person.name, person.email)
        assert set(back.memberships) == set(person.memberships)
        assert set(back.identities) == set(person.identities)


def test_directory_load_of_a_broken_file_stores_nothing(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app.main(["db", "upgrade"])
    path = write(tmp_path, "staff.csv", BROKEN_DIRECTORY_CSV)

    assert app.main(["directory", "load", path]) == 1

    assert "Nothing was changed." in capsys.readouterr().err
    engine = make_engine(database_url)
    try:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            assert uow.directory.load().people == {}
    finally:
        engine.dispose()


# --- serve --------------------------------------------------------------------------------------


def test_serve_on_an_unmigrated_database_exits_2_saying_what_to_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def must_not_serve(*args: object, **kwargs: object) -> None:
        raise AssertionError("Parley started serving on a database without its tables")

    monkeypatch.setattr(app.web, "run_app", must_not_serve)

    assert app.main(["serve"]) == 2

    err = capsys.readouterr().err
    assert "Parley can't start: The database has no Parley tables yet." in err
    assert "Run `python app.py db upgrade`" in err
    assert "Traceback" not in err


def test_directory_load_on_an_unmigrated_database_exits_2_saying_what_to_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert app.main(["directory", "load", str(EXAMPLE_DIRECTORY)]) == 2

    assert "Run `python app.py db upgrade`" in capsys.readouterr().err


def test_healthz_answers_ok_with_the_policy_in_use_and_the_outbox(database_url: str) -> None:
    app.main(["db", "upgrade"])

    async def ask() -> tuple[int, object]:
        engine = make_engine(database_url)
        parley = app.Parley(wiring=compose(engine=engine, policy=BRADFORD, clock=app.now))
        try:
            async with TestClient(TestServer(app.build_web_app(parley))) as client:
                response = await client.get("/healthz")
                return response.status, await response.json()
        finally:
            engine.dispose()

    status, body = asyncio.run(ask())

    assert status == 200
    assert body == {
        "status": "ok", "policy": "bradford", "platforms": [], "unreachable": {},
        "outbox": {"pending": 0, "failed": 0}, "notices": {"waiting": 0, "given_up": 0},
    }  # fmt: skip


# --- record -------------------------------------------------------------------------------------


def open_bradford_dispute(uow: SqlUnitOfWork) -> moves.Outcome:
    return opening.open_dispute(
        OpenDispute(
            raiser="amara.okafor",
            reference="CSC-2026-0193",
            category="Information sharing and communication",
            other_agency="police",
            other_person="dc.jones",
            problem="The strategy discussion went ahead without CSC.",
            outcome="Reconvene the strategy discussion with CSC present.",
        ),
        uow=uow,
        policy=BRADFORD,
        calendar=calendar_for(BRADFORD),
        now=at(2026, 11, 23, 10, 0),
    )



def test_record_show_prints_the_case_reference_and_every_entry(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app.main(["db", "upgrade"])
    engine = make_engine(database_url)
    uow = SqlUnitOfWork(session_factory(engine))
    try:
        load_directory(directory_for(BRADFORD), uow=uow)
        opened = open_bradford_dispute(uow)
        moves.add_note(
            AddNote(dispute_id=opened.dispute.id, by="dc.jones", text="Agreed to reconvene on Thursday."),
            uow=uow,
            now=at(2026, 11, 24, 14, 30),
        )
        with uow:
            entries = uow.disputes.record(opened.dispute.id)
    finally:
        engine.dispose()
    capsys.readouterr()

    assert app.main(["record", "show", opened.dispute.id, "--by", "amara.okafor"]) == 0

    out = capsys.readouterr().out
    assert "Case reference: CSC-2026-0193" in out
    assert len(entries) == 3
    for entry in entries:
        assert f"{entry.seq:>3}. {local_time(entry.at)}  " in out
    assert "Amara Okafor raised a disagreement (category: Information sharing and communication)." in out
    assert f"Stage '{BRADFORD.stages[0].name}' started" in out
    assert "DC Rhys Jones added a note: Agreed to reconvene on Thursday." in out
    assert "Mon 23 Nov 2026, 10:00" in out and "Tue 24 Nov 2026, 14:30" in out  # UK time


def test_record_show_of_an_unknown_dispute_exits_1_saying_so(capsys: pytest.CaptureFixture[str]) -> None:
    app.main(["db", "upgrade"])

    assert app.main(["record", "show", "nosuchdispute", "--by", "amara.okafor"]) == 1

    assert "There is no disagreement with case reference or id nosuchdispute." in capsys.readouterr().err


# --- the core stays pure ------------------------------------------------------------------------


def test_the_core_imports_nothing_but_the_standard_library_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | {"bot"}
    offenders = []
    files = sorted((ROOT / "bot").rglob("*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] not in allowed:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert offenders == []


# --- outbox -------------------------------------------------------------------------------------


def test_outbox_failed_lists_refused_messages_and_retry_puts_them_back_in_the_queue(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.outbox import Delivery, OutgoingMessage
    from storage.outbox import OutboxDelivery

    app.main(["db", "upgrade"])
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    try:
        load_directory(directory_for(BRADFORD), uow=SqlUnitOfWork(sessions))
        opened = open_bradford_dispute(SqlUnitOfWork(sessions))
        with SqlUnitOfWork(sessions) as uow:
            uow.outbox.add(
                [
                    OutgoingMessage(
                        key=f"k{i}", platform="slack", workspace="T0CSC", delivery=Delivery.DIRECT, target=f"U0GONE{i}",
                        payload={"text": "hello"}, dispute_id=opened.dispute.id,
                    )
                    for i in (1, 2)
                ],
                at(2026, 11, 23, 10, 0),
            )
            uow.commit()
        outbox = OutboxDelivery(sessions)
        queued = outbox.claim_due(at(2026, 11, 23, 10, 1), limit=10)
        for message in queued:
            outbox.mark_failed(message, error="user_not_found")
        capsys.readouterr()

        assert app.main(["outbox", "failed"]) == 0
        out = capsys.readouterr().out
        assert "2 message(s) the platform refused" in out
        assert "slack direct to U0GONE1" in out and "case CSC-2026-0193" in out and "user_not_found" in out

        first = queued[0].id
        assert app.main(["outbox", "retry", str(first), "999999"]) == 1
        captured = capsys.readouterr()
        assert f"Queued again: {first}." in captured.out and "999999" in captured.err
        assert [m.id for m in outbox.claim_due(app.now() + timedelta(minutes=1), limit=10)] == [first]  # queued for now

        assert app.main(["outbox", "retry"]) == 1  # nothing named: says what to give
        assert app.main(["outbox", "retry", "--all"]) == 0
        assert app.main(["outbox", "failed"]) == 0
        assert "No failed messages" in capsys.readouterr().out
    finally:
        engine.dispose()
