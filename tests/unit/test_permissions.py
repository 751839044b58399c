"""`may` answers "may this person do this now?" exactly as the move itself would, and names who can."""

from __future__ import annotations

import copy

import pytest

from bot import dispute as moves, plan
from bot.dispute import Action, Status
from bot.errors import Refused
from bot.permissions import Intent, Who, Why, may, may_do, root_buttons
from messages.replies import refusal_text
from tests.fakes import FakeUnitOfWork
from tests.unit.test_dispute import CALENDAR, MONDAY, POLICY, directory, escalate, open_one


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(directory())


PEOPLE = sorted(directory().people)
PERSON_MOVES = (
    Action.ADD_NOTE,
    Action.ESCALATE,
    Action.PROPOSE_RESOLUTION,
    Action.CONFIRM_RESOLUTION,
    Action.REJECT_RESOLUTION,
    Action.CLOSE_UNRESOLVED,
    Action.WITHDRAW,
)


def _try(dispute, action: Action, by: str) -> bool:
    trial = copy.deepcopy(dispute)
    kw = dict(policy=POLICY, directory=directory(), calendar=CALENDAR, now=MONDAY)
    try:
        match action:
            case Action.ADD_NOTE:
                moves.add_note(trial, by=by, text="x", now=MONDAY)
            case Action.ESCALATE:
                moves.escalate(trial, by=by, reason="x", **kw)
            case Action.PROPOSE_RESOLUTION:
                moves.propose_resolution(trial, by=by, agreed_outcome="x", outstanding_issues="", learning_points="", now=MONDAY)
            case Action.CONFIRM_RESOLUTION:
                moves.confirm_resolution(trial, by=by, statement="x", policy=POLICY, now=MONDAY)
            case Action.REJECT_RESOLUTION:
                moves.reject_resolution(trial, by=by, reason="x", now=MONDAY)
            case Action.CLOSE_UNRESOLVED:
                moves.close_unresolved(trial, by=by, reason="x", policy=POLICY, now=MONDAY)
            case Action.WITHDRAW:
                moves.withdraw(trial, by=by, reason="x", now=MONDAY)
    except Refused:
        return False
    return True


def _states(uow):
    opened = open_one(uow).dispute
    proposed = copy.deepcopy(opened)
    moves.propose_resolution(proposed, by="amara", agreed_outcome="x", outstanding_issues="", learning_points="", now=MONDAY)
    last = copy.deepcopy(opened)
    while last.stage_index < POLICY.last_index:
        moves.escalate(last, by="amara", reason="x", policy=POLICY, directory=directory(), calendar=CALENDAR, now=MONDAY)
    resolved = copy.deepcopy(proposed)
    moves.confirm_resolution(resolved, by="hana", statement="Agreed.", policy=POLICY, now=MONDAY)
    return {"open": opened, "proposed": proposed, "last stage": last, "resolved": resolved}


def test_may_agrees_with_the_move_for_every_person_move_and_state(uow) -> None:
    for name, dispute in _states(uow).items():
        before = copy.deepcopy(dispute)
        for action in PERSON_MOVES:
            for person in PEOPLE:
                allowed = may(dispute, action, by=person, policy=POLICY) is None
                assert allowed == _try(dispute, action, person), (name, action, person)
        assert dispute == before  # asking changes nothing


def test_a_refusal_says_who_can_and_the_words_name_them(uow) -> None:
    dispute = open_one(uow).dispute
    refusal = may(dispute, Action.WITHDRAW, by="hana", policy=POLICY)
    assert refusal is not None and refusal.who is Who.RAISER and refusal.people == ("amara",)
    text = refusal_text(refusal, directory())
    assert text == "Only the person who raised it can withdraw it: Amara. Nothing has changed."
    assert "at this point" not in text
    nobody = may(dispute, Action.CLOSE_UNRESOLVED, by=dispute.routing.people()[0], policy=POLICY)
    assert nobody is not None and nobody.why is Why.NOT_LAST_STAGE


