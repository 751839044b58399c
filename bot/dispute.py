"""A professional disagreement and the moves it can make.

One explicit transition table (`ALLOWED`); one function per transition. Each function checks
that the move is legal and that the person may make it, changes the dispute, and returns the
events it caused (also appended to `dispute.events` for the unit of work to record). An illegal
move raises and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from bot.calendar import WorkingCalendar
from bot.case import (  # the dispute itself is bot/case.py's; its names are here too, beside the moves (explicit re-exports)
    ALLOWED as ALLOWED,
    MAX_REASON as MAX_REASON,
    MAX_TEXT as MAX_TEXT,
    OTHER as OTHER,
    PARTNERSHIP_SIDE as PARTNERSHIP_SIDE,
    PARTY_SIDES as PARTY_SIDES,
    RAISER as RAISER,
    STATEMENT_MAX as STATEMENT_MAX,
    Action as Action,
    Confirmation as Confirmation,
    Dispute as Dispute,
    Party as Party,
    Proposal as Proposal,
    Status as Status,
    confirmers as confirmers,
    sides_to_confirm as sides_to_confirm,
)
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
from bot.permissions import (
    Refusal,
    Who,
    Why,
    may,
    may_see_record as may_see_record,  # re-exported
)
from bot.policy import CountedFrom, Policy, WhenMissed
from bot.routing import who_must_act


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


def _free_text(text: str | None, name: str) -> str:
    from bot.intake import free_text  # imported here: bot.intake imports this module

    return free_text(text, name)  # cleaned; refuses control characters and a child's identifiers


def _required(text: str, name: str, limit: int = MAX_TEXT) -> str:
    cleaned = _free_text(text, name)
    if not cleaned:
        raise InvalidInput({name: "Please fill this in."})
    if len(cleaned) > limit:
        raise InvalidInput({name: f"Please keep this under {limit} characters (it has {len(cleaned)})."})
    return cleaned


def _optional(text: str | None, name: str, limit: int = MAX_TEXT) -> str:
    cleaned = _free_text(text, name)
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
    if (
        policy.formal_challenge_from
        and not dispute.formal_challenge
        and stage_index >= policy.stage_index(policy.formal_challenge_from)
    ):
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
    """Raise NotAllowed or IllegalTransition if `by` may not make this move now; changes nothing."""
    _check(dispute, action, by, policy)
