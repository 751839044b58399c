"""The practice clock: Parley's time in the practice workspace, moved by hand.

Everything the practice front ends and the timekeeper do reads this clock, so moving it makes
reminders, digests and automatic escalations happen as they would over days.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from messages import practice as wording
from storage.models import DisputeRow, NudgeRow

MOVES = ("reminder", "deadline", "morning", "days")


class NothingDue(Exception):
    """There is no reminder or deadline ahead to move the clock to; the message says so."""


def start_time(calendar: WorkingCalendar, real_now: datetime) -> datetime:
    """Where a fresh practice starts: 10:00 on the next working day from now (or today, before 10)."""
    local = calendar.to_local(real_now)
    day = local.date()
    if not calendar.is_working_day(day) or local.time() >= time(10):
        day = calendar.working_days_after(day, 1)
    return datetime.combine(day, time(10), tzinfo=local.tzinfo).astimezone(timezone.utc)


class PracticeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, at: datetime) -> datetime:
        if at > self.now:  # never back: the record would go out of order
            self.now = at
        return self.now


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def next_reminder(sessions: sessionmaker[Session], now: datetime) -> datetime | None:
    with sessions() as s:
        due = s.scalars(select(NudgeRow.due_at).where(NudgeRow.status == "pending").order_by(NudgeRow.due_at)).all()
    ahead = [_aware(d) for d in due if _aware(d) > now]
    return ahead[0] if ahead else None


def next_deadline(sessions: sessionmaker[Session], now: datetime) -> datetime | None:
    with sessions() as s:
        due = s.scalars(select(DisputeRow.deadline).where(DisputeRow.active.is_(True)).order_by(DisputeRow.deadline)).all()
    ahead = [_aware(d) for d in due if _aware(d) >= now]
    return ahead[0] if ahead else None


def target(move: str, *, sessions: sessionmaker[Session], calendar: WorkingCalendar, now: datetime, days: int = 1) -> datetime:
    """Where a move takes the clock; NothingDue when there is nothing of that kind ahead."""
    match move:
        case "reminder":
            at = next_reminder(sessions, now)
            if at is None:
                raise NothingDue(wording.NO_REMINDER)
            return at
        case "deadline":
            at = next_deadline(sessions, now)
            if at is None:
                raise NothingDue(wording.NO_DEADLINE)
            return at + timedelta(minutes=1)  # just past it, so it counts as missed
        case "morning":
            return calendar.next_morning(now)
        case "days":
            if not 1 <= days <= 60:
                raise NothingDue(wording.DAYS_RANGE)
            local = calendar.to_local(now)
            day = calendar.working_days_after(local.date(), days)
            return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=local.tzinfo).astimezone(timezone.utc)
    raise NothingDue(wording.unknown_move(MOVES))
