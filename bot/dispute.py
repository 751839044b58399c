"""A professional disagreement and the moves it can make.

One explicit transition table (`ALLOWED`); one function per transition. Each function checks
that the move is legal and that the person may make it, changes the dispute, and returns the
events it caused (also appended to `dispute.events` for the unit of work to record). An illegal
move raises and changes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from bot.calendar import WorkingCalendar
from bot.directory import Directory
from bot.errors import IllegalTransition, InvalidInput, NotAllowed
from bot.events import (
    DeadlineMissed,
    DisputeClosedUnresolved,
    DisputeEscalated,
    DisputeOpened,
    DisputeResolved,
    DisputeWithdrawn,
    Event,
    FormalChallengeLodged,
    NoteAdded,
    ResolutionConfirmed,
    ResolutionProposed,
    ResolutionRejected,
    StageStarted,
)
from bot.kinds import SideName
from bot.permissions import Refusal, Who, Why, may
from bot.permissions import may_see_record as may_see_record
from bot.policy import CountedFrom, Policy, WhenMissed
from bot.routing import Routing, Side, who_must_act

RAISER = SideName.RAISER
OTHER = SideName.OTHER
PARTNERSHIP_SIDE = SideName.PARTNERSHIP
PARTY_SIDES = (RAISER, OTHER)

MAX_TEXT = 2900  # a Slack section block shows 3000 characters; keep room for the label
MAX_REASON = 1000
STATEMENT_MAX = 500  # a written confirmation, in the person's own words: short


class Status(enum.Enum):
    OPEN = "open"
    AWAITING_CONFIRMATION = "awaiting confirmation"
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed unresolved"
    WITHDRAWN = "withdrawn"

    @property
    def is_active(self) -> bool:
        return self in (Status.OPEN, Status.AWAITING_CONFIRMATION)


class Action(enum.Enum):
    ADD_NOTE = "add a note"
    ESCALATE = "escalate"
    ESCALATE_AUTOMATICALLY = "escalate automatically"
    NOTE_MISSED_DEADLINE = "note a missed timescale"
    PROPOSE_RESOLUTION = "propose a resolution"
    CONFIRM_RESOLUTION = "confirm the resolution"
    REJECT_RESOLUTION = "reject the resolution"
    CLOSE_UNRESOLVED = "close it as unresolved"
    WITHDRAW = "withdraw it"


ALLOWED: dict[Status, frozenset[Action]] = {
    Status.OPEN: frozenset(
        {
            Action.ADD_NOTE,
            Action.ESCALATE,
            Action.ESCALATE_AUTOMATICALLY,
            Action.NOTE_MISSED_DEADLINE,
            Action.PROPOSE_RESOLUTION,
            Action.CLOSE_UNRESOLVED,
            Action.WITHDRAW,
        }
    ),
    # While a proposal waits for the other side, the clock keeps running: a missed timescale
    # still escalates (and the proposal lapses), so a silent party cannot stall the dispute.
    Status.AWAITING_CONFIRMATION: frozenset(
        {
            Action.ADD_NOTE,
            Action.ESCALATE_AUTOMATICALLY,
            Action.NOTE_MISSED_DEADLINE,
            Action.CONFIRM_RESOLUTION,
            Action.REJECT_RESOLUTION,
            Action.WITHDRAW,
        }
    ),
    Status.RESOLVED: frozenset(),
    Status.CLOSED_UNRESOLVED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


@dataclass(frozen=True)
class Party:
    agency: str
    person_id: str | None  # None when the other party is known only as an agency (and role)
    description: str = ""  # e.g. "duty team manager" when the person is not in the directory

    @property
    def side(self) -> Side:
        return Side(agency=self.agency, party=self.person_id)


@dataclass(frozen=True)
class Proposal:
    by: str
    side: str
    at: datetime
    agreed_outcome: str
    outstanding_issues: str
    learning_points: str


@dataclass(frozen=True)
class Confirmation:
    side: str
    by: str
    at: datetime
    statement: str


@dataclass
class Dispute:
    id: str
    reference: str
    category: str
    raiser: Party
    other: Party
    problem: str
    cause: str
    outcome: str
    discussed: bool
    immediate_risk: bool
    policy_name: str
    opened_at: datetime
    stage_index: int
    stage_started_at: datetime
    deadline: datetime
    status: Status = Status.OPEN
    formal_challenge: bool = False
    routing: Routing = field(default_factory=lambda: Routing(assignees=(), flags=()))
    involved: frozenset[str] = frozenset()
    proposal: Proposal | None = None
    confirmations: tuple[Confirmation, ...] = ()
    closed_at: datetime | None = None
    deadline_missed: bool = False  # the miss at this stage is on the record (remind-and-wait stages)
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    def party_side(self, person_id: str) -> str | None:
        """RAISER or OTHER when the person is one of the two parties."""
        if person_id == self.raiser.person_id:
            return RAISER
        if self.other.person_id is not None and person_id == self.other.person_id:
            return OTHER
        return None

    def acting_side(self, person_id: str) -> str | None:
        """The side a person acts for at the current stage: as a party, or as someone asked to act."""
        return self.party_side(person_id) or self.routing.side_of(person_id)

    @property
    def confirmed_sides(self) -> frozenset[str]:
        return frozenset(c.side for c in self.confirmations)


# --- helpers ------------------------------------------------------------------------------------


def _check(dispute: Dispute, action: Action, by: str | None = None, policy: Policy | None = None) -> None:
    """Raise the refusal `bot.permissions.may` gives, if any: a button and its move follow one rule."""
    if by is None:
        if action not in ALLOWED[dispute.status]:
            raise IllegalTransition(Refusal(action.value, dispute.status.value, why=Why.STATUS))
        return
    refusal = may(dispute, action, by=by, policy=policy)
    if refusal is not None:
        raise (NotAllowed if refusal.who else IllegalTransition)(refusal)


def _cannot(dispute: Dispute, action: Action, why: Why) -> IllegalTransition:
    return IllegalTransition(Refusal(action.value, dispute.status.value, why=why))


def _required(text: str, name: str, limit: int = MAX_TEXT) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput({name: "Please fill this in."})
    if len(cleaned) > limit:
        raise InvalidInput({name: f"Please keep this under {limit} characters (it has {len(cleaned)})."})
    return cleaned


def _optional(text: str | None, name: str, limit: int = MAX_TEXT) -> str:
    cleaned = (text or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput({name: f"Please keep this under {limit} characters (it has {len(cleaned)})."})
    return cleaned


def _emit(dispute: Dispute, *events: Event) -> list[Event]:
    dispute.events.extend(events)
    return list(events)


def stage_deadline(
    policy: Policy, calendar: WorkingCalendar, *, opened_at: datetime, stage_index: int, immediate_risk: bool, now: datetime
) -> datetime:
    """When the stage being entered at `now` must be done by, on the normal or the urgent path."""
    timescale = policy.urgent.timescale if immediate_risk else policy.stages[stage_index].timescale
    start = opened_at if timescale.counted_from is CountedFrom.FIRST_ALERT else now
    return calendar.deadline(start, timescale)


def _enter_stage(
    dispute: Dispute,
    stage_index: int,
    *,
    policy: Policy,
    directory: Directory,
    calendar: WorkingCalendar,
    now: datetime,
    actor: str | None,
) -> list[Event]:
    stage = policy.stages[stage_index]
    routing = who_must_act(policy, directory, stage_index, dispute.raiser.side, dispute.other.side)
    dispute.stage_index = stage_index
    dispute.stage_started_at = now
    dispute.deadline = stage_deadline(
        policy, calendar, opened_at=dispute.opened_at, stage_index=stage_index, immediate_risk=dispute.immediate_risk, now=now
    )
    dispute.routing = routing
    dispute.deadline_missed = False
    dispute.involved = dispute.involved | frozenset(a.person_id for a in routing.assignees)
    events: list[Event] = [
        StageStarted(
            dispute.id,
            now,
            actor,
            stage_id=stage.id,
            stage_name=stage.name,
            deadline=dispute.deadline,
            asked=tuple((a.person_id, a.side, a.agency, a.role) for a in routing.assignees),
            flags=routing.flags,
        )
    ]
    if policy.formal_challenge_from and not dispute.formal_challenge:
        if stage_index >= policy.stage_index(policy.formal_challenge_from):
            dispute.formal_challenge = True
            # the challenge is the raiser's, whoever (or whatever) moved it to this stage
            events.append(FormalChallengeLodged(dispute.id, now, dispute.raiser.person_id, stage_id=stage.id))
    return events


# --- transitions --------------------------------------------------------------------------------


def open_dispute(
    *,
    dispute_id: str,
    reference: str,
    category: str,
    raiser: Party,
    other: Party,
    problem: str,
    cause: str,
    outcome: str,
    discussed: bool,
    immediate_risk: bool,
    formal_challenge: bool = False,
    policy: Policy,
    directory: Directory,
    calendar: WorkingCalendar,
    now: datetime,
) -> Dispute:
    """Open a dispute at the policy's first stage, or at the urgent path's start when a child is at immediate risk."""
    if raiser.person_id is None or directory.person(raiser.person_id) is None:
        raise NotAllowed(Refusal("raise a disagreement", Status.OPEN.value, who=Who.DIRECTORY))
    if category not in policy.categories:
        raise InvalidInput({"category": "Please choose one of the listed categories."})
    if other.person_id is not None and other.person_id == raiser.person_id:
        raise InvalidInput({"other_party": "The other party must be someone else."})
    start = policy.stage_index(policy.urgent.starts_at) if immediate_risk else 0
    dispute = Dispute(
        id=dispute_id,
        reference=reference,
        category=category,
        raiser=raiser,
        other=other,
        problem=_required(problem, "problem"),
        cause=_optional(cause, "cause"),
        outcome=_required(outcome, "outcome"),
        discussed=discussed,
        immediate_risk=immediate_risk,
        policy_name=policy.name,
        opened_at=now,
        stage_index=start,
        stage_started_at=now,
        deadline=now,
        formal_challenge=formal_challenge,
        involved=frozenset(p for p in (raiser.person_id, other.person_id) if p),
    )
    opened = DisputeOpened(
        dispute.id,
        now,
        raiser.person_id,
        reference=reference,
        category=category,
        raiser=raiser.person_id,
        raiser_agency=raiser.agency,
        other=other.person_id,
        other_agency=other.agency,
        problem=dispute.problem,
        cause=dispute.cause,
        outcome=dispute.outcome,
        discussed=discussed,
        immediate_risk=immediate_risk,
    )
    events: list[Event] = [opened]
    if formal_challenge:
        events.append(FormalChallengeLodged(dispute.id, now, raiser.person_id, stage_id=policy.stages[start].id))
    events += _enter_stage(
        dispute, start, policy=policy, directory=directory, calendar=calendar, now=now, actor=raiser.person_id
    )
    _emit(dispute, *events)
    return dispute


def add_note(dispute: Dispute, *, by: str, text: str, now: datetime) -> list[Event]:
    """Add a note to the record; anyone involved in the dispute may."""
    _check(dispute, Action.ADD_NOTE, by)
    return _emit(dispute, NoteAdded(dispute.id, now, by, text=_required(text, "note")))


def escalate(
    dispute: Dispute,
    *,
    by: str,
    reason: str,
    policy: Policy,
    directory: Directory,
    calendar: WorkingCalendar,
    now: datetime,
) -> list[Event]:
    """Move to the next stage, at the request of someone asked to act now, or of the raiser still unsatisfied."""
    _check(dispute, Action.ESCALATE, by, policy)
    reason = _required(reason, "reason", MAX_REASON)
    return _move_up(dispute, by=by, reason=reason, automatic=False, policy=policy, directory=directory, calendar=calendar, now=now)


def escalate_automatically(
    dispute: Dispute, *, policy: Policy, directory: Directory, calendar: WorkingCalendar, now: datetime
) -> list[Event]:
    """The stage's timescale ran out and the policy says escalate: move up, recording who was waited on."""
    _check(dispute, Action.ESCALATE_AUTOMATICALLY)
    stage = policy.stages[dispute.stage_index]
    if now < dispute.deadline:
        raise _cannot(dispute, Action.ESCALATE_AUTOMATICALLY, Why.NOT_DUE)
    if stage.when_missed is not WhenMissed.ESCALATE or dispute.stage_index >= policy.last_index:
        raise _cannot(dispute, Action.ESCALATE_AUTOMATICALLY, Why.REMIND_AND_WAIT)
    return _move_up(
        dispute, by=None, reason="timescale missed", automatic=True, policy=policy, directory=directory, calendar=calendar, now=now
    )


