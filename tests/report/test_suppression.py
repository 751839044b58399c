"""The report's pure parts: hiding small counts, London days from UTC groups, working days, ranks."""

from __future__ import annotations

from datetime import date

import pytest

from bot.report import Cell, DayGroup, WorkingDayCounter, local_day, nearest_rank, suppress
from tests.report.lifecycle import CALENDAR


def values(cells: list[Cell]) -> list[float | None]:
    return [c.value for c in cells]


def test_counts_from_one_to_four_are_hidden_and_zero_and_five_are_shown() -> None:
    cells, _ = suppress([0, 1, 4, 5, 12])
    assert values(cells) == [0, None, None, 5, 12]


def test_a_lone_hidden_count_beside_a_shown_total_hides_the_next_smallest_too() -> None:
    cells, total = suppress([3, 7, 20], total=30)
    assert values(cells) == [None, None, 20] and total == Cell(30)


def test_two_hidden_counts_are_enough_and_nothing_more_is_hidden() -> None:
    cells, _ = suppress([3, 2, 7, 20], total=32)
    assert values(cells) == [None, None, 7, 20]


def test_without_a_total_a_lone_hidden_count_cannot_be_worked_out_and_the_rest_stay() -> None:
    cells, total = suppress([3, 7, 20])
    assert values(cells) == [None, 7, 20] and total is None


def test_a_total_under_five_hides_the_total_and_every_count_but_zeros() -> None:
    cells, total = suppress([0, 3, 1], total=4)
    assert values(cells) == [0, None, None] and total == Cell(None)


def test_the_late_utc_hour_is_the_next_london_day_in_summer_and_the_same_day_in_winter() -> None:
    assert local_day(DayGroup("2026-07-01", True, 1), CALENDAR) == date(2026, 7, 2)
    assert local_day(DayGroup("2026-07-01", False, 1), CALENDAR) == date(2026, 7, 1)
    assert local_day(DayGroup(date(2026, 12, 1), True, 1), CALENDAR) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("a", "b", "days"),
    [
        (date(2026, 11, 2), date(2026, 11, 2), 0),  # same day
        (date(2026, 11, 6), date(2026, 11, 9), 1),  # Friday to Monday
        (date(2026, 12, 24), date(2026, 12, 29), 1),  # Christmas and Boxing Day (moved to Monday 28th) are not counted
        (date(2026, 11, 2), date(2026, 11, 30), 20),
        (date(2026, 11, 9), date(2026, 11, 2), 0),  # backwards
    ],
)
def test_working_days_between_london_days_skip_weekends_and_bank_holidays(a: date, b: date, days: int) -> None:
    counter = WorkingDayCounter(CALENDAR)
    assert counter.between(a, b) == days
    assert counter.between(date(2025, 1, 1), date(2025, 1, 3)) == 2  # widening the range keeps earlier answers right
    assert counter.between(a, b) == days


def test_the_nearest_rank_is_the_smallest_value_that_covers_the_share() -> None:
    pairs = [(0, 1), (1, 1), (2, 1), (3, 1), (4, 2), (5, 5)]  # 11 values
    assert nearest_rank(pairs, 0.5) == 4
    assert nearest_rank(pairs, 0.9) == 5
    assert nearest_rank([(7, 1)], 0.9) == 7
