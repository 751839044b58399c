"""The dispute's moves, driven through the use cases with an in-memory unit of work: opening,
escalating, and missed timescales (resolving and closing: test_dispute_resolution.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot import due_work, moves
from bot.dispute import Status
from bot.errors import IllegalTransition, InvalidInput, NotAllowed, StaleAction, UnknownPerson
from bot.policy import Timescale, TimescaleKind, WhenMissed
from messages.problems import word
from tests.fakes import FakeUnitOfWork
from tests.unit.dispute_setup import CALENDAR, MONDAY, POLICY, UTC, directory, escalate, kinds, open_one
from tests.unit.factories import make_policy, make_stage


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(directory())


# --- opening ------------------------------------------------------------------------------------


def test_opening_starts_at_the_first_stage_with_both_practitioners_asked(uow):
    dispute = open_one(uow).dispute
    assert dispute.status is Status.OPEN
    assert dispute.stage_index == 0
    assert dispute.routing.people() == ("amara", "hana")
    # five working days from Monday 10:00 is the next Monday 10:00
    assert dispute.deadline == datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
    assert kinds(uow, dispute.id) == ["opened", "stage started"]


def test_immediate_risk_starts_on_the_urgent_path_with_a_same_working_day_deadline(uow):
    policy = make_policy(
        make_stage("practitioners", ("practitioner",)),
        make_stage("line_managers", ("line_manager",)),
        make_stage("heads", ("head_of_service",), ("board_manager",)),
    )
    policy = type(policy)(**{**policy.__dict__, "urgent": type(policy.urgent)("line_managers", Timescale(TimescaleKind.SAME_WORKING_DAY))})
    dispute = open_one(uow, policy, immediate_risk=True).dispute
    assert dispute.stage_index == 1
    assert dispute.routing.people() == ("ben", "ian")
    assert dispute.deadline == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)


def test_immediate_risk_raised_after_hours_is_due_by_the_end_of_the_next_working_day(uow):
    friday_evening = datetime(2026, 11, 6, 19, 30, tzinfo=UTC)
    dispute = open_one(uow, now=friday_evening, immediate_risk=True).dispute
    assert dispute.deadline == datetime(2026, 11, 9, 17, 0, tzinfo=UTC)


def test_a_raiser_who_is_not_in_the_directory_opens_nothing(uow):
    with pytest.raises(UnknownPerson):
        open_one(uow, raiser="nobody")
    assert uow.disputes.rows == {}


@pytest.mark.parametrize(
    "reference, phrase",
    [("Jack Smith", "looks like a name"), ("jack@example.com", "email"), ("", "case reference"), ("ABCDEF", "numbers")],
)
def test_a_case_reference_that_could_identify_a_child_is_refused(uow, reference, phrase):
    with pytest.raises(InvalidInput) as exc:
        open_one(uow, reference=reference)
    assert phrase in word(exc.value.errors["reference"])
    assert uow.disputes.rows == {}


def test_missing_problem_or_outcome_is_refused_field_by_field(uow):
    with pytest.raises(InvalidInput) as exc:
        open_one(uow, problem="   ")
    assert "problem" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        open_one(uow, outcome="x" * 5000)
    assert "under 2900" in word(exc.value.errors["outcome"])


def test_the_same_submission_twice_opens_one_dispute(uow):
    first = open_one(uow, idempotency_key="view-123")
    second = open_one(uow, idempotency_key="view-123")
    assert second.dispute.id == first.dispute.id
    assert second.events == []
    assert len(uow.disputes.rows) == 1
    assert kinds(uow, first.dispute.id) == ["opened", "stage started"]


def test_an_other_party_known_only_as_an_agency_routes_their_side_up_and_flags_it(uow):
    dispute = open_one(uow, other_person=None, other_description="Duty team, health").dispute
    assert "amara" in dispute.routing.people("raiser")
    assert dispute.routing.people("other")  # someone in health was found to act
    assert dispute.routing.flags


# --- escalating ---------------------------------------------------------------------------------


def test_a_person_asked_to_act_escalates_to_the_next_stage_and_both_line_managers_are_asked(uow):
    dispute = open_one(uow).dispute
    later = MONDAY + timedelta(hours=2)
    outcome = escalate(uow, dispute.id, "hana", later)
    assert outcome.dispute.stage_index == 1
    assert outcome.dispute.routing.people() == ("ben", "ian")
    assert outcome.dispute.deadline == datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
    assert [e.kind for e in outcome.events] == ["escalated", "stage started"]
    record = uow.disputes.record(dispute.id)
    assert record[-2].details["reason"] == "Still no agreement."
    assert record[-2].details["waiting_on"] == ["amara", "hana"]


def test_the_raiser_may_escalate_when_still_unsatisfied_at_a_later_stage(uow):
    dispute = open_one(uow).dispute
    escalate(uow, dispute.id, "hana", MONDAY)
    outcome = escalate(uow, dispute.id, "amara", MONDAY + timedelta(hours=1), reason="Managers did not meet.")
    assert outcome.dispute.stage_index == 2


def test_someone_not_asked_to_act_cannot_escalate_and_nothing_changes(uow):
    dispute = open_one(uow).dispute
    with pytest.raises(NotAllowed):
        escalate(uow, dispute.id, "stranger", MONDAY)
    assert uow.disputes.get(dispute.id).stage_index == 0
    assert kinds(uow, dispute.id) == ["opened", "stage started"]


def test_escalating_needs_a_reason(uow):
    dispute = open_one(uow).dispute
    with pytest.raises(InvalidInput):
        escalate(uow, dispute.id, "hana", MONDAY, reason=" ")
    assert uow.disputes.get(dispute.id).stage_index == 0


def test_the_last_stage_cannot_be_escalated(uow):
    dispute = open_one(uow).dispute
    for by in ("hana", "ben", "carol"):
        escalate(uow, dispute.id, by, MONDAY)
    with pytest.raises(IllegalTransition, match="last stage"):
        escalate(uow, dispute.id, "dev", MONDAY)


def test_a_click_on_a_stale_view_says_who_did_what(uow):
    dispute = open_one(uow).dispute
    escalate(uow, dispute.id, "hana", MONDAY, expected_version=0)
    with pytest.raises(StaleAction) as exc:
        escalate(uow, dispute.id, "amara", MONDAY, expected_version=0)
    assert "Ben" in str(exc.value) or "Hana" in str(exc.value)
    assert uow.disputes.get(dispute.id).stage_index == 1


# --- missed timescales --------------------------------------------------------------------------


def test_a_missed_timescale_escalates_automatically_recording_who_was_waited_on(uow):
    dispute = open_one(uow).dispute
    results = list(due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=dispute.deadline))
    assert len(results) == 1
    moved = uow.disputes.get(dispute.id)
    assert moved.stage_index == 1
    escalated = uow.disputes.record(dispute.id)[-2]
    assert escalated.actor is None
    assert escalated.details["automatic"] is True
    assert escalated.details["waiting_on"] == ["amara", "hana"]


def test_nothing_escalates_before_the_deadline(uow):
    dispute = open_one(uow).dispute
    assert list(due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=dispute.deadline - timedelta(seconds=1))) == []
    assert uow.disputes.get(dispute.id).stage_index == 0


def test_a_remind_and_wait_stage_records_the_miss_once_and_stays(uow):
    stages = list(POLICY.stages)
    stages[0] = type(stages[0])(**{**stages[0].__dict__, "when_missed": WhenMissed.REMIND})
    policy = type(POLICY)(**{**POLICY.__dict__, "stages": tuple(stages)})
    dispute = open_one(uow, policy).dispute
    for _ in range(2):
        list(due_work.escalate_overdue(uow=uow, policy=policy, calendar=CALENDAR, now=dispute.deadline + timedelta(hours=1)))
    assert uow.disputes.get(dispute.id).stage_index == 0
    assert kinds(uow, dispute.id) == ["opened", "stage started", "timescale missed"]


def test_a_pending_proposal_lapses_when_the_timescale_escalates(uow):
    dispute = open_one(uow).dispute
    moves.propose_resolution(
        moves.ProposeResolution(dispute_id=dispute.id, by="amara", agreed_outcome="Strategy discussion Thursday."),
        uow=uow,
        now=MONDAY,
    )
    list(due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=dispute.deadline))
    moved = uow.disputes.get(dispute.id)
    assert moved.status is Status.OPEN and moved.proposal is None and moved.stage_index == 1
    assert uow.disputes.record(dispute.id)[-2].details["proposal_lapsed"] is True