def _move_up(
    dispute: Dispute,
    *,
    by: str | None,
    reason: str,
    automatic: bool,
    policy: Policy,
    directory: Directory,
    calendar: WorkingCalendar,
    now: datetime,
) -> list[Event]:
    lapsed = dispute.proposal is not None
    escalated = DisputeEscalated(
        dispute.id,
        now,
        by,
        from_stage=policy.stages[dispute.stage_index].id,
        to_stage=policy.stages[dispute.stage_index + 1].id,
        reason=reason,
        automatic=automatic,
        waiting_on=dispute.routing.people(),
        proposal_lapsed=lapsed,
    )
    dispute.status = Status.OPEN
    dispute.proposal = None
    dispute.confirmations = ()
    entered = _enter_stage(
        dispute, dispute.stage_index + 1, policy=policy, directory=directory, calendar=calendar, now=now, actor=by
    )
    return _emit(dispute, escalated, *entered)


def note_missed_deadline(dispute: Dispute, *, policy: Policy, now: datetime) -> list[Event]:
    """Record that the timescale ran out at a stage where the policy says remind and wait."""
    _check(dispute, Action.NOTE_MISSED_DEADLINE)
    if now < dispute.deadline:
        raise _cannot(dispute, Action.NOTE_MISSED_DEADLINE, Why.NOT_DUE)
    if dispute.deadline_missed:
        raise _cannot(dispute, Action.NOTE_MISSED_DEADLINE, Why.ALREADY_RECORDED)
    dispute.deadline_missed = True
    return _emit(
        dispute,
        DeadlineMissed(
            dispute.id,
            now,
            None,
            stage_id=policy.stages[dispute.stage_index].id,
            deadline=dispute.deadline,
            waiting_on=dispute.routing.people(),
        ),
    )


