"""The working-day calendar: every deadline and nudge time is computed here.

Working time is [day_start, day_end) local time on weekdays that are not bank holidays.
Reasoning is done in the calendar's time zone so that clock changes are right; every
datetime handed back is aware and in UTC, which is how deadlines are stored. The clock
is never read here: callers pass the time in.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.policy import Timescale, TimescaleKind

# A guard, not a rule: a holiday set that blocks out this many weekdays in a row is a
# data error, and searching on would never end.
_MAX_DAYS_SEARCHED = 366


class WorkingCalendar:
    """Working days and hours in one time zone, with bank holidays given as data."""

    def __init__(
        self,
        holidays: Container[date],
        *,
        tz: str = "Europe/London",
        day_start: time = time(9),
        day_end: time = time(17),
    ) -> None:
        if day_start.tzinfo is not None or day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local wall-clock times and must be naive")
        if not day_start < day_end:
            raise ValueError(f"day_start ({day_start}) must be before day_end ({day_end})")
        self._holidays = holidays
        self._tz = ZoneInfo(tz)
        self.day_start = day_start
        self.day_end = day_end
        self._day_length = datetime.combine(date.min, day_end) - datetime.combine(date.min, day_start)
        # Days are asked about again and again (every deadline and nudge of every sweep): remember them.
        self._working: dict[date, bool] = {}
        self._hours_of: dict[date, tuple[datetime, datetime]] = {}

    # -- days -------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """True on Monday to Friday unless d is a holiday."""
        working = self._working.get(d)
        if working is None:
            working = self._working[d] = d.weekday() < 5 and d not in self._holidays
        return working

    def working_days_after(self, d: date, n: int) -> date:
        """The nth working day after d (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        for _ in range(n):
            d = self._next_working_day(d)
        return d

    # -- moments ----------------------------------------------------------------------

    def to_local(self, at: datetime) -> datetime:
        """The same instant in the calendar's time zone (the one method that does not return UTC)."""
        return _aware(at, "at").astimezone(self._tz)

    def is_working_time(self, at: datetime) -> bool:
        """True if at falls on a working day, at or after day_start and before day_end."""
        d = self.to_local(at).date()
        if not self.is_working_day(d):
            return False
        opens, closes = self._hours(d)
        return opens <= at < closes

    def next_working_moment(self, at: datetime) -> datetime:
        """at itself if it is working time, otherwise the start of the next working period."""
        d = self.to_local(at).date()
        if self.is_working_day(d):
            opens, closes = self._hours(d)
            if at < opens:
                return opens
            if at < closes:
                return at.astimezone(timezone.utc)
        return self._hours(self._next_working_day(d))[0]

    def next_nudge_window(self, at: datetime) -> datetime:
        """When a nudge due at `at` may go out: people are only nudged in working time."""
        return self.next_working_moment(at)

    def end_of_same_working_day(self, at: datetime) -> datetime:
        """day_end of at's working day; raised after hours or on a non-working day, day_end of the next."""
        d = self.to_local(at).date()
        if self.is_working_day(d):
            closes = self._hours(d)[1]
            # Raised before the day has begun still counts as that day.
            if at < closes:
                return closes
        return self._hours(self._next_working_day(d))[1]

    # -- durations --------------------------------------------------------------------

    def add_working_time(self, start: datetime, delta: timedelta) -> datetime:
        """The moment when delta of working time has passed since start."""
        start = _aware(start, "start").astimezone(timezone.utc)
        if delta < timedelta(0):
            raise ValueError(f"delta must not be negative, got {delta}")
        if not delta:
            return start
        at = self.next_working_moment(start)
        remaining = delta
        while True:
            d = self.to_local(at).date()
            closes = self._hours(d)[1]
            # `<=` so that an exact landing stays at day_end rather than rolling to tomorrow.
            if remaining <= closes - at:
                return at + remaining
            remaining -= closes - at
            at = self._hours(self._next_working_day(d))[0]

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b); zero if b is not after a."""
        a = _aware(a, "a").astimezone(timezone.utc)
        b = _aware(b, "b").astimezone(timezone.utc)
        total = timedelta(0)
        d = self.to_local(a).date()
        last = self.to_local(b).date()
        while d <= last:
            if self.is_working_day(d):
                opens, closes = self._hours(d)
                overlap = min(b, closes) - max(a, opens)
                if overlap > timedelta(0):
                    total += overlap
            d += timedelta(days=1)
        return total

    # -- deadlines and nudges ---------------------------------------------------------

    def deadline(self, start: datetime, timescale: Timescale) -> datetime:
        """When a stage entered at start is due; counted_from is settled by the caller's choice of start."""
        start = _aware(start, "start").astimezone(timezone.utc)
        kind = timescale.kind
        if kind is TimescaleKind.SAME_WORKING_DAY:
            return self.end_of_same_working_day(start)
        if timescale.amount < 1:
            raise ValueError(f"a timescale of {kind.value} needs an amount of at least 1, got {timescale.amount}")
        if kind is TimescaleKind.WORKING_DAYS:
            return self.add_working_time(start, timescale.amount * self._day_length)
        if kind is TimescaleKind.WORKING_HOURS:
            return self.add_working_time(start, timedelta(hours=timescale.amount))
        if kind is TimescaleKind.HOURS:
            # Elapsed hours: UTC arithmetic, so a clock change neither adds nor removes an hour.
            return start + timedelta(hours=timescale.amount)
        raise ValueError(f"unknown timescale kind: {kind!r}")

    def half_way(self, start: datetime, deadline: datetime) -> datetime:
        """The moment half the working time between start and deadline has passed; start if there is none."""
        total = self.working_time_between(start, deadline)
        if not total:
            return start.astimezone(timezone.utc)
        return self.add_working_time(start, total / 2)

    def due_day_morning(self, deadline: datetime) -> datetime:
        """day_start on the deadline's day, or on the working day before if the deadline is not after it."""
        d = self.to_local(deadline).date()
        if self.is_working_day(d):
            opens = self._hours(d)[0]
            if deadline > opens:
                return opens
        return self._hours(self._previous_working_day(d))[0]

    # -- helpers ----------------------------------------------------------------------

    def next_morning(self, at: datetime) -> datetime:
        """The start of the first working day after at's local date (for once-a-working-day reminders)."""
        day = self._next_working_day(self.to_local(_aware(at, "at")).date())
        return self._hours(day)[0]

    def _hours(self, d: date) -> tuple[datetime, datetime]:
        """The working period of day d as UTC instants, so each side of a clock change is right."""
        hours = self._hours_of.get(d)
        if hours is None:
            opens = datetime.combine(d, self.day_start, tzinfo=self._tz)
            closes = datetime.combine(d, self.day_end, tzinfo=self._tz)
            hours = self._hours_of[d] = (opens.astimezone(timezone.utc), closes.astimezone(timezone.utc))
        return hours

    def _next_working_day(self, d: date) -> date:
        return self._step_to_working_day(d, timedelta(days=1))

    def _previous_working_day(self, d: date) -> date:
        return self._step_to_working_day(d, timedelta(days=-1))

    def _step_to_working_day(self, d: date, step: timedelta) -> date:
        candidate = d
        for _ in range(_MAX_DAYS_SEARCHED):
            candidate += step
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_DAYS_SEARCHED} days of {d}: check the holidays")


def _aware(at: datetime, name: str) -> datetime:
    # Naive datetimes are refused rather than guessed at: a wrong guess moves deadlines by an hour.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {at!r}")
    return at
