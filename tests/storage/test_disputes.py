"""The dispute repository on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set):
round trips, the append-only record, stale writes, idempotency and its queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, select

from bot import dispute as transitions, moves
from bot.directory import Directory
from bot.dispute import Status
from bot.errors import ConcurrentUpdate, StaleAction
from bot.moves import AddNote, Escalate, ProposeResolution, Withdraw
from bot.upkeep import load_directory
from storage.disputes import AppendOnlyViolation
from storage.models import RecordEntryRow
from tests.builders import at, directory_for
from tests.storage.store_setup import CALENDAR, MONDAY, POLICY, TUESDAY, assert_aware_utc, count, new_uow, open_dispute, record_rows, stored


@pytest.fixture
def directory(engine: Engine) -> Directory:
    """The stored directory: csc on Slack, police on Teams, a holder of every Bradford role."""
    d = directory_for(POLICY)
    load_directory(d, uow=new_uow(engine))
    return d


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
