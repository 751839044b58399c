"""A professional disagreement and the moves it can make.

One explicit transition table (`ALLOWED`, in bot/case.py); one function per transition. Each
function checks that the move is legal and that the person may make it (bot/move_checks.py),
changes the dispute, and returns the events it caused (also appended to `dispute.events` for the
unit of work to record). An illegal move raises and changes nothing. Entering a stage is
bot/stages.py's; the free text a move keeps is checked by bot/text_fields.py.
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
from bot.errors import Code, FieldProblem, InvalidInput, NotAllowed
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
)
from bot.move_checks import cannot, check
from bot.permissions import (
    Refusal,
    Who,
    Why,
    may_see_record as may_see_record,  # re-exported
)
from bot.policy import Policy, WhenMissed
from bot.stages import enter_stage
from bot.text_fields import optional_text, required_text


def _emit(dispute: Dispute, *events: Event) -> list[Event]:
    dispute.events.extend(events)
    return list(events)


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
        raise InvalidInput({"category": FieldProblem(Code.NOT_LISTED, {"listed": "categories"})})
    if other.person_id is not None and other.person_id == raiser.person_id:
        raise InvalidInput({"other_party": FieldProblem(Code.SAME_PERSON)})
    start = policy.stage_index(policy.urgent.starts_at) if immediate_risk else 0
    dispute = Dispute(
        id=dispute_id,
        reference=reference,
        category=category,
        raiser=raiser,
        other=other,
        problem=required_text(problem, "problem"),
        cause=optional_text(cause, "cause"),
        outcome=required_text(outcome, "outcome"),
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
    events += enter_stage(
        dispute, start, policy=policy, directory=directory, calendar=calendar, now=now, actor=raiser.person_id
    )
    _emit(dispute, *events)
    return dispute


def add_note(dispute: Dispute, *, by: str, text: str, now: datetime) -> list[Event]:
    """Add a note to the record; anyone involved in the dispute may."""
    check(dispute, Action.ADD_NOTE, by)
    return _emit(dispute, NoteAdded(dispute.id, now, by, text=required_text(text, "note")))


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
    check(dispute, Action.ESCALATE, by, policy)
    reason = required_text(reason, "reason", MAX_REASON)
    return _move_up(dispute, by=by, reason=reason, automatic=False, policy=policy, directory=directory, calendar=calendar, now=now)


def escalate_automatically(
    dispute: Dispute, *, policy: Policy, directory: Directory, calendar: WorkingCalendar, now: datetime
) -> list[Event]:
    """The stage's timescale ran out and the policy says escalate: move up, recording who was waited on."""
    check(dispute, Action.ESCALATE_AUTOMATICALLY)
    stage = policy.stages[dispute.stage_index]
    if now < dispute.deadline:
        raise cannot(dispute, Action.ESCALATE_AUTOMATICALLY, Why.NOT_DUE)
    if stage.when_missed is not WhenMissed.ESCALATE or dispute.stage_index >= policy.last_index:
        raise cannot(dispute, Action.ESCALATE_AUTOMATICALLY, Why.REMIND_AND_WAIT)
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
    entered = enter_stage(
        dispute, dispute.stage_index + 1, policy=policy, directory=directory, calendar=calendar, now=now, actor=by
    )
    return _emit(dispute, escalated, *entered)


def note_missed_deadline(dispute: Dispute, *, policy: Policy, now: datetime) -> list[Event]:
    """Record that the timescale ran out at a stage where the policy says remind and wait."""
    check(dispute, Action.NOTE_MISSED_DEADLINE)
    if now < dispute.deadline:
        raise cannot(dispute, Action.NOTE_MISSED_DEADLINE, Why.NOT_DUE)
    if dispute.deadline_missed:
        raise cannot(dispute, Action.NOTE_MISSED_DEADLINE, Why.ALREADY_RECORDED)
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
    check(dispute, Action.PROPOSE_RESOLUTION, by)
    side = dispute.acting_side(by)
    assert side is not None
    proposal = Proposal(
        by=by,
        side=side,
        at=now,
        agreed_outcome=required_text(agreed_outcome, "agreed_outcome"),
        outstanding_issues=optional_text(outstanding_issues, "outstanding_issues"),
        learning_points=optional_text(learning_points, "learning_points"),
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
    check(dispute, action, by)
    side = dispute.acting_side(by)
    assert side is not None
    return side


def confirm_resolution(
    dispute: Dispute, *, by: str, statement: str, policy: Policy, now: datetime
) -> list[Event]:
    """The other side confirms in writing; once both sides have, the dispute is resolved."""
    side = _confirming_side(dispute, by, Action.CONFIRM_RESOLUTION)
    statement = required_text(statement, "statement", STATEMENT_MAX)  # kept exactly as they wrote it
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
    reason = required_text(reason, "reason", MAX_REASON)
    dispute.status = Status.OPEN
    dispute.proposal = None
    dispute.confirmations = ()
    return _emit(dispute, ResolutionRejected(dispute.id, now, by, side=side, reason=reason))


def close_unresolved(dispute: Dispute, *, by: str, reason: str, policy: Policy, now: datetime) -> list[Event]:
    """At the last stage: the decision stands unchanged and the disagreement remains, on the record."""
    check(dispute, Action.CLOSE_UNRESOLVED, by, policy)
    reason = required_text(reason, "reason", MAX_REASON)
    dispute.status = Status.CLOSED_UNRESOLVED
    dispute.closed_at = now
    return _emit(dispute, DisputeClosedUnresolved(dispute.id, now, by, reason=reason))


def withdraw(dispute: Dispute, *, by: str, reason: str, now: datetime) -> list[Event]:
    """The raiser withdraws the disagreement."""
    check(dispute, Action.WITHDRAW, by)
    reason = required_text(reason, "reason", MAX_REASON)
    dispute.status = Status.WITHDRAWN
    dispute.closed_at = now
    dispute.proposal = None
    return _emit(dispute, DisputeWithdrawn(dispute.id, now, by, reason=reason))

