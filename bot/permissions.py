"""May this person make this move now? A pure question beside each move, and the buttons it implies.

`may` answers without changing anything (no trial run on a copy); the transitions in
`bot.dispute` ask it first and raise what it returns, so a button and its move follow one rule.
A refusal says who can (a `Who` and their person ids), so the words can name them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.case import ALLOWED, Action, Dispute, Status, confirmers, sides_to_confirm
from bot.directory import PARTNERSHIP, Directory

if TYPE_CHECKING:
    from bot.policy import Policy


class Who(enum.StrEnum):
    """The people who may make a move, as a rule (the words for each live in messages/)."""

    DIRECTORY = "people in the directory"
    INVOLVED = "the people involved"
    ASKED_OR_RAISER = "the people asked to act, or the raiser"
    PARTIES_OR_ASKED = "the two parties or the people asked to act"
    CONFIRMERS = "the side still to confirm"
    ASKED_AT_LAST_STAGE = "the people asked to act at the last stage"
    RAISER = "the raiser"
    RECORD_READERS = "the people involved, or the partnership"
    FINISHERS = "the people who confirmed or closed it"


class Why(enum.StrEnum):
    """Why a move can't be made now, whoever asks."""

    STATUS = "not in this state"  # e.g. escalating a resolved dispute
    LAST_STAGE = "already at the last stage"
    NOT_LAST_STAGE = "not yet at the last stage"
    NOT_DUE = "the timescale has not run out"
    REMIND_AND_WAIT = "the policy says remind and wait"
    ALREADY_RECORDED = "the missed timescale is already recorded"
    ANSWERED = "learning points already given"


@dataclass(frozen=True)
class Refusal:
    """No: either `why` (nobody can, now) or `who` can, naming them in `people`."""

    action: str  # the Action's value
    status: str  # the Status's value
    why: Why | None = None
    who: Who | None = None
    people: tuple[str, ...] = ()


class Intent(enum.StrEnum):
    """What a person asks for by pressing a button (a move, or reading the record)."""

    RESOLVE = "resolve"
    ESCALATE = "escalate"
    CLOSE_UNRESOLVED = "close unresolved"
    ADD_NOTE = "add note"
    VIEW_RECORD = "view record"
    WITHDRAW = "withdraw"
    CONFIRM = "confirm"
    NOT_AGREED = "not agreed"
    GIVE_LEARNING = "give learning"
    EXPORT_RECORD = "export record"  # the record as a file: the same rule as View record


def _action(intent: Intent) -> Action | None:
    return {
        Intent.RESOLVE: Action.PROPOSE_RESOLUTION,
        Intent.ESCALATE: Action.ESCALATE,
        Intent.CLOSE_UNRESOLVED: Action.CLOSE_UNRESOLVED,
        Intent.ADD_NOTE: Action.ADD_NOTE,
        Intent.WITHDRAW: Action.WITHDRAW,
        Intent.CONFIRM: Action.CONFIRM_RESOLUTION,
        Intent.NOT_AGREED: Action.REJECT_RESOLUTION,
    }.get(intent)


def action_of(intent: Intent) -> Action | None:
    """The core's move behind a button; None for View record, which moves nothing."""
    return _action(intent)


def _state(dispute: Dispute, action: Action, policy: Policy | None) -> Why | None:
    """Why nobody can make this move now, or None (`policy` None: the state alone, no stage rules)."""
    if action not in ALLOWED[dispute.status]:
        return Why.STATUS
    if policy is None:
        return None
    if action is Action.ESCALATE and dispute.stage_index >= policy.last_index:
        return Why.LAST_STAGE
    if action is Action.CLOSE_UNRESOLVED and dispute.stage_index < policy.last_index:
        return Why.NOT_LAST_STAGE
    return None


