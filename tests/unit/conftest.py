"""The working-day calendars the calendar tests share: England and Wales, 9 to 5 and 8:30 to 4:30."""

from __future__ import annotations

from datetime import time

import pytest

from bot.calendar import WorkingCalendar
from handlers.holidays import bank_holidays


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar(bank_holidays("england-and-wales"))


@pytest.fixture(scope="module")
def short_day() -> WorkingCalendar:
    return WorkingCalendar(bank_holidays("england-and-wales"), day_start=time(8, 30), day_end=time(16, 30))