def test_the_root_buttons_follow_from_the_same_rules(uow) -> None:
    states = _states(uow)
    assert root_buttons(states["open"], POLICY) == (Intent.RESOLVE, Intent.ESCALATE, Intent.ADD_NOTE, Intent.VIEW_RECORD, Intent.WITHDRAW)
    assert root_buttons(states["last stage"], POLICY) == (
        Intent.RESOLVE, Intent.CLOSE_UNRESOLVED, Intent.ADD_NOTE, Intent.VIEW_RECORD, Intent.WITHDRAW,
    )  # fmt: skip
    assert root_buttons(states["proposed"], POLICY) == (Intent.ADD_NOTE, Intent.VIEW_RECORD, Intent.WITHDRAW)
    assert root_buttons(states["resolved"], POLICY) == (Intent.VIEW_RECORD,)
    assert may_do(states["resolved"], Intent.VIEW_RECORD, by="pat", policy=POLICY, directory=directory()) is None
    assert may_do(states["resolved"], Intent.VIEW_RECORD, by="stranger", policy=POLICY, directory=directory()) is not None


def test_the_plan_never_tells_people_about_their_own_move_and_asks_the_confirmers(uow) -> None:
    dispute = open_one(uow).dispute
    proposed = copy.deepcopy(dispute)
    proposed.events.clear()
    events = moves.propose_resolution(proposed, by="amara", agreed_outcome="x", outstanding_issues="", learning_points="", now=MONDAY)
    planned = plan.after(proposed, events)
    assert planned is not None
    assert {(d.person_id, d.tell) for d in planned.direct} == {(p, plan.Tell.CONFIRM_REQUEST) for p in moves.confirmers(proposed)}
    assert "amara" not in {d.person_id for d in planned.direct}
    waiting = plan.reminder(proposed, "half way")
    assert waiting is not None and waiting.waiting_on == tuple(moves.confirmers(proposed))
    assert {d.tell for d in waiting.direct} == {plan.Tell.CONFIRM_REQUEST}
    assert plan.after(proposed, []) is None


def test_an_escalation_asks_the_people_at_the_new_stage_but_not_the_one_who_escalated(uow) -> None:
    dispute = open_one(uow).dispute
    moved = escalate(uow, dispute.id, "amara", MONDAY)
    planned = plan.after(moved.dispute, moved.events)
    assert planned is not None and not planned.opened
    asked = {d.person_id for d in planned.direct if d.tell is plan.Tell.ASKED_TO_ACT}
    assert asked == set(moved.dispute.routing.people()) - {"amara"}
    assert moved.dispute.status is Status.OPEN


@pytest.mark.parametrize("action", [Action.ESCALATE_AUTOMATICALLY, Action.NOTE_MISSED_DEADLINE])
def test_parleys_own_moves_are_not_a_persons(uow, action) -> None:
    with pytest.raises(ValueError):
        may(open_one(uow).dispute, action, by="amara", policy=POLICY)


def test_when_the_partnership_proposes_the_proposer_is_told_both_sides_are_asked(uow) -> None:
    from messages.replies import done_proposed

    dispute = _states(uow)["last stage"]
    assert "pat" in dispute.routing.people()
    moves.propose_resolution(dispute, by="pat", agreed_outcome="x", outstanding_issues="", learning_points="", now=MONDAY)
    assert done_proposed(dispute, "pat") == "You proposed a resolution. Both sides are asked to confirm it in writing."
    party = _states(uow)["proposed"]
    assert done_proposed(party, "amara") == "You proposed a resolution. The other side is asked to confirm it in writing."


def test_the_raiser_is_not_told_others_were_asked_when_only_they_are(uow) -> None:
    from messages.text import dispute_view, told_on_raising

    view = dispute_view(open_one(uow).dispute, directory(), POLICY)
    assert told_on_raising(view) == "Parley has started a thread and told the people asked to act."
    alone = type(view)(**{**view.__dict__, "asked": tuple(p for p in view.asked if p.id == view.raiser.id)})
    assert told_on_raising(alone) == "Parley has started a thread. At this step you are the one asked to act."
