"""Use cases: what a front end or the scheduler asks the core to do.

Every use case has one shape: keyword-only dependencies, a unit of work, an explicit commit,
rollback by default. The time is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self
from uuid import uuid4

from bot import dispute as transitions
from bot.calendar import WorkingCalendar
from bot.directory import Directory
from bot.dispute import Dispute, Party
from bot.errors import ConcurrentUpdate, InvalidInput, StaleAction, UnknownPerson
from bot.events import DeadlineMissed, Event, PersonUnreachable, StageStarted
from bot.intake import checked_reference, same_agency_problem
from bot.learning import CaseReviewPrompted
from bot.nudges import OVERDUE, PlannedNudge, is_stale, next_overdue_nudge, plan_stage_nudges
from bot.outbox import NoNotifier, Notifier, OutgoingMessage
from bot.policy import Policy
from bot.record import RecordEntry, what_happened
from bot.routing import Routing

# --- ports --------------------------------------------------------------------------------------


class DisputeRepository(Protocol):
    def add(self, dispute: Dispute, idempotency_key: str | None = None) -> None: ...
    def get(self, dispute_id: str) -> Dispute: ...
    def get_many(self, dispute_ids: Collection[str], *, lock: bool = False) -> dict[str, Dispute]: ...
    def save(self, dispute: Dispute) -> None: ...
    def save_many(self, disputes: Sequence[Dispute]) -> None: ...
    def append_aside(self, dispute: Dispute) -> None: ...
    def by_idempotency_key(self, key: str) -> Dispute | None: ...
    def record(self, dispute_id: str) -> list[RecordEntry]: ...
    def last_entry(self, dispute_id: str) -> RecordEntry | None: ...
    def active_involving(self, person_id: str) -> list[Dispute]: ...
    def overdue(self, now: datetime, limit: int, ids: Collection[str] | None = None) -> list[Dispute]: ...
    def active_routings(self) -> list[tuple[str, Routing]]: ...
    def waiting_on_leads(self, top: int) -> list[tuple[str, int, tuple[str, ...]]]: ...


class DirectoryRepository(Protocol):
    def load(self) -> Directory: ...
    def replace(self, directory: Directory) -> None: ...


class OutboxRepository(Protocol):
    def add(self, messages: Sequence[OutgoingMessage], now: datetime) -> None: ...
    def mark_failed(self, message_id: int, *, error: str) -> bool: ...


@dataclass(frozen=True)
class DueNudge:
    id: int
    dispute_id: str
    stage_index: int
    kind: str
    due_at: datetime


class NudgeRepository(Protocol):
    def schedule(self, dispute_id: str, stage_index: int, planned: Sequence[PlannedNudge]) -> None: ...
    def schedule_many(self, planned: Sequence[tuple[str, int, PlannedNudge]]) -> None: ...
    def due(self, now: datetime, limit: int, ids: Collection[int] | None = None) -> list[DueNudge]: ...
    def overtaken(self, nudges: Sequence[DueNudge], now: datetime) -> set[int]: ...
    def claim(self, ids: Collection[int], status: str, now: datetime) -> set[int]: ...
    def skip_ended(self, disputes: Sequence[Dispute], now: datetime) -> None: ...


class SubmissionLog(Protocol):
    def seen(self, key: str) -> bool: ...
    def add(self, key: str, dispute_id: str, now: datetime) -> None: ...


class DailyRuns(Protocol):
    def claim(self, name: str, day: str, now: datetime) -> bool: ...


class UnitOfWork(Protocol):
    disputes: DisputeRepository
    directory: DirectoryRepository
    outbox: OutboxRepository
    nudges: NudgeRepository
    daily: DailyRuns
    submissions: SubmissionLog

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


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


def escalate_overdue(
    *,
    uow: UnitOfWork,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    notifier: Notifier = NO_NOTIFIER,
    limit: int = 100,
) -> list[Outcome | Exception]:
    """Act on every dispute whose timescale has run out: escalate, or record the miss and wait.

    Up to `limit` disputes are done in one transaction: read (and on PostgreSQL locked) together,
    each moved in memory, and their record entries, messages and reminders written a few
    statements for all. A dispute whose move fails is reported and left for the next sweep. If
    the database refuses the batch (someone moved one of the disputes meanwhile, a bad row),
    each dispute is tried again in a transaction of its own, so one never holds up the rest; a
    dispute someone else moved is then simply left out.
    """

    def batch(ids: Collection[str] | None) -> list[Outcome | Exception]:
        with uow:
            directory = uow.directory.load()
            results: list[Outcome | Exception] = []
            moves: list[tuple[Dispute, list[Event], list[OutgoingMessage]]] = []
            for dispute in uow.disputes.overdue(now, limit, ids=ids):
                try:
                    events = _on_overdue(dispute, directory, policy=policy, calendar=calendar, now=now)
                    moves.append((dispute, events, notifier.messages_for(dispute, events, directory)))
                except Exception as exc:  # noqa: BLE001 - reported to the caller, never stops the sweep
                    results.append(exc)
            try:
                uow.disputes.save_many([d for d, _, _ in moves])
            except ConcurrentUpdate:
                if len(moves) > 1:
                    raise  # someone moved one of them meanwhile: the disputes are retried one by one
                return results  # someone moved it meanwhile: nothing left to do
            uow.outbox.add([message for _, _, messages in moves for message in messages], now)
            uow.nudges.skip_ended([d for d, _, _ in moves], now)
            uow.nudges.schedule_many(
                [p for d, events, _ in moves for p in _planned(d, events, policy=policy, calendar=calendar, now=now)]
            )
            uow.commit()
            return results + [Outcome(d, events) for d, events, _ in moves]

    def due() -> list[str]:
        with uow:
            return [d.id for d in uow.disputes.overdue(now, limit)]

    return _batch_or_one_by_one(batch, due)


def _batch_or_one_by_one(batch: Callable[[Any], list[Any]], due: Callable[[], Sequence[Any]]) -> list[Any]:
    """The whole batch in one transaction; if the database refuses it, each due item in a
    transaction of its own, a failure reported in the results instead of raised, so that one
    bad item never holds up the rest."""
    try:
        return batch(None)
    except Exception:  # noqa: BLE001 - retried one by one below
        pass
    results: list[Any] = []
    for id_ in due():
        try:
            results += batch([id_])
        except Exception as exc:  # noqa: BLE001 - left for the next sweep; never stops this one
            results.append(exc)
    return results


def _on_overdue(
    dispute: Dispute, directory: Directory, *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> list[Event]:
    stage = policy.stages[dispute.stage_index]
    if stage.when_missed is transitions.WhenMissed.ESCALATE and dispute.stage_index < policy.last_index:
        return transitions.escalate_automatically(dispute, policy=policy, directory=directory, calendar=calendar, now=now)
    return transitions.note_missed_deadline(dispute, policy=policy, now=now)


NUDGE_SENT = "sent"
NUDGE_SKIPPED = "skipped"


def send_due_nudges(
    *,
    uow: UnitOfWork,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    notifier: Notifier = NO_NOTIFIER,
    limit: int = 100,
) -> list[tuple[DueNudge, str] | Exception]:
    """Queue the reminders that are due, each exactly once.

    Up to `limit` nudges are done in one transaction. Each is claimed by a conditional update in
    the transaction that queues its messages (on PostgreSQL they are also locked when read, and
    nudges locked by another sweeper are passed over), so two sweepers or replicas never both
    send it, and a sweep that dies before committing leaves it pending for the next one. A nudge
    whose stage has moved on, or that a later nudge has overtaken while Parley was down, is
    marked skipped instead of sent late. If the database refuses the batch, each nudge is tried
    again on its own.
    """

    def batch(ids: Collection[int] | None) -> list[tuple[DueNudge, str] | Exception]:
        with uow:
            due = uow.nudges.due(now, limit, ids=ids)
            # locked while the reminders are queued: a move that would end the stage waits for this
            # transaction, or (holding the dispute already) leaves its nudges to it and to the next sweep
            disputes = uow.disputes.get_many({n.dispute_id for n in due}, lock=True)
            overtaken = uow.nudges.overtaken(due, now)
            directory = uow.directory.load()
            results: list[tuple[DueNudge, str] | Exception] = []
            skip: list[DueNudge] = []
            send: dict[int, tuple[DueNudge, list[OutgoingMessage], list[tuple[str, int, PlannedNudge]]]] = {}
            for nudge in due:
                dispute = disputes.get(nudge.dispute_id)
                if dispute is None:
                    continue  # someone is moving it right now: left pending, for the next sweep to judge
                try:
                    if (
                        not dispute.status.is_active
                        or dispute.stage_index != nudge.stage_index
                        or is_stale(nudge.kind, nudge.due_at, later_due=nudge.id in overtaken, dispute=dispute, now=now)
                    ):
                        skip.append(nudge)
                        continue
                    follow_up = []
                    if nudge.kind.startswith(OVERDUE):
                        number = int(nudge.kind.split()[-1]) + 1
                        follow_up.append(
                            (dispute.id, dispute.stage_index, next_overdue_nudge(dispute, number=number, after=now, calendar=calendar))
                        )
                    send[nudge.id] = (nudge, notifier.reminders_for(dispute, nudge.kind, directory), follow_up)
                except Exception as exc:  # noqa: BLE001 - left pending and retried; never stops the sweep
                    results.append(exc)
            sent = uow.nudges.claim(send.keys(), NUDGE_SENT, now)  # the rest: another sweeper took them
            skipped = uow.nudges.claim([n.id for n in skip], NUDGE_SKIPPED, now)
            uow.outbox.add([m for id_ in sorted(sent) for m in send[id_][1]], now)
            uow.nudges.schedule_many([p for id_ in sorted(sent) for p in send[id_][2]])
            uow.commit()
            done = {**{i: NUDGE_SENT for i in sent}, **{i: NUDGE_SKIPPED for i in skipped}}
            return results + [(n, done[n.id]) for n in due if n.id in done]

    def due() -> list[int]:
        with uow:
            return [n.id for n in uow.nudges.due(now, limit)]

    return _batch_or_one_by_one(batch, due)


DIGEST_TOP = 15  # the disputes a digest lists, soonest due first; it counts the rest ("and N more")


def send_digests(
    *, uow: UnitOfWork, policy: Policy, calendar: WorkingCalendar, now: datetime, notifier: Notifier = NO_NOTIFIER
) -> int:
    """Once per working day, in working hours: one message to each manager or lead listing what waits on them.

    Each lists at most DIGEST_TOP disputes, soonest due first, and says how many wait in all: it
    reads the dispute_asked rows, not every dispute. Practitioners are not in the digest: their
    own disputes reach them directly. The day is
    claimed in the transaction that queues the messages, so it is sent once however many
    sweepers run; returns how many people were sent one.
    """
    if not policy.digest or not calendar.is_working_time(now):
        return 0
    day = calendar.to_local(now).date().isoformat()
    with uow:
        if not uow.daily.claim("digest", day, now):
            return 0
        waiting = uow.disputes.waiting_on_leads(DIGEST_TOP)  # (person, how many, the soonest due), by person
        disputes = uow.disputes.get_many({i for _, _, ids in waiting for i in ids})
        directory = uow.directory.load()
        for person_id, count, ids in waiting:
            listed = sorted((disputes[i] for i in ids if i in disputes), key=lambda d: (d.deadline, d.reference))
            uow.outbox.add(notifier.digest_for(person_id, listed, directory, day, total=count), now)
        uow.commit()
        return len(waiting)


def load_directory(directory: Directory, *, uow: UnitOfWork) -> None:
    """Replace the stored directory with a freshly loaded one."""
    with uow:
        uow.directory.replace(directory)
        uow.commit()


# --- a person Parley could not reach ------------------------------------------------------------


@dataclass(frozen=True)
class ReportUnreachable:
    """A direct message about a dispute that the platform refused for good."""

    message_id: int  # the outbox message
    dispute_id: str
    platform: str
    workspace: str
    user_id: str  # the platform's id of the person it was for
    reason: str  # why, in plain words, for the record
    error: str  # what the platform said, kept on the message for an administrator
    tag: str  # names this failure in the keys of the messages it causes


def report_unreachable(cmd: ReportUnreachable, *, uow: UnitOfWork, now: datetime, notifier: Notifier = NO_NOTIFIER) -> PersonUnreachable | None:
    """Keep the message as failed, record who wasn't reached, and tell the raiser: one transaction.

    The dispute is not saved and its version stays, so nobody's open card or form goes stale. The
    notifier never messages a raiser about themselves, so a notice that fails in turn is recorded
    and goes no further. None when the message was already settled (it is reported once).
    """
    with uow:
        if not uow.outbox.mark_failed(cmd.message_id, error=cmd.error):
            return None
        dispute = uow.disputes.get(cmd.dispute_id)
        directory = uow.directory.load()
        person = directory.by_identity(cmd.platform, cmd.workspace, cmd.user_id)
        person_id = person.id if person else cmd.user_id
        event = PersonUnreachable(
            dispute.id,
            now,
            None,
            person_id=person_id,
            agency=_agency_in(dispute, person_id, directory),
            platform=cmd.platform,
            reason=cmd.reason,
        )
        dispute.events.append(event)
        uow.disputes.append_aside(dispute)
        uow.outbox.add(notifier.unreachable_for(dispute, event, directory, cmd.tag), now)
        uow.commit()
        return event


def _agency_in(dispute: Dispute, person_id: str, directory: Directory) -> str:
    """The agency someone acts for in this dispute: as a party, as someone asked to act, else their first."""
    if person_id == dispute.raiser.person_id:
        return dispute.raiser.agency
    if person_id == dispute.other.person_id:
        return dispute.other.agency
    for assignee in dispute.routing.assignees:
        if assignee.person_id == person_id:
            return assignee.agency
    person = directory.person(person_id)
    return person.agencies[0] if person and person.agencies else ""
