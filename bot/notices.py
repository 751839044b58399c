"""Telling people after the change, not inside it: the timekeeper's notices.

The timekeeper's sweep saves each escalation, missed timescale and due reminder with a small notice
(the change's events, or the reminder's kind) in the same transaction, and builds no messages
there: so a Monday's thousand changes are saved in a few short transactions, and a message that
cannot be built never holds back an escalation. Right after, `bot.due_work.tell` turns each notice
into the messages the notifier would have queued in the sweep (the same messages, under the same
keys) and deletes it, in one transaction; a notice a stopped process left is told by the next
sweep of any process.

So that nothing told later overtakes a notice, whatever changes a dispute first tells its
pending notices (`tell_held`, in the transaction that holds the dispute): a person's move
(bot/moves.py) and the sweep's own next change. A dispute therefore has at most one pending
change notice, and the dispute as saved is the dispute as it was after that change. A reminder
whose stage ended before it was told is dropped, as a due reminder for an ended stage is skipped.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.directory import Directory
from bot.dispute import Dispute
from bot.events import Event
from bot.outbox import Notifier, OutgoingMessage

if TYPE_CHECKING:  # bot.ports names Notice in its NoticeRepository
    from bot.ports import UnitOfWork

MAX_ATTEMPTS = 5  # a notice whose messages could not be built this often is kept, and no longer tried


@dataclass(frozen=True)
class Notice:
    dispute_id: str
    version: int  # the dispute's version when it changed (before its save): the messages are built as of it
    events: tuple[Event, ...] = ()  # a change: what happened
    nudge: str | None = None  # a reminder: its kind (bot.kinds.NudgeKind's value, or "overdue N")
    stage_index: int | None = None  # a reminder: the stage it is about
    id: int | None = None  # given by the repository


def of_change(dispute: Dispute, events: Sequence[Event]) -> Notice:
    """The notice of a change, from the dispute as changed in memory and not yet saved."""
    return Notice(dispute.id, dispute.version, events=tuple(events))


def of_reminder(dispute: Dispute, nudge: str) -> Notice:
    return Notice(dispute.id, dispute.version, nudge=nudge, stage_index=dispute.stage_index)


def messages(notice: Notice, dispute: Dispute, directory: Directory, notifier: Notifier) -> list[OutgoingMessage]:
    """What `notice` tells, with `dispute` as saved since (nothing has changed it after the notice)."""
    if notice.nudge is not None:
        if not dispute.status.is_active or dispute.stage_index != notice.stage_index:
            return []  # the stage ended before it was told: its reminder goes with it
        return notifier.reminders_for(dispute, notice.nudge, directory)
    as_changed = copy.copy(dispute)
    as_changed.version = notice.version  # as the notifier saw it in the move: the same keys, the same buttons
    return notifier.messages_for(as_changed, list(notice.events), directory)


def tell_held(uow: UnitOfWork, disputes: Iterable[Dispute], directory: Directory, notifier: Notifier, now: datetime) -> None:
    """Queue the messages of these disputes' pending notices, oldest first, in the caller's
    transaction (which holds the disputes and is about to change them), and delete the notices.

    A notice whose messages cannot be built is left, with the dispute's later ones, for
    `bot.due_work.tell`, which reports it: it never stops the caller's move."""
    held = {d.id: d for d in disputes}
    if not held:
        return
    told: list[int] = []
    kept: set[str] = set()  # disputes with a notice left: their later notices stay behind it
    out: list[OutgoingMessage] = []
    for notice in uow.notices.for_disputes(held.keys()):
        if notice.dispute_id in kept or notice.id is None:
            continue
        try:
            out += messages(notice, held[notice.dispute_id], directory, notifier)
        except Exception:  # noqa: BLE001 - kept: the next tell reports it and tries again
            kept.add(notice.dispute_id)
            continue
        told.append(notice.id)
    uow.outbox.add(out, now)
    uow.notices.delete(told)
