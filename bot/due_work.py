"""The timekeeper's due work: escalating overdue disputes, sending due reminders, the morning digest.

Each runs in batches, one transaction for many disputes, and falls back to one transaction per
item when the database refuses a batch, so that one bad item never holds up the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from bot import dispute as transitions, notices
from bot.calendar import WorkingCalendar
from bot.directory import Directory
from bot.dispute import Dispute
from bot.errors import ConcurrentUpdate
from bot.events import Event
from bot.moves import Outcome
from bot.notices import Notice, tell_held
from bot.nudges import OVERDUE, PlannedNudge, is_stale, next_overdue_nudge
from bot.outbox import Notifier, NotYet, OutgoingMessage
from bot.policy import Policy, WhenMissed
from bot.ports import NO_NOTIFIER, DueNudge, UnitOfWork
from bot.scheduling import planned_reminders


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
    each moved in memory, and their record entries, notices (bot/notices.py: `tell` turns them into
    messages just after) and reminders written a few statements for all. A dispute whose move
    fails is reported and left for the next sweep. If
    the database refuses the batch (someone moved one of the disputes meanwhile, a bad row),
    each dispute is tried again in a transaction of its own, so one never holds up the rest; a
    dispute someone else moved is then simply left out.
    """

    def batch(ids: Collection[str] | None) -> list[Outcome | Exception]:
        with uow:
            directory = uow.directory.load()
            results: list[Outcome | Exception] = []
            moves: list[tuple[Dispute, list[Event], Notice]] = []
            overdue = uow.disputes.overdue(now, limit, ids=ids)
            tell_held(uow, overdue, directory, notifier, now)  # what an earlier sweep saved and nobody told yet goes first
            for dispute in overdue:
                try:
                    events = _on_overdue(dispute, directory, policy=policy, calendar=calendar, now=now)
                    moves.append((dispute, events, notices.of_change(dispute, events)))
                except Exception as exc:  # noqa: BLE001 - reported to the caller, never stops the sweep
                    results.append(exc)
            try:
                uow.disputes.save_many([d for d, _, _ in moves])
            except ConcurrentUpdate:
                if len(moves) > 1:
                    raise  # someone moved one of them meanwhile: the disputes are retried one by one
                return results  # someone moved it meanwhile: nothing left to do
            uow.notices.add([notice for _, _, notice in moves], now)
            uow.nudges.skip_ended([d for d, _, _ in moves], now)
            uow.nudges.schedule_many(
                [p for d, events, _ in moves for p in planned_reminders(d, events, policy=policy, calendar=calendar, now=now)]
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
    if stage.when_missed is WhenMissed.ESCALATE and dispute.stage_index < policy.last_index:
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
    limit: int = 100,
) -> list[tuple[DueNudge, str] | Exception]:
    """Queue the reminders that are due, each exactly once (as notices: `tell` builds their messages).

    Up to `limit` nudges are done in one transaction. Each is claimed by a conditional update in
    the transaction that keeps its notice (on PostgreSQL they are also locked when read, and
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
            results: list[tuple[DueNudge, str] | Exception] = []
            skip: list[DueNudge] = []
            send: dict[int, tuple[DueNudge, Notice, list[tuple[str, int, PlannedNudge]]]] = {}
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
                    send[nudge.id] = (nudge, notices.of_reminder(dispute, nudge.kind), follow_up)
                except Exception as exc:  # noqa: BLE001 - left pending and retried; never stops the sweep
                    results.append(exc)
            sent = uow.nudges.claim(send.keys(), NUDGE_SENT, now)  # the rest: another sweeper took them
            skipped = uow.nudges.claim([n.id for n in skip], NUDGE_SKIPPED, now)
            uow.notices.add([send[id_][1] for id_ in sorted(sent)], now)
            uow.nudges.schedule_many([p for id_ in sorted(sent) for p in send[id_][2]])
            uow.commit()
            done = {**{i: NUDGE_SENT for i in sent}, **{i: NUDGE_SKIPPED for i in skipped}}
            return results + [(n, done[n.id]) for n in due if n.id in done]

    def due() -> list[int]:
        with uow:
            return [n.id for n in uow.nudges.due(now, limit)]

    return _batch_or_one_by_one(batch, due)


def tell(*, uow: UnitOfWork, notifier: Notifier, now: datetime, limit: int = 100) -> list[int | Exception]:
    """Turn the sweep's notices into messages, oldest first, and delete them (bot/notices.py).

    Up to `limit` notices in one transaction, with their disputes locked (on PostgreSQL, passing
    over those being moved: a move tells its dispute's notices itself). A notice whose messages
    cannot be built is reported and tried again by the next sweep, up to MAX_ATTEMPTS times, and its
    dispute's later notices wait for it; one that cannot be built yet (NotYet) waits, uncounted.
    Returns the ids told and the errors.
    """

    def batch(ids: Collection[int] | None) -> list[int | Exception]:
        with uow:
            pending = uow.notices.pending(limit, ids=ids)
            if not pending:
                return []  # the usual sweep: one statement, nothing to commit
            disputes = uow.disputes.get_many({n.dispute_id for n in pending}, lock=True)
            directory = uow.directory.load()
            results: list[int | Exception] = []
            told: list[int] = []
            failed: list[int] = []
            waiting: set[str] = set()  # disputes whose earlier notice is not told now: their later ones wait too
            out: list[OutgoingMessage] = []
            for notice in pending:
                dispute = disputes.get(notice.dispute_id)
                if dispute is None or notice.dispute_id in waiting or notice.id is None:
                    # being moved right now (the move tells it), or behind a notice of its dispute not told now
                    waiting.add(notice.dispute_id)
                    continue
                try:
                    out += notices.messages(notice, dispute, directory, notifier)
                    told.append(notice.id)
                except NotYet:
                    waiting.add(notice.dispute_id)  # nothing wrong with it: told once it can be, never given up on
                except Exception as exc:  # noqa: BLE001 - reported; tried again by the next sweep
                    results.append(exc)
                    failed.append(notice.id)
                    waiting.add(notice.dispute_id)
            uow.outbox.add(out, now)
            uow.notices.delete(told)
            uow.notices.failed(failed)
            uow.commit()
            return results + told

    def counted(ids: Collection[int] | None) -> list[int | Exception]:
        try:
            return batch(ids)
        except Exception:
            if ids is not None:  # a notice the database refuses on its own: one try less, in a transaction of its own
                with uow:
                    uow.notices.failed(ids)
                    uow.commit()
            raise

    def due() -> list[int]:
        with uow:
            return [n.id for n in uow.notices.pending(limit) if n.id is not None]

    return _batch_or_one_by_one(counted, due)


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
