"""The dispute's moves, driven through the use cases with an in-memory unit of work."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from bot import due_work, moves, opening
from bot.calendar import WorkingCalendar
from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from bot.dispute import Status, sides_to_confirm
from bot.errors import IllegalTransition, InvalidInput, NotAllowed, StaleAction, UnknownPerson
from bot.policy import Timescale, TimescaleKind, WhenMissed
from handlers.holidays import bank_holidays
from tests.fakes import FakeUnitOfWork
from tests.unit.factories import four_stage_policy, make_policy, make_stage

UTC = timezone.utc
# Monday 2 November 2026, 10:00 in London (GMT, so 10:00 UTC)
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
CALENDAR = WorkingCalendar(bank_holidays("england-and-wales"))
POLICY = four_stage_policy()


def _person(pid: str, agency: str, *roles: str, lm: str | None = None, platform: str = "slack") -> Person:
    return Person(
        id=pid,
        name=pid.replace(".", " ").title(),
        email=f"{pid}@example.gov.uk",
        memberships=(Membership(agency, frozenset(roles), lm),),
        identities=(Identity(platform, "T01" if platform == "slack" else "tenant-1", f"U-{pid}"),),
    )


def directory() -> Directory:
    people = [
        _person("amara", "csc", lm="ben"),
        _person("ben", "csc", lm="carol"),
        _person("carol", "csc", "safeguarding_lead"),
        _person("dev", "csc", "head_of_service"),
        _person("hana", "health", lm="ian", platform="teams"),
        _person("ian", "health", lm="jo", platform="teams"),
        _person("jo", "health", "safeguarding_lead", platform="teams"),
        _person("kim", "health", "head_of_service", platform="teams"),
        _person("pat", PARTNERSHIP, "board_manager"),
        _person("stranger", "csc"),
    ]
    return Directory(
        agencies={a: Agency(a, a.upper()) for a in ("csc", "health", PARTNERSHIP)},
        people={p.id: p for p in people},
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(directory())


def open_one(uow: FakeUnitOfWork, policy=POLICY, now: datetime = MONDAY, **changes) -> moves.Outcome:
    fields = dict(
        raiser="amara",
        reference="CSC-2026-0193",
        category="threshold",
        other_agency="health",
        other_person="hana",
        problem="Referral declined as below threshold.",
        cause="Different reading of the threshold document.",
        outcome="A strategy discussion this week.",
        discussed=True,
    )
    fields.update(changes)
    return opening.open_dispute(opening.OpenDispute(**fields), uow=uow, policy=policy, calendar=CALENDAR, now=now)


def escalate(uow, dispute_id, by, now, reason="Still no agreement.", **kw):
    return moves.escalate(
        moves.Escalate(dispute_id=dispute_id, by=by, reason=reason, **kw), uow=uow, policy=POLICY, calendar=CALENDAR, now=now
    )


def kinds(uow: FakeUnitOfWork, dispute_id: str) -> list[str]:
    return [e.kind for e in uow.disputes.record(dispute_id)]


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
    assert phrase in exc.value.errors["reference"]
    assert uow.disputes.rows == {}


def test_missing_problem_or_outcome_is_refused_field_by_field(uow):
    with pytest.raises(InvalidInput) as exc:
        open_one(uow, problem="   ")
    assert "problem" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        open_one(uow, outcome="x" * 5000)
    assert "under 2900" in exc.value.errors["outcome"]


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


# --- resolving ----------------------------------------------------------------------------------


def propose(uow, dispute_id, by, now=MONDAY):
    return moves.propose_resolution(
        moves.ProposeResolution(
            dispute_id=dispute_id,
            by=by,
            agreed_outcome="Strategy discussion on Thursday.",
            outstanding_issues="Health to share the GP letter by Wednesday.",
            learning_points="Threshold guidance unclear on neglect.",
        ),
        uow=uow,
        now=now,
    )


def confirm(uow, dispute_id, by, now=MONDAY):
    return moves.confirm_resolution(
        moves.ConfirmResolution(dispute_id=dispute_id, by=by, statement="Agreed."), uow=uow, policy=POLICY, now=now
    )


def test_a_resolution_needs_the_other_sides_written_confirmation_and_keeps_both(uow):
    dispute = open_one(uow).dispute
    proposed = propose(uow, dispute.id, "amara").dispute
    assert proposed.status is Status.AWAITING_CONFIRMATION
    assert sides_to_confirm(proposed) == ("other",)
    resolved = confirm(uow, dispute.id, "hana", MONDAY + timedelta(hours=3)).dispute
    assert resolved.status is Status.RESOLVED
    assert [(c.side, c.by) for c in resolved.confirmations] == [("raiser", "amara"), ("other", "hana")]
    record = uow.disputes.record(dispute.id)
    assert [e.kind for e in record[-4:]] == ["resolution proposed", "resolution confirmed", "resolution confirmed", "resolved"]
    assert record[-1].details["learning_points"] == "Threshold guidance unclear on neglect."
    assert record[-1].details["learning_to"] == "board_manager"


def test_the_proposers_own_side_cannot_confirm_its_own_proposal(uow):
    dispute = open_one(uow).dispute
    propose(uow, dispute.id, "amara")
    with pytest.raises(NotAllowed):
        confirm(uow, dispute.id, "amara")
    assert uow.disputes.get(dispute.id).status is Status.AWAITING_CONFIRMATION


def test_a_partnership_proposal_needs_both_parties_to_confirm(uow):
    dispute = open_one(uow).dispute
    for by in ("hana", "ben", "carol"):
        escalate(uow, dispute.id, by, MONDAY)
    proposed = propose(uow, dispute.id, "pat").dispute
    assert sides_to_confirm(proposed) == ("raiser", "other")
    assert confirm(uow, dispute.id, "dev").dispute.status is Status.AWAITING_CONFIRMATION
    assert confirm(uow, dispute.id, "kim").dispute.status is Status.RESOLVED


def test_not_agreeing_reopens_the_dispute_at_the_same_stage(uow):
    dispute = open_one(uow).dispute
    propose(uow, dispute.id, "amara")
    reopened = moves.reject_resolution(
        moves.RejectResolution(dispute_id=dispute.id, by="hana", reason="The GP letter is not enough."), uow=uow, now=MONDAY
    ).dispute
    assert reopened.status is Status.OPEN and reopened.proposal is None and reopened.confirmations == ()
    assert kinds(uow, dispute.id)[-1] == "resolution not agreed"


def test_only_the_last_stage_can_close_with_the_decision_unchanged(uow):
    dispute = open_one(uow).dispute
    close = moves.CloseUnresolved(dispute_id=dispute.id, by="amara", reason="Decision stands.")
    with pytest.raises(IllegalTransition, match="last stage"):
        moves.close_unresolved(close, uow=uow, policy=POLICY, now=MONDAY)
    for by in ("hana", "ben", "carol"):
        escalate(uow, dispute.id, by, MONDAY)
    closed = moves.close_unresolved(
        moves.CloseUnresolved(dispute_id=dispute.id, by="pat", reason="Decision stands; reported to the Chair."),
        uow=uow,
        policy=POLICY,
        now=MONDAY,
    ).dispute
    assert closed.status is Status.CLOSED_UNRESOLVED
    assert kinds(uow, dispute.id)[-1] == "closed: decision unchanged, disagreement remains"


def test_only_the_raiser_can_withdraw(uow):
    dispute = open_one(uow).dispute
    with pytest.raises(NotAllowed):
        moves.withdraw(moves.Withdraw(dispute_id=dispute.id, by="hana", reason="x"), uow=uow, now=MONDAY)
    withdrawn = moves.withdraw(
        moves.Withdraw(dispute_id=dispute.id, by="amara", reason="Resolved by phone."), uow=uow, now=MONDAY
    ).dispute
    assert withdrawn.status is Status.WITHDRAWN


def test_a_closed_dispute_refuses_every_further_move_and_records_nothing(uow):
    dispute = open_one(uow).dispute
    moves.withdraw(moves.Withdraw(dispute_id=dispute.id, by="amara", reason="Sorted."), uow=uow, now=MONDAY)
    before = kinds(uow, dispute.id)
    with pytest.raises(IllegalTransition):
        escalate(uow, dispute.id, "hana", MONDAY)
    with pytest.raises(IllegalTransition):
        propose(uow, dispute.id, "hana")
    with pytest.raises(IllegalTransition):
        moves.add_note(moves.AddNote(dispute_id=dispute.id, by="amara", text="hello"), uow=uow, now=MONDAY)
    assert kinds(uow, dispute.id) == before


def test_notes_are_for_the_people_involved(uow):
    dispute = open_one(uow).dispute
    moves.add_note(moves.AddNote(dispute_id=dispute.id, by="hana", text="Called Amara at 11:00."), uow=uow, now=MONDAY)
    with pytest.raises(NotAllowed):
        moves.add_note(moves.AddNote(dispute_id=dispute.id, by="stranger", text="hi"), uow=uow, now=MONDAY)
    assert kinds(uow, dispute.id)[-1] == "note"


def test_a_formal_challenge_is_recorded_when_the_dispute_reaches_the_policys_formal_stage(uow):
    policy = type(POLICY)(**{**POLICY.__dict__, "formal_challenge_from": "safeguarding_leads"})
    dispute = open_one(uow, policy).dispute
    assert not dispute.formal_challenge
    for by in ("hana", "ben"):
        moves.escalate(
            moves.Escalate(dispute_id=dispute.id, by=by, reason="No agreement."), uow=uow, policy=policy, calendar=CALENDAR, now=MONDAY
        )
    assert uow.disputes.get(dispute.id).formal_challenge
    assert "formal challenge lodged" in kinds(uow, dispute.id)
    [lodged] = [e for e in uow.disputes.record(dispute.id) if e.kind == "formal challenge lodged"]
    assert lodged.actor == "amara"  # the raiser's challenge, though Ben pressed Escalate (and Hana before him)


def test_what_happened_names_the_move_not_what_followed_from_it_nor_an_aside() -> None:
    from bot.record import RecordEntry, changes_since, what_happened

    t = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)

    def entry(seq: int, kind: str, actor: str | None = "ben.hughes") -> RecordEntry:
        return RecordEntry("d1", seq, t, actor, kind, {})

    escalated = [entry(1, "opened"), entry(2, "stage started"), entry(3, "escalated"), entry(4, "stage started")]
    assert what_happened(escalated).kind == "escalated"
    proposed = [entry(1, "opened"), entry(2, "resolution proposed"), entry(3, "resolution confirmed")]
    assert what_happened(proposed).kind == "resolution proposed"  # not the proposer's own confirmation
    confirmed = proposed + [entry(4, "resolution confirmed", "dc.jones")]
    assert what_happened(confirmed).actor == "dc.jones"
    aside = escalated + [entry(5, "person unreachable", None)]
    assert what_happened(aside).kind == "escalated"
    assert what_happened(aside, after=4).kind == "escalated"  # nothing since but an aside: say the last move
    assert [e.seq for e in changes_since(aside + [entry(6, "note"), entry(7, "withdrawn")], 2)] == [3, 7]
    assert what_happened([]) is None


def test_check_move_uses_the_moves_own_rules_and_changes_nothing(uow) -> None:
    from bot.dispute import Action, may_see_record
    from bot.move_checks import check_move

    dispute = open_one(uow).dispute
    before = copy.deepcopy(dispute)
    kw = dict(policy=POLICY, directory=directory(), calendar=CALENDAR, now=MONDAY)
    check_move(dispute, Action.ADD_NOTE, by="amara", **kw)
    check_move(dispute, Action.WITHDRAW, by="amara", **kw)
    with pytest.raises(NotAllowed):
        check_move(dispute, Action.WITHDRAW, by="hana", **kw)  # only the raiser withdraws
    with pytest.raises(NotAllowed):
        check_move(dispute, Action.ADD_NOTE, by="stranger", **kw)
    with pytest.raises(IllegalTransition):
        check_move(dispute, Action.CONFIRM_RESOLUTION, by="hana", **kw)  # nothing proposed yet
    with pytest.raises(ValueError):
        check_move(dispute, Action.ESCALATE_AUTOMATICALLY, by="amara", **kw)
    assert dispute == before and dispute.events == before.events
    assert may_see_record(dispute, "amara", directory()) and may_see_record(dispute, "pat", directory(), POLICY)
    assert not may_see_record(dispute, "pat", directory())  # a partnership member sees it only through a role the policy names


def test_only_the_partnership_roles_the_policy_names_may_see_a_record_beside_those_involved(uow) -> None:
    from bot.dispute import may_see_record

    dispute = open_one(uow).dispute
    people = directory()
    clerk = _person("clerk", PARTNERSHIP, "office_clerk")  # in the partnership, in no role the policy names
    people.people["clerk"] = clerk
    people.reindex()
    assert "board_manager" in POLICY.partnership_roles and "office_clerk" not in POLICY.partnership_roles
    assert may_see_record(dispute, "pat", people, POLICY)
    assert not may_see_record(dispute, "clerk", people, POLICY)
    assert may_see_record(dispute, "amara", people, POLICY) and may_see_record(dispute, "hana", people, POLICY)
    assert not may_see_record(dispute, "stranger", directory())
