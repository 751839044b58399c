"""Moments and timescales for the working-day calendar's tests, on the real bank holidays of 2026/27.

Inputs are written in London local time where that reads more naturally; expected
results are always exact UTC instants. Useful facts:
25 Dec 2026 is a Friday, Boxing Day is observed on Monday 28 Dec, 1 Jan 2027 is a Friday;
Good Friday 26 Mar 2027, clocks go forward Sunday 28 Mar, Easter Monday 29 Mar;
May Day 3 May, spring bank holiday 31 May, summer bank holiday 30 Aug 2027;
clocks go back Sunday 31 Oct 2027. 15 Jan 2027 is a Friday.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.policy import Timescale, TimescaleKind

LONDON = ZoneInfo("Europe/London")
SAME_WORKING_DAY = Timescale(TimescaleKind.SAME_WORKING_DAY)


def utc(y: int, m: int, d: int, h: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, second, tzinfo=timezone.utc)


def london(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=LONDON)


def working_days(n: int) -> Timescale:
    return Timescale(TimescaleKind.WORKING_DAYS, n)


def working_hours(n: int) -> Timescale:
    return Timescale(TimescaleKind.WORKING_HOURS, n)


def hours(n: int) -> Timescale:
    return Timescale(TimescaleKind.HOURS, n)


NAIVE = datetime(2027, 1, 12, 10)  # no time zone: the calendar refuses it
