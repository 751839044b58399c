"""The moves people make on an existing dispute: the commands, and the use cases that carry them out.

Every use case has one shape: keyword-only dependencies, a unit of work, an explicit commit,
rollback by default. The time is passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot import dispute as transitions
from bot.calendar import WorkingCalendar
from bot.directory import Directory
from bot.dispute import Dispute
from bot.errors import ConcurrentUpdate, StaleAction
from bot.events import Event
from bot.learning import CaseReviewPrompted
from bot.notices import tell_held
from bot.outbox import Notifier
from bot.policy import Policy
from bot.ports import NO_NOTIFIER, UnitOfWork
from bot.record import what_happened
from bot.scheduling import schedule_reminders

# --- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A button press or a form on an existing dispute."""

    dispute_id: str
    by: str
    expected_version: int | None = None  # the version the person was looking at; None skips the check
    idempotency_key: str | None = None  # this submission's key: the same key twice makes one move


@dataclass(frozen=True)
class AddNote(Move):
    text: str = ""


@dataclass(frozen=True)
class Escalate(Move):
    reason: str = ""


@dataclass(frozen=True)
class ProposeResolution(Move):
    agreed_outcome: str = ""
    outstanding_issues: str = ""
    learning_points: str = ""


@dataclass(frozen=True)
class ConfirmResolution(Move):
    statement: str = ""


@dataclass(frozen=True)
class RejectResolution(Move):
    reason: str = ""


@dataclass(frozen=True)
class CloseUnresolved(Move):
    reason: str = ""


@dataclass(frozen=True)
class Withdraw(Move):
    reason: str = ""


@dataclass(frozen=True)
class Outcome:
    dispute: Dispute
    events: list[Event]


# --- use cases ----------------------------------------------------------------------------------


def _act(
    uow: UnitOfWork,
    move: Move,
    change: Callable[[Dispute, Directory], list[Event]],
    notifier: Notifier,
    now: datetime,
    clock: tuple[Policy, WorkingCalendar] | None = None,
) -> Outcome:
    key = move.idempotency_key
    try:
        with uow:
            dispute = uow.disputes.get(move.dispute_id)
            if key and uow.submissions.seen(key):
                return Outcome(dispute, [])  # a replay of a submission already acted on
            if move.expected_version is not None and dispute.version != move.expected_version:
                raise _stale(uow, move.dispute_id)
            directory = uow.directory.load()
            tell_held(uow, [dispute], directory, notifier, now)  # what the sweep saved and has not told yet goes first
            at_stage = (dispute.stage_index, dispute.status.is_active)
            events = change(dispute, directory)
            messages = notifier.messages_for(dispute, events, directory)
            # saved (and so locked) before its messages are queued: they then follow, in delivery
            # order, anything a sweep holding the dispute queued meanwhile (a reminder)
            uow.disputes.save(dispute)
            if key:
                uow.submissions.add(key, dispute.id, now)
            uow.outbox.add(messages, now)
            if (dispute.stage_index, dispute.status.is_active) != at_stage:
                # the stage ended: its reminders go with it, in this transaction
                uow.nudges.skip_ended([dispute], now)
            if clock is not None:
                schedule_reminders(uow, dispute, events, policy=clock[0], calendar=clock[1], now=now)
            uow.commit()
            return Outcome(dispute, events)
    except ConcurrentUpdate:
        with uow:
            if key and uow.submissions.seen(key):
                return Outcome(uow.disputes.get(move.dispute_id), [])  # the same submission, a moment before
            raise _stale(uow, move.dispute_id) from None


def _stale(uow: UnitOfWork, dispute_id: str) -> StaleAction:
    move = what_happened(uow.disputes.record(dispute_id))
    if move is None:
        return StaleAction(None, "changed", None)
    person = uow.directory.load().person(move.actor) if move.actor else None
    return StaleAction(person.name if person else move.actor, move.kind, move.at)


def add_note(cmd: AddNote, *, uow: UnitOfWork, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """Add a note to the record."""
    return _act(uow, cmd, lambda d, _: transitions.add_note(d, by=cmd.by, text=cmd.text, now=now), notifier, now)


def escalate(cmd: Escalate, *, uow: UnitOfWork, policy: Policy, calendar: WorkingCalendar, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """Escalate to the next stage on a person's request."""
    return _act(
        uow,
        cmd,
        lambda d, directory: transitions.escalate(
            d, by=cmd.by, reason=cmd.reason, policy=policy, directory=directory, calendar=calendar, now=now
        ),
        notifier,
        now,
        (policy, calendar),
    )


def propose_resolution(cmd: ProposeResolution, *, uow: UnitOfWork, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """Propose an agreed outcome for the other side to confirm."""
    return _act(
        uow,
        cmd,
        lambda d, _: transitions.propose_resolution(
            d,
            by=cmd.by,
            agreed_outcome=cmd.agreed_outcome,
            outstanding_issues=cmd.outstanding_issues,
            learning_points=cmd.learning_points,
            now=now,
        ),
        notifier,
        now,
    )


def confirm_resolution(cmd: ConfirmResolution, *, uow: UnitOfWork, policy: Policy, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """Confirm the proposed outcome in writing."""
    return _act(
        uow, cmd, lambda d, _: transitions.confirm_resolution(d, by=cmd.by, statement=cmd.statement, policy=policy, now=now),
        notifier,
        now,
    )


def reject_resolution(cmd: RejectResolution, *, uow: UnitOfWork, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """Say the proposed outcome is not agreed."""
    return _act(uow, cmd, lambda d, _: transitions.reject_resolution(d, by=cmd.by, reason=cmd.reason, now=now), notifier, now)


def close_unresolved(cmd: CloseUnresolved, *, uow: UnitOfWork, policy: Policy, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """Close at the last stage with the decision unchanged."""
    return _act(
        uow, cmd, lambda d, _: transitions.close_unresolved(d, by=cmd.by, reason=cmd.reason, policy=policy, now=now) + _case_review(d, cmd.by, policy, now),
        notifier,
        now,
    )


def _case_review(dispute: Dispute, by: str, policy: Policy, now: datetime) -> list[Event]:
    """Where the policy says so, closing unresolved asks the closer to consider a multi-agency case review (on the record)."""
    if not policy.learning.case_review_prompt:
        return []
    event = CaseReviewPrompted(dispute.id, now, by)
    dispute.events.append(event)
    return [event]


def withdraw(cmd: Withdraw, *, uow: UnitOfWork, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """The raiser withdraws the disagreement."""
    return _act(uow, cmd, lambda d, _: transitions.withdraw(d, by=cmd.by, reason=cmd.reason, now=now), notifier, now)
