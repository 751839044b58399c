"""A timekeeper on a real database with a fixed clock, a dispute opened under it, and what it has planned and queued.

Times are London wall-clock (tests.builders.at). Bradford's steps are 5 working days each, with
nudges half-way and on the morning of the due day.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot import upkeep
from bot.outbox import Delivery
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.scheduler import Timekeeper
from storage.db import session_factory
from storage.models import OutboxRow
from tests.builders import Clock, at, directory_for, open_raised
from tests.fakes import FakeNotifier

BRADFORD = read_policy("bradford")


def keeper(engine, policy=BRADFORD, notifier=None, senders=None, now=None) -> Timekeeper:
    return Timekeeper(
        sessions=session_factory(engine),
        policy=policy,
        calendar=calendar_for(policy),
        clock=Clock(now or at(2026, 11, 2, 10)),
        notifier=notifier or FakeNotifier(),
        senders=senders or {},
    )


def open_dispute(tk: Timekeeper, now: datetime, **changes) -> str:
    upkeep.load_directory(directory_for(tk.policy), uow=tk.uow())
    changes = {"problem": "The referral was closed with no further action.", **changes}
    return open_raised(tk.policy, uow=tk.uow(), calendar=tk.calendar, now=now, notifier=tk.notifier, **changes).dispute.id


def nudges(tk: Timekeeper, dispute_id: str) -> list[tuple[int, str, datetime, str]]:
    with tk.uow() as uow:
        return uow.nudges.for_dispute(dispute_id)


def reminders(tk: Timekeeper) -> list[str]:
    with tk.sessions() as s:
        return list(s.scalars(select(OutboxRow.key).where(OutboxRow.delivery == Delivery.DIRECT.value).order_by(OutboxRow.id)))


def thread_keys(tk: Timekeeper) -> list[str]:
    """The keys of the escalations told in the threads (tests.fakes.FakeNotifier's: "<dispute>:v<n>:<i>:escalated")."""
    with tk.sessions() as s:
        keys = s.scalars(select(OutboxRow.key).where(OutboxRow.delivery == Delivery.THREAD_REPLY.value).order_by(OutboxRow.id))
        return [k for k in keys if k.endswith(":escalated")]


def stage_of(tk: Timekeeper, dispute_id: str) -> int:
    with tk.uow() as uow:
        return uow.disputes.get(dispute_id).stage_index
