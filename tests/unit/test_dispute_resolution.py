"""The dispute's moves, driven through the use cases with an in-memory unit of work: resolving,
closing, withdrawing, notes, and who may do what."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from bot import moves
from bot.directory import PARTNERSHIP
from bot.dispute import Status, sides_to_confirm
from bot.errors import IllegalTransition, NotAllowed
from tests.fakes import FakeUnitOfWork
from tests.unit.dispute_setup import CALENDAR, MONDAY, POLICY, directory, escalate, kinds, open_one, person


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(directory())


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
    clerk = person("clerk", PARTNERSHIP, "office_clerk")  # in the partnership, in no role the policy names
    people.people["clerk"] = clerk
    people.reindex()
    assert "board_manager" in POLICY.partnership_roles and "office_clerk" not in POLICY.partnership_roles
    assert may_see_record(dispute, "pat", people, POLICY)
    assert not may_see_record(dispute, "clerk", people, POLICY)
    assert may_see_record(dispute, "amara", people, POLICY) and may_see_record(dispute, "hana", people, POLICY)
    assert not may_see_record(dispute, "stranger", directory())
