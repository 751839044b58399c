"""The repositories and unit of work on a real database: SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, select

from bot import dispute as transitions, moves, opening
from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from bot.dispute import Dispute, Status
from bot.errors import ConcurrentUpdate, StaleAction
from bot.moves import AddNote, Escalate, Outcome, ProposeResolution, Withdraw
from bot.opening import OpenDispute
from bot.policy import Sides
from bot.upkeep import load_directory
from handlers.files import read_policy
from handlers.holidays import calendar_for
from storage.db import NotMigrated, check_migrated, make_engine, session_factory, upgrade
from storage.disputes import AppendOnlyViolation
from storage.models import RecordEntryRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import POLICE_TENANT, at, directory_for
from tests.databases import another_engine

# Bradford, with its first step asking both practitioners (the preset asks the raiser only), so
# that every test here starts with someone to act on each side.
_BRADFORD = read_policy("bradford")
POLICY = dataclasses.replace(
    _BRADFORD, stages=(dataclasses.replace(_BRADFORD.stages[0], sides=Sides.BOTH), *_BRADFORD.stages[1:])
)
CALENDAR = calendar_for(POLICY)
MONDAY = at(2026, 11, 23, 10, 0)  # no bank holidays for the next fortnight
TUESDAY = at(2026, 11, 24, 10, 0)


def new_uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


@pytest.fixture
def directory(engine: Engine) -> Directory:
    """The stored directory: csc on Slack, police on Teams, a holder of every Bradford role."""
    d = directory_for(POLICY)
    load_directory(d, uow=new_uow(engine))
    return d


def open_dispute(
    engine: Engine,
    *,
    raiser: str = "amara.okafor",
    other_agency: str = "police",
    other_person: str | None = "dc.jones",
    other_description: str = "",
    now=MONDAY,
    reference: str = "CSC-2026-0193",
    immediate_risk: bool = False,
    key: str | None = None,
) -> Outcome:
    cmd = OpenDispute(
        raiser=raiser,
        reference=reference,
        category="Criteria for referrals",
        other_agency=other_agency,
        other_person=other_person,
        other_description=other_description,
        problem="The referral about repeated domestic incidents was not accepted for assessment.",
        cause="Different readings of the threshold document.",
        outcome="A strategy discussion this week.",
        discussed=True,
        immediate_risk=immediate_risk,
        idempotency_key=key,
    )
    return opening.open_dispute(cmd, uow=new_uow(engine), policy=POLICY, calendar=CALENDAR, now=now)


def stored(engine: Engine, dispute_id: str) -> Dispute:
    with new_uow(engine) as uow:
        return uow.disputes.get(dispute_id)


def record_rows(engine: Engine, dispute_id: str | None = None) -> list[tuple]:
    """(dispute_id, seq, kind, actor_id, details) of the stored entries, read with plain SQL."""
    query = "SELECT dispute_id, seq, kind, actor_id, details FROM record_entries"
    with engine.connect() as conn:
        if dispute_id is None:
            rows = conn.execute(sa.text(query + " ORDER BY dispute_id, seq"))
        else:
            rows = conn.execute(sa.text(query + " WHERE dispute_id = :d ORDER BY seq"), {"d": dispute_id})
        # SQLite hands JSON back as text, PostgreSQL as values
        return [(*r[:4], json.loads(r[4]) if isinstance(r[4], str) else r[4]) for r in rows]


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def assert_aware_utc(*moments) -> None:
    for moment in moments:
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0), moment


# --- round trip ---------------------------------------------------------------------------------


def test_an_opened_dispute_reads_back_equal_in_every_field(engine: Engine, directory: Directory) -> None:
    opened = open_dispute(engine).dispute

    back = stored(engine, opened.id)

    assert back == opened
    assert back.routing.people() == ("amara.okafor", "dc.jones")
    assert back.involved == {"amara.okafor", "dc.jones"}
    assert back.deadline == at(2026, 11, 30, 10, 0)  # 5 working days
    assert_aware_utc(back.opened_at, back.stage_started_at, back.deadline)


def test_a_proposal_and_its_confirmation_read_back_equal(engine: Engine, directory: Directory) -> None:
    opened = open_dispute(engine).dispute
    proposed = moves.propose_resolution(
        ProposeResolution(
            dispute_id=opened.id,
            by="amara.okafor",
            agreed_outcome="Police will share the incident log; CSC will re-screen the referral.",
            outstanding_issues="Threshold training at the next team meeting.",
            learning_points="Share incident logs with the referral.",
        ),
        uow=new_uow(engine),
        now=MONDAY + timedelta(hours=3),
    ).dispute

    back = stored(engine, opened.id)

    assert back == proposed
    assert back.status is Status.AWAITING_CONFIRMATION
    assert back.proposal is not None and back.proposal.by == "amara.okafor"
    assert [(c.side, c.by) for c in back.confirmations] == [("raiser", "amara.okafor")]
    assert back.version == 1
    assert_aware_utc(back.proposal.at, *(c.at for c in back.confirmations))
    assert back.proposal.at == MONDAY + timedelta(hours=3)


def test_an_urgent_dispute_against_an_agency_then_withdrawn_reads_back_equal(
    engine: Engine, directory: Directory
) -> None:
    opened = open_dispute(
        engine, other_person=None, other_description="the duty sergeant", immediate_risk=True
    ).dispute
    withdrawn = moves.withdraw(
        Withdraw(dispute_id=opened.id, by="amara.okafor", reason="Resolved by phone."),
        uow=new_uow(engine),
        now=MONDAY + timedelta(hours=1),
    ).dispute

    back = stored(engine, opened.id)

    assert back == withdrawn
    assert back.other.person_id is None and back.other.description == "the duty sergeant"
    assert back.formal_challenge is True  # bradford: formal from the managers' step, where urgent starts
    assert back.status is Status.WITHDRAWN
    assert back.closed_at == MONDAY + timedelta(hours=1)
    assert_aware_utc(back.closed_at)
    assert back.routing.flags  # the police side had no named practitioner, so someone else was asked


# --- the record ---------------------------------------------------------------------------------


def test_the_record_has_one_entry_per_event_numbered_in_order_with_its_details(
    engine: Engine, directory: Directory
) -> None:
    opened = open_dispute(engine)
    noted = moves.add_note(
        AddNote(dispute_id=opened.dispute.id, by="dc.jones", text="Incident log attached to the police system."),
        uow=new_uow(engine),
        now=TUESDAY,
    )
    events = opened.events + noted.events

    with new_uow(engine) as uow:
        entries = uow.disputes.record(opened.dispute.id)

    assert [e.seq for e in entries] == list(range(1, len(events) + 1))
    assert [e.kind for e in entries] == ["opened", "stage started", "note"]
    assert [(e.kind, e.at, e.actor, e.details) for e in entries] == [
        (ev.kind, ev.at, ev.actor, ev.details()) for ev in events
    ]
    assert entries[0].details["reference"] == "CSC-2026-0193"
    assert entries[1].details["asked"] == [
        ["amara.okafor", "raiser", "csc", "practitioner"],
        ["dc.jones", "other", "police", "practitioner"],
    ]
    assert_aware_utc(*(e.at for e in entries))


def test_record_entries_cannot_be_changed_or_removed_through_the_orm(engine: Engine, directory: Directory) -> None:
    dispute_id = open_dispute(engine).dispute.id
    before = record_rows(engine, dispute_id)

    with new_uow(engine) as uow:
        entry = uow.session.scalars(select(RecordEntryRow).where(RecordEntryRow.seq == 1)).one()
        entry.kind = "tampered"
        with pytest.raises(AppendOnlyViolation):
            uow.session.flush()
    with new_uow(engine) as uow:
        entry = uow.session.scalars(select(RecordEntryRow).where(RecordEntryRow.seq == 1)).one()
        uow.session.delete(entry)
        with pytest.raises(AppendOnlyViolation):
            uow.commit()

    assert record_rows(engine, dispute_id) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE record_entries SET kind = 'tampered', details = '{}' WHERE seq = 1",
        "UPDATE record_entries SET actor_id = 'someone.else'",
        "DELETE FROM record_entries WHERE seq = 2",
        "DELETE FROM record_entries",
    ],
)
def test_the_database_refuses_raw_sql_that_changes_or_removes_record_entries(
    engine: Engine, directory: Directory, statement: str
) -> None:
    open_dispute(engine)
    before = record_rows(engine)
    assert len(before) == 2

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))

    assert record_rows(engine) == before


def test_postgresql_refuses_to_truncate_the_record(engine: Engine, directory: Directory) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has no such statement")
    open_dispute(engine)
    before = record_rows(engine)

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE record_entries CASCADE"))

    assert record_rows(engine) == before


# --- stale writes -------------------------------------------------------------------------------


def test_saving_a_dispute_read_before_someone_else_saved_it_raises_concurrent_update_and_changes_nothing(
    engine: Engine, directory: Directory
) -> None:
    dispute_id = open_dispute(engine).dispute.id

    with new_uow(engine) as late:
        theirs = late.disputes.get(dispute_id)
        with new_uow(engine) as first:
            ours = first.disputes.get(dispute_id)
            transitions.add_note(ours, by="amara.okafor", text="Called DC Jones, left a message.", now=TUESDAY)
            first.disputes.save(ours)
            first.commit()
        transitions.add_note(theirs, by="dc.jones", text="Written at the same moment.", now=TUESDAY)
        with pytest.raises(ConcurrentUpdate):
            late.disputes.save(theirs)
            late.commit()

    after = stored(engine, dispute_id)
    assert after.version == 1
    notes = [row for row in record_rows(engine, dispute_id) if row[2] == "note"]
    assert [(row[3], row[4]["text"]) for row in notes] == [("amara.okafor", "Called DC Jones, left a message.")]


def test_a_move_on_a_stale_version_is_refused_naming_who_did_what(engine: Engine, directory: Directory) -> None:
    opened = open_dispute(engine).dispute
    moves.add_note(
        AddNote(dispute_id=opened.id, by="dc.jones", text="Reviewing the referral.", expected_version=0),
        uow=new_uow(engine),
        now=TUESDAY,
    )
    before = record_rows(engine, opened.id)

    with pytest.raises(StaleAction) as refused:
        moves.escalate(
            Escalate(dispute_id=opened.id, by="amara.okafor", reason="No reply.", expected_version=0),
            uow=new_uow(engine),
            policy=POLICY,
            calendar=CALENDAR,
            now=TUESDAY + timedelta(hours=1),
        )

    assert refused.value.by == "DC Rhys Jones"
    assert refused.value.what == "note"
    assert "note by DC Rhys Jones" in str(refused.value)
    assert stored(engine, opened.id).version == 1
    assert stored(engine, opened.id).stage_index == 0
    assert record_rows(engine, opened.id) == before


def test_a_move_refused_because_someone_escalated_first_says_it_was_escalated_and_by_whom(
    engine: Engine, directory: Directory
) -> None:
    opened = open_dispute(engine).dispute
    moves.escalate(
        Escalate(dispute_id=opened.id, by="amara.okafor", reason="No reply from the police.", expected_version=0),
        uow=new_uow(engine), policy=POLICY, calendar=CALENDAR, now=TUESDAY,
    )  # fmt: skip

    with pytest.raises(StaleAction) as refused:
        moves.add_note(
            AddNote(dispute_id=opened.id, by="dc.jones", text="Replying now.", expected_version=0),
            uow=new_uow(engine),
            now=TUESDAY + timedelta(minutes=5),
        )

    assert refused.value.by == "Amara Okafor"
    assert refused.value.what == "escalated"


# --- idempotency --------------------------------------------------------------------------------


def test_opening_twice_with_the_same_idempotency_key_opens_one_dispute_with_one_record(
    engine: Engine, directory: Directory
) -> None:
    first = open_dispute(engine, key="slack:T0CSC:view:V0123")
    second = open_dispute(engine, key="slack:T0CSC:view:V0123", now=MONDAY + timedelta(seconds=5))

    assert second.dispute.id == first.dispute.id
    assert second.events == []
    assert count(engine, "disputes") == 1
    assert [row[2] for row in record_rows(engine)] == ["opened", "stage started"]
    assert stored(engine, first.dispute.id) == first.dispute


def test_different_idempotency_keys_open_different_disputes(engine: Engine, directory: Directory) -> None:
    open_dispute(engine, key="teams:activity:1")
    open_dispute(engine, key="teams:activity:2")

    assert count(engine, "disputes") == 2
    assert len(record_rows(engine)) == 4


# --- queries ------------------------------------------------------------------------------------


@pytest.fixture
def four_disputes(engine: Engine, directory: Directory) -> dict[str, str]:
    """raised: Amara vs DC Jones (Mon, due next Mon); urgent: DC Jones vs Amara (Tue, due Tue 17:00);
    withdrawn: by Amara; agency_only: DC Jones vs CSC, nobody named (Tue, due next Tue)."""
    raised = open_dispute(engine, reference="CSC-1").dispute.id
    urgent = open_dispute(
        engine, raiser="dc.jones", other_agency="csc", other_person="amara.okafor", immediate_risk=True,
        now=TUESDAY, reference="WYP-2",
    ).dispute.id  # fmt: skip
    withdrawn = open_dispute(engine, reference="CSC-3").dispute.id
    moves.withdraw(Withdraw(dispute_id=withdrawn, by="amara.okafor", reason="Sorted."), uow=new_uow(engine), now=MONDAY)
    agency_only = open_dispute(
        engine, raiser="dc.jones", other_agency="csc", other_person=None, now=TUESDAY, reference="WYP-4"
    ).dispute.id
    return {"raised": raised, "urgent": urgent, "withdrawn": withdrawn, "agency_only": agency_only}


def test_active_involving_lists_the_disputes_a_person_raised_or_is_asked_to_act_on_most_urgent_first(
    engine: Engine, four_disputes: dict[str, str]
) -> None:
    d = four_disputes
    with new_uow(engine) as uow:
        amara = [x.id for x in uow.disputes.active_involving("amara.okafor")]
        line_manager = [x.id for x in uow.disputes.active_involving("ben.hughes")]
        lead = [x.id for x in uow.disputes.active_involving("csc.safeguarding_lead")]
        nobody = uow.disputes.active_involving("partnership.board_manager")

    assert amara == [d["urgent"], d["raised"]]  # the withdrawn one is gone
    assert line_manager == [d["urgent"]]  # asked to act at the managers' step
    assert lead == [d["urgent"], d["agency_only"]]  # asked to act for the unnamed CSC side
    assert nobody == []


def test_overdue_lists_active_disputes_past_their_deadline_oldest_deadline_first_up_to_the_limit(
    engine: Engine, four_disputes: dict[str, str]
) -> None:
    d = four_disputes
    with new_uow(engine) as uow:
        before_any = uow.disputes.overdue(at(2026, 11, 24, 16, 59), limit=10)
        same_day = [x.id for x in uow.disputes.overdue(at(2026, 11, 24, 17, 0), limit=10)]
        next_week = [x.id for x in uow.disputes.overdue(at(2026, 12, 2, 9, 0), limit=10)]
        limited = [x.id for x in uow.disputes.overdue(at(2026, 12, 2, 9, 0), limit=2)]

    assert before_any == []
    assert same_day == [d["urgent"]]
    assert next_week == [d["urgent"], d["raised"], d["agency_only"]]
    assert limited == [d["urgent"], d["raised"]]


# --- the directory ------------------------------------------------------------------------------


def test_the_directory_reads_back_as_stored_with_two_agencies_and_both_platforms(engine: Engine) -> None:
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    priya = Person(
        id="priya.patel",
        name="Dr Priya Patel",
        email="priya.patel@bdct.nhs.example.uk",
        memberships=(  # in agency-id order, which is the order the repository reads them back in
            Membership("csc", frozenset({"safeguarding_lead"}), "ben.hughes"),
            Membership("health", frozenset({"safeguarding_lead", "head_of_service"}), None),
        ),
        identities=(Identity("slack", "T0CSC", "U0PRIYA"), Identity("teams", tenant, "29:1a2b3c")),
    )
    base = directory_for(POLICY)
    directory = Directory(
        agencies={**base.agencies, "health": Agency("health", "Bradford District Care NHS Foundation Trust")},
        people={**base.people, priya.id: priya},
    )

    load_directory(directory, uow=new_uow(engine))
    with new_uow(engine) as uow:
        back = uow.directory.load()

    assert back == directory
    assert back.person("priya.patel") == priya
    assert back.by_identity("teams", tenant, "29:1a2b3c") == priya
    assert back.by_identity("slack", "T0CSC", "U0PRIYA") == priya
    assert back.by_identity("teams", POLICE_TENANT, "29:dcjones").id == "dc.jones"
    assert [p.id for p in back.holders("csc", "safeguarding_lead")] == ["csc.safeguarding_lead", "priya.patel"]
    assert [p.id for p in back.holders(PARTNERSHIP, "board_manager")] == ["partnership.board_manager"]


def test_replacing_the_directory_removes_people_who_are_no_longer_in_it(engine: Engine) -> None:
    full = directory_for(POLICY)
    load_directory(full, uow=new_uow(engine))
    smaller = Directory(
        agencies=dict(full.agencies), people={k: v for k, v in full.people.items() if k != "dc.jones"}
    )

    load_directory(smaller, uow=new_uow(engine))
    with new_uow(engine) as uow:
        back = uow.directory.load()

    assert back == smaller
    assert back.person("dc.jones") is None
    assert back.by_identity("teams", POLICE_TENANT, "29:dcjones") is None
    assert count(engine, "identities") == len(smaller.people)


def test_the_directory_is_read_once_and_read_again_when_any_process_replaces_it(engine: Engine) -> None:
    full = directory_for(POLICY)
    load_directory(full, uow=new_uow(engine))
    statements: list[str] = []

    with new_uow(engine) as uow:
        first = uow.directory.load()
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with new_uow(engine) as uow:
        again = uow.directory.load()
    assert again is first  # kept in memory: one small query asks whether it changed
    assert len(statements) == 1 and "directory_revision" in statements[-1]

    other = another_engine(engine)  # as a second server process would
    try:
        smaller = Directory(agencies=dict(full.agencies), people={k: v for k, v in full.people.items() if k != "dc.jones"})
        load_directory(smaller, uow=new_uow(other))
    finally:
        other.dispose()
    with new_uow(engine) as uow:
        after = uow.directory.load()
    assert after == smaller and after.person("dc.jones") is None


def test_a_directory_replaced_in_a_transaction_that_rolls_back_is_not_kept(engine: Engine) -> None:
    full = directory_for(POLICY)
    load_directory(full, uow=new_uow(engine))
    with new_uow(engine) as uow:
        uow.directory.replace(Directory(agencies=dict(full.agencies), people={}))
        assert uow.directory.load().people == {}
        # no commit: rolled back
    with new_uow(engine) as uow:
        assert uow.directory.load() == full


# --- migrations ---------------------------------------------------------------------------------


def test_an_empty_database_is_refused_with_what_to_run_until_it_is_upgraded(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        with pytest.raises(NotMigrated, match=r"python app\.py db upgrade"):
            check_migrated(engine)

        upgrade(engine)

        check_migrated(engine)
    finally:
        engine.dispose()


# --- concurrency --------------------------------------------------------------------------------

CONTENDERS = 20


def test_of_twenty_simultaneous_moves_on_one_dispute_exactly_one_wins_and_the_rest_are_told_who_acted(
    engine: Engine, directory: Directory
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer, so there is no race to test; PostgreSQL runs this")
    dispute_id = open_dispute(engine).dispute.id
    for hour in (1, 2):  # the raiser moves it on to the managers' step, where the line managers act
        moves.escalate(
            Escalate(dispute_id=dispute_id, by="amara.okafor", reason="No agreement yet."),
            uow=new_uow(engine), policy=POLICY, calendar=CALENDAR, now=MONDAY + timedelta(hours=hour),
        )  # fmt: skip
    before = stored(engine, dispute_id)
    assert POLICY.stages[before.stage_index].id == "managers"
    entries_before = record_rows(engine, dispute_id)
    now = MONDAY + timedelta(hours=3)

    def escalate() -> Outcome:
        cmd = Escalate(dispute_id=dispute_id, by="ben.hughes", reason="Needs a service manager.", expected_version=before.version)
        return moves.escalate(cmd, uow=new_uow(engine), policy=POLICY, calendar=CALENDAR, now=now)

    def propose() -> Outcome:
        cmd = ProposeResolution(
            dispute_id=dispute_id, by="ds.khan", agreed_outcome="Joint visit on Thursday.", expected_version=before.version
        )
        return moves.propose_resolution(cmd, uow=new_uow(engine), now=now)

    barrier = threading.Barrier(CONTENDERS)
    results: list[Outcome | BaseException | None] = [None] * CONTENDERS

    def contend(n: int) -> None:
        move = escalate if n % 2 == 0 else propose
        barrier.wait()
        try:
            results[n] = move()
        except BaseException as exc:  # noqa: BLE001 - every outcome is asserted on below
            results[n] = exc

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(CONTENDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    winners = [r for r in results if isinstance(r, Outcome)]
    losers = [r for r in results if not isinstance(r, Outcome)]
    assert len(winners) == 1, results
    assert all(isinstance(r, StaleAction) for r in losers), [r for r in losers if not isinstance(r, StaleAction)]
    won = winners[0]
    winner = directory.person(won.events[0].actor)
    assert winner is not None
    kinds = {e.kind for e in won.events}
    for refused in losers:
        assert isinstance(refused, StaleAction)
        assert refused.by == winner.name
        assert refused.what in kinds
        assert f"by {winner.name}" in str(refused)

    after = stored(engine, dispute_id)
    assert after.version == before.version + 1
    assert after == won.dispute
    entries_after = record_rows(engine, dispute_id)
    new = entries_after[len(entries_before) :]
    assert entries_after[: len(entries_before)] == entries_before
    assert [(row[2], row[3]) for row in new] == [(e.kind, e.actor) for e in won.events]
    assert [row[1] for row in new] == list(range(len(entries_before) + 1, len(entries_after) + 1))


def test_ten_simultaneous_opens_with_the_same_idempotency_key_open_one_dispute(
    engine: Engine, directory: Directory
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer, so there is no race to test; PostgreSQL runs this")
    barrier = threading.Barrier(10)
    results: list[Outcome | BaseException | None] = [None] * 10

    def contend(n: int) -> None:
        barrier.wait()
        try:
            results[n] = open_dispute(engine, key="slack:T0CSC:view:V0RETRY", now=MONDAY + timedelta(seconds=n))
        except BaseException as exc:  # noqa: BLE001 - every outcome is asserted on below
            results[n] = exc

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert all(isinstance(r, Outcome) for r in results), results
    assert len({r.dispute.id for r in results}) == 1
    assert sum(1 for r in results if r.events) == 1  # only the first to commit recorded anything
    assert count(engine, "disputes") == 1
    assert [row[2] for row in record_rows(engine)] == ["opened", "stage started"]


def test_the_migrations_build_exactly_the_tables_the_models_describe(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