def propose_resolution(
    dispute: Dispute,
    *,
    by: str,
    agreed_outcome: str,
    outstanding_issues: str,
    learning_points: str,
    now: datetime,
) -> list[Event]:
    """Put an agreed outcome in writing; it counts as the proposer's side's confirmation."""
    _check(dispute, Action.PROPOSE_RESOLUTION, by)
    side = dispute.acting_side(by)
    assert side is not None
    proposal = Proposal(
        by=by,
        side=side,
        at=now,
        agreed_outcome=_required(agreed_outcome, "agreed_outcome"),
        outstanding_issues=_optional(outstanding_issues, "outstanding_issues"),
        learning_points=_optional(learning_points, "learning_points"),
    )
    dispute.proposal = proposal
    dispute.status = Status.AWAITING_CONFIRMATION
    events: list[Event] = [
        ResolutionProposed(
            dispute.id,
            now,
            by,
            side=side,
            agreed_outcome=proposal.agreed_outcome,
            outstanding_issues=proposal.outstanding_issues,
            learning_points=proposal.learning_points,
        )
    ]
    dispute.confirmations = ()
    if side in PARTY_SIDES:
        confirmation = Confirmation(side=side, by=by, at=now, statement="")  # proposing it is their side's confirmation
        dispute.confirmations = (confirmation,)
        events.append(ResolutionConfirmed(dispute.id, now, by, side=side, statement=confirmation.statement))
    return _emit(dispute, *events)


