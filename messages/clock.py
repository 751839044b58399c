"""The one way Parley writes a moment: 'Tue 1 Dec 2026, 19:33', in UK time, everywhere."""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@functools.lru_cache(maxsize=4096)  # a sweep writes the same deadlines and moments thousands of times
def when(at: datetime) -> str:
    """'Tue 1 Dec 2026, 19:33' (Europe/London)."""
    local = at.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def by_when(at: datetime) -> str:
    """'by Tue 1 Dec 2026, 17:00'."""
    return f"by {when(at)}"


def day(d: date) -> str:
    """'Tue 1 Dec 2026': a day, in the same style as `when`."""
    return f"{d:%a} {d.day} {d:%b %Y}"