def _who(dispute: Dispute, action: Action) -> tuple[Who, tuple[str, ...]] | None:
    """Who may make a person's move, as a rule and by id; None for Parley's own moves."""
    raiser = (dispute.raiser.person_id,) if dispute.raiser.person_id else ()
    parties = raiser + ((dispute.other.person_id,) if dispute.other.person_id else ())
    asked = dispute.routing.people()
    match action:
        case Action.ADD_NOTE:
            return Who.INVOLVED, tuple(sorted(dispute.involved))
        case Action.ESCALATE:
            return Who.ASKED_OR_RAISER, tuple(dict.fromkeys(asked + raiser))
        case Action.PROPOSE_RESOLUTION:
            return Who.PARTIES_OR_ASKED, tuple(dict.fromkeys(parties + asked))
        case Action.CONFIRM_RESOLUTION | Action.REJECT_RESOLUTION:
            return Who.CONFIRMERS, tuple(confirmers(dispute))
        case Action.CLOSE_UNRESOLVED:
            return Who.ASKED_AT_LAST_STAGE, asked
        case Action.WITHDRAW:
            return Who.RAISER, raiser
    return None


def _person_may(dispute: Dispute, action: Action, by: str) -> bool:
    match action:
        case Action.ADD_NOTE:
            return by in dispute.involved
        case Action.ESCALATE:
            return dispute.routing.may_act(by) or by == dispute.raiser.person_id
        case Action.PROPOSE_RESOLUTION:
            return dispute.acting_side(by) is not None
        case Action.CONFIRM_RESOLUTION | Action.REJECT_RESOLUTION:
            return dispute.acting_side(by) in sides_to_confirm(dispute)
        case Action.CLOSE_UNRESOLVED:
            return dispute.routing.may_act(by)
        case Action.WITHDRAW:
            return by == dispute.raiser.person_id
    return False


def may(dispute: Dispute, action: Action, *, by: str, policy: Policy | None = None) -> Refusal | None:
    """None when `by` may make this move now; otherwise why not, and who can."""
    status: Status = dispute.status
    why = _state(dispute, action, policy)
    if why is Why.STATUS:
        return Refusal(action.value, status.value, why=why)
    rule = _who(dispute, action)
    if rule is None:
        raise ValueError(f"{action.value} is Parley's own move, not a person's")
    if not _person_may(dispute, action, by):
        return Refusal(action.value, status.value, who=rule[0], people=rule[1])
    if why is not None:
        return Refusal(action.value, status.value, why=why)
    return None


def may_see_record(dispute: Dispute, person_id: str, directory: Directory, policy: Policy | None = None) -> bool:
    """The parties and the people asked at its stages may read a disagreement's record, and in the
    partnership only those holding one of the policy's partnership roles (no policy: nobody there)."""
    if person_id in dispute.involved:
        return True
    person = directory.person(person_id)
    membership = person.membership(PARTNERSHIP) if person else None
    roles = frozenset(policy.partnership_roles) if policy is not None else frozenset()
    return membership is not None and bool(membership.roles & roles)


def may_do(dispute: Dispute, intent: Intent, *, by: str, policy: Policy, directory: Directory) -> Refusal | None:
    """`may` for a button: View record has its own rule (the people involved, or the partnership)."""
    action = _action(intent)
    if action is None:
        if may_see_record(dispute, by, directory, policy):
            return None
        return Refusal("see its record", dispute.status.value, who=Who.RECORD_READERS, people=tuple(sorted(dispute.involved)))
    return may(dispute, action, by=by, policy=policy)


# The root message's buttons, in the order shown; Confirm and Not agreed go to the confirmers only.
ROOT_ORDER = (Intent.RESOLVE, Intent.ESCALATE, Intent.CLOSE_UNRESOLVED, Intent.ADD_NOTE, Intent.VIEW_RECORD, Intent.WITHDRAW)


def root_buttons(dispute: Dispute, policy: Policy) -> tuple[Intent, ...]:
    """The buttons the shared root shows in this state: each move someone could make now."""
    shown = []
    for intent in ROOT_ORDER:
        action = _action(intent)
        if action is None or _state(dispute, action, policy) is None:
            shown.append(intent)
    return tuple(shown)