def sides_to_confirm(dispute: Dispute) -> tuple[str, ...]:
    """The party sides whose written confirmation is still missing."""
    return tuple(s for s in PARTY_SIDES if s not in dispute.confirmed_sides)


def confirmers(dispute: Dispute) -> list[str]:
    """Everyone who may confirm for a side whose confirmation is missing (the party, then those
    asked to act on that side), each once, in that order."""
    ids: list[str] = []
    for side in sides_to_confirm(dispute):
        party = dispute.raiser if side == RAISER else dispute.other
        if party.person_id:
            ids.append(party.person_id)
        ids += dispute.routing.people(side)
    return list(dict.fromkeys(ids))


def _confirming_side(dispute: Dispute, by: str, action: Action) -> str:
    _check(dispute, action, by)
    side = dispute.acting_side(by)
    assert side is not None
    return side


def confirm_resolution(
    dispute: Dispute, *, by: str, statement: str, policy: Policy, now: datetime
) -> list[Event]:
    """The other side confirms in writing; once both sides have, the dispute is resolved."""
    side = _confirming_side(dispute, by, Action.CONFIRM_RESOLUTION)
    statement = _required(statement, "statement", STATEMENT_MAX)  # kept exactly as they wrote it
    dispute.confirmations = dispute.confirmations + (Confirmation(side=side, by=by, at=now, statement=statement),)
    events: list[Event] = [ResolutionConfirmed(dispute.id, now, by, side=side, statement=statement)]
    if not sides_to_confirm(dispute):
        assert dispute.proposal is not None
        dispute.status = Status.RESOLVED
        dispute.closed_at = now
        events.append(
            DisputeResolved(
                dispute.id,
                now,
                by,
                agreed_outcome=dispute.proposal.agreed_outcome,
                outstanding_issues=dispute.proposal.outstanding_issues,
                learning_points=dispute.proposal.learning_points,
                learning_to=policy.learning_to,
                learning_group=policy.learning_group,
            )
        )
    return _emit(dispute, *events)


