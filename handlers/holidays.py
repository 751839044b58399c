"""Bank holidays as data for the working-day calendar, from the `holidays` package."""

from __future__ import annotations

from collections.abc import Container
from datetime import date

import holidays

from bot.calendar import WorkingCalendar
from bot.policy import Policy

# England and Wales share one set of bank holidays; the package's GB subdivision ENG is it.
REGIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}


def bank_holidays(region: str) -> Container[date]:
    """The bank holidays of a UK region, for every year (the package expands years as they are asked about)."""
    try:
        subdiv = REGIONS[region]
    except KeyError:
        valid = ", ".join(sorted(REGIONS))
        raise ValueError(f"unknown bank holiday region {region!r}; valid regions are: {valid}") from None
    return holidays.country_holidays("GB", subdiv=subdiv)


def calendar_for(policy: Policy) -> WorkingCalendar:
    """The working calendar a policy's deadlines are counted on."""
    return WorkingCalendar(
        bank_holidays(policy.bank_holidays),
        day_start=policy.working_day_start,
        day_end=policy.working_day_end,
    )
