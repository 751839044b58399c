"""The moves people make on a dispute (raise, note, escalate, propose, confirm, reject, close, withdraw).

Split out of bot/services.py, which re-exports every name here; the ports (UnitOfWork and the
repositories) stay there, with the scheduler's use cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from bot import dispute as transitions
from bot.calendar import WorkingCalendar
from bot.directory import Directory
from bot.dispute import Dispute, Party
from bot.errors import ConcurrentUpdate, InvalidInput, StaleAction, UnknownPerson
from bot.events import DeadlineMissed, Event, StageStarted
from bot.intake import checked_reference, same_agency_problem
from bot.nudges import PlannedNudge, next_overdue_nudge, plan_stage_nudges
from bot.outbox import NoNotifier, Notifier
from bot.policy import Policy
from bot.record import what_happened

if TYPE_CHECKING:
    from bot.services import UnitOfWork

NO_NOTIFIER = NoNotifier()


# --- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenDispute:
    raiser: str  # person id
    reference: str
    category: str
    other_agency: str
    problem: str
    outcome: str
    cause: str = ""
    other_person: str | None = None
    other_description: str = ""
    raiser_agency: str | None = None  # needed only when the raiser works in more than one agency
    discussed: bool = False
    immediate_risk: bool = False
    formal_challenge: bool = False
    idempotency_key: str | None = None  # the same key twice opens one dispute


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


def open_dispute(
    cmd: OpenDispute,
    *,
    uow: UnitOfWork,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    notifier: Notifier = NO_NOTIFIER,
    new_id: Callable[[], str] = lambda: uuid4().hex,
) -> Outcome:
    """Open a dispute; the same idempotency key twice returns the first one and records nothing new."""
    reference = checked_reference(cmd.reference, policy.case_references)
    try:
        with uow:
            if cmd.idempotency_key and (existing := uow.disputes.by_idempotency_key(cmd.idempotency_key)):
                return Outcome(existing, [])
            directory = uow.directory.load()
            raiser = directory.person(cmd.raiser)
            if raiser is None:
                raise UnknownPerson(cmd.raiser)
            raiser_agency = cmd.raiser_agency or raiser.agencies[0]
            if raiser.membership(raiser_agency) is None:
                raise InvalidInput({"raiser_agency": f"You are not listed in {directory.agency_name(raiser_agency)}."})
            if cmd.other_agency not in directory.agencies:
                raise InvalidInput({"other_agency": "Please choose one of the listed agencies."})
            if problem := same_agency_problem(policy, raiser_agency, cmd.other_agency):
                raise InvalidInput({"other_agency": problem})
            if cmd.other_person is not None:
                other = directory.person(cmd.other_person)
                if other is None:
                    raise UnknownPerson(cmd.other_person)
                if other.membership(cmd.other_agency) is None:
                    raise InvalidInput(
                        {"other_agency": f"{other.name} is not listed in {directory.agency_name(cmd.other_agency)}."}
                    )
            dispute = transitions.open_dispute(
                dispute_id=new_id(),
                reference=reference,
                category=cmd.category,
                raiser=Party(agency=raiser_agency, person_id=raiser.id),
                other=Party(agency=cmd.other_agency, person_id=cmd.other_person, description=cmd.other_description.strip()),
                problem=cmd.problem,
                cause=cmd.cause,
                outcome=cmd.outcome,
                discussed=cmd.discussed,
                immediate_risk=cmd.immediate_risk,
                formal_challenge=cmd.formal_challenge,
                policy=policy,
                directory=directory,
                calendar=calendar,
                now=now,
            )
            events = list(dispute.events)
            uow.outbox.add(notifier.messages_for(dispute, events, directory), now)
            uow.disputes.add(dispute, idempotency_key=cmd.idempotency_key)
            _schedule(uow, dispute, events, policy=policy, calendar=calendar, now=now)
            uow.commit()
            return Outcome(dispute, events)
    except ConcurrentUpdate:
        # Someone committed the same idempotency key a moment before us: theirs is the dispute.
        if not cmd.idempotency_key:
            raise
        with uow:
            existing = uow.disputes.by_idempotency_key(cmd.idempotency_key)
            if existing is None:
                raise
            return Outcome(existing, [])


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
            events = change(dispute, directory)
            uow.outbox.add(notifier.messages_for(dispute, events, directory), now)
            uow.disputes.save(dispute)
            if key:
                uow.submissions.add(key, dispute.id, now)
            if clock is not None:
                _schedule(uow, dispute, events, policy=clock[0], calendar=clock[1], now=now)
            uow.commit()
            return Outcome(dispute, events)
    except ConcurrentUpdate:
        with uow:
            if key and uow.submissions.seen(key):
                return Outcome(uow.disputes.get(move.dispute_id), [])  # the same submission, a moment before
            raise _stale(uow, move.dispute_id) from None


def _schedule(
    uow: UnitOfWork, dispute: Dispute, events: Sequence[Event], *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> None:
    """Plan the reminders that the moves just made call for, in the same transaction."""
    uow.nudges.schedule_many(_planned(dispute, events, policy=policy, calendar=calendar, now=now))


def _planned(
    dispute: Dispute, events: Sequence[Event], *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> list[tuple[str, int, PlannedNudge]]:
    """The reminders these events call for: a new stage's nudges, or the first overdue nudge."""
    planned: list[PlannedNudge] = []
    for event in events:
        if isinstance(event, StageStarted):
            planned += plan_stage_nudges(dispute, policy=policy, calendar=calendar)
        elif isinstance(event, DeadlineMissed):
            planned.append(next_overdue_nudge(dispute, number=1, after=now, calendar=calendar))
    return [(dispute.id, dispute.stage_index, p) for p in planned]


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
        uow, cmd, lambda d, _: transitions.close_unresolved(d, by=cmd.by, reason=cmd.reason, policy=policy, now=now),
        notifier,
        now,
    )


def withdraw(cmd: Withdraw, *, uow: UnitOfWork, now: datetime, notifier: Notifier = NO_NOTIFIER) -> Outcome:
    """The raiser withdraws the disagreement."""
    return _act(uow, cmd, lambda d, _: transitions.withdraw(d, by=cmd.by, reason=cmd.reason, now=now), notifier, now)