def reject_resolution(dispute: Dispute, *, by: str, reason: str, now: datetime) -> list[Event]:
    """The other side does not agree: the proposal falls and the dispute is open again at the same stage."""
    side = _confirming_side(dispute, by, Action.REJECT_RESOLUTION)
    reason = _required(reason, "reason", MAX_REASON)
    dispute.status = Status.OPEN
    dispute.proposal = None
    dispute.confirmations = ()
    return _emit(dispute, ResolutionRejected(dispute.id, now, by, side=side, reason=reason))


def close_unresolved(dispute: Dispute, *, by: str, reason: str, policy: Policy, now: datetime) -> list[Event]:
    """At the last stage: the decision stands unchanged and the disagreement remains, on the record."""
    _check(dispute, Action.CLOSE_UNRESOLVED, by, policy)
    reason = _required(reason, "reason", MAX_REASON)
    dispute.status = Status.CLOSED_UNRESOLVED
    dispute.closed_at = now
    return _emit(dispute, DisputeClosedUnresolved(dispute.id, now, by, reason=reason))


def withdraw(dispute: Dispute, *, by: str, reason: str, now: datetime) -> list[Event]:
    """The raiser withdraws the disagreement."""
    _check(dispute, Action.WITHDRAW, by)
    reason = _required(reason, "reason", MAX_REASON)
    dispute.status = Status.WITHDRAWN
    dispute.closed_at = now
    dispute.proposal = None
    return _emit(dispute, DisputeWithdrawn(dispute.id, now, by, reason=reason))


# --- may this person do it? -----------------------------------------------------------------------


def check_move(
    dispute: Dispute,
    action: Action,
    *,
    by: str,
    policy: Policy,
    directory: Directory | None = None,
    calendar: WorkingCalendar | None = None,
    now: datetime | None = None,
) -> None:
    """Raise NotAllowed or IllegalTransition if `by` may not make this move now (`bot.permissions.may`,
    the rule the move itself applies); the dispute is not changed."""
    _check(dispute, action, by, policy)
