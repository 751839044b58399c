"""The working-day calendar over weekends, bank holidays and clock changes, and the same working day
(the dates are in tests/unit/calendar_dates.py)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.calendar import WorkingCalendar
from handlers.holidays import bank_holidays
from tests.unit.calendar_dates import SAME_WORKING_DAY, london, utc, working_days

# -- weekends -------------------------------------------------------------------------


def test_one_working_day_from_friday_afternoon_ends_on_monday_afternoon(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 15, 16), working_days(1)) == utc(2027, 1, 18, 16)


def test_two_working_days_from_friday_afternoon_end_on_tuesday_afternoon(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 15, 16), working_days(2)) == utc(2027, 1, 19, 16)


def test_counting_from_friday_evening_starts_on_monday_morning(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 15, 18), working_days(1)) == utc(2027, 1, 18, 17)


@pytest.mark.parametrize("raised", [utc(2027, 1, 16, 12), utc(2027, 1, 17, 23)], ids=["saturday", "sunday"])
def test_a_dispute_raised_at_the_weekend_starts_counting_on_monday_morning(
    cal: WorkingCalendar, raised: datetime
) -> None:
    assert cal.deadline(raised, working_days(1)) == utc(2027, 1, 18, 17)


def test_one_working_day_from_monday_morning_is_tuesday_morning(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 18, 10), working_days(1)) == utc(2027, 1, 19, 10)


def test_a_working_day_started_at_nine_ends_at_five_the_same_day_not_nine_the_next(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 18, 9), working_days(1)) == utc(2027, 1, 18, 17)


def test_saturday_and_sunday_are_not_working_days(cal: WorkingCalendar) -> None:
    assert [cal.is_working_day(date(2027, 1, d)) for d in range(15, 19)] == [True, False, False, True]


# -- Christmas and New Year 2026/27 ---------------------------------------------------


def test_five_working_days_from_christmas_eve_skip_the_bank_holidays(cal: WorkingCalendar) -> None:
    # Thu 24 Dec counts 7 hours, then 29, 30, 31 Dec and 4 Jan, and one hour of 5 Jan.
    assert cal.deadline(london(2026, 12, 24, 10), working_days(5)) == utc(2027, 1, 5, 10)


def test_christmas_day_boxing_day_substitute_and_new_years_day_are_not_working_days(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2026, 12, 25))
    assert not cal.is_working_day(date(2026, 12, 28))
    assert cal.is_working_day(date(2026, 12, 29))
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 1, 4))


def test_the_first_working_day_after_christmas_eve_is_the_twenty_ninth(cal: WorkingCalendar) -> None:
    assert cal.working_days_after(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert cal.working_days_after(date(2026, 12, 24), 5) == date(2027, 1, 5)


def test_in_scotland_the_second_of_january_holiday_is_taken_on_monday_the_fourth() -> None:
    scotland = WorkingCalendar(bank_holidays("scotland"))
    england = WorkingCalendar(bank_holidays("england-and-wales"))
    assert not scotland.is_working_day(date(2027, 1, 4))
    assert scotland.working_days_after(date(2026, 12, 31), 1) == date(2027, 1, 5)
    assert england.working_days_after(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_scotland_keeps_st_andrews_day_but_works_on_easter_monday() -> None:
    scotland = WorkingCalendar(bank_holidays("scotland"))
    assert not scotland.is_working_day(date(2027, 11, 30))
    assert scotland.is_working_day(date(2027, 3, 29))


# -- Easter 2027 and the spring clock change ------------------------------------------


def test_good_friday_and_easter_monday_are_not_working_days(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2027, 3, 26))
    assert not cal.is_working_day(date(2027, 3, 29))
    assert cal.is_working_day(date(2027, 3, 30))


def test_a_deadline_before_easter_ends_at_five_pm_greenwich_time(cal: WorkingCalendar) -> None:
    assert cal.deadline(london(2027, 3, 25, 9), working_days(1)) == utc(2027, 3, 25, 17)


def test_a_deadline_across_easter_and_the_spring_clock_change_ends_at_five_pm_summer_time(
    cal: WorkingCalendar,
) -> None:
    due = cal.deadline(london(2027, 3, 25, 9), working_days(2))
    assert due == utc(2027, 3, 30, 16)
    assert cal.to_local(due).time() == time(17)


def test_working_time_keeps_its_local_hour_across_the_spring_clock_change(cal: WorkingCalendar) -> None:
    # Wed 24 Mar 14:00 GMT: 3 hours that day, Thu 25, Tue 30, then 5 hours of Wed 31 Mar (BST).
    assert cal.deadline(utc(2027, 3, 24, 14), working_days(3)) == utc(2027, 3, 31, 13)


def test_same_working_day_raised_on_maundy_thursday_evening_is_due_on_tuesday_at_five_summer_time(
    cal: WorkingCalendar,
) -> None:
    assert cal.deadline(london(2027, 3, 25, 18), SAME_WORKING_DAY) == utc(2027, 3, 30, 16)


# -- the autumn clock change ----------------------------------------------------------


def test_a_deadline_before_the_autumn_clock_change_ends_at_five_pm_summer_time(cal: WorkingCalendar) -> None:
    assert cal.deadline(london(2027, 10, 29, 9), working_days(1)) == utc(2027, 10, 29, 16)


def test_a_deadline_across_the_autumn_clock_change_ends_at_five_pm_greenwich_time(cal: WorkingCalendar) -> None:
    due = cal.deadline(london(2027, 10, 29, 9), working_days(2))
    assert due == utc(2027, 11, 1, 17)
    assert cal.to_local(due).time() == time(17)


def test_one_working_day_from_friday_ten_am_summer_time_is_monday_ten_am_greenwich_time(
    cal: WorkingCalendar,
) -> None:
    assert cal.deadline(london(2027, 10, 29, 10), working_days(1)) == utc(2027, 11, 1, 10)


def test_half_past_four_utc_before_the_clocks_go_back_is_already_after_hours(cal: WorkingCalendar) -> None:
    raised = utc(2027, 10, 29, 16, 30)  # 17:30 BST
    assert not cal.is_working_time(raised)
    assert cal.deadline(raised, SAME_WORKING_DAY) == utc(2027, 11, 1, 17)


# -- the late-May and August bank holidays --------------------------------------------


def test_one_working_day_over_the_late_may_bank_holiday_ends_on_tuesday(cal: WorkingCalendar) -> None:
    # Fri 28 May 14:00 BST: 3 hours, Monday is the holiday, then 5 hours of Tue 1 June.
    assert cal.deadline(london(2027, 5, 28, 14), working_days(1)) == utc(2027, 6, 1, 13)


def test_one_working_day_over_the_august_bank_holiday_ends_on_tuesday(cal: WorkingCalendar) -> None:
    assert cal.deadline(london(2027, 8, 27, 16), working_days(1)) == utc(2027, 8, 31, 15)


def test_same_working_day_raised_on_the_august_bank_holiday_is_due_on_tuesday_at_five(cal: WorkingCalendar) -> None:
    assert cal.deadline(london(2027, 8, 30, 10), SAME_WORKING_DAY) == utc(2027, 8, 31, 16)


# -- same working day -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        pytest.param(utc(2027, 1, 12, 10), utc(2027, 1, 12, 17), id="at ten on a working day: five that day"),
        pytest.param(utc(2027, 1, 12, 7, 30), utc(2027, 1, 12, 17), id="before the day starts: five that day"),
        pytest.param(utc(2027, 1, 12, 18), utc(2027, 1, 13, 17), id="after hours: five the next working day"),
        pytest.param(utc(2027, 1, 12, 17), utc(2027, 1, 13, 17), id="at exactly five: five the next working day"),
        pytest.param(utc(2027, 1, 16, 11), utc(2027, 1, 18, 17), id="on a saturday: five on monday"),
        pytest.param(london(2027, 5, 3, 10), utc(2027, 5, 4, 16), id="on a bank holiday: five the next day"),
        pytest.param(london(2026, 12, 24, 19), utc(2026, 12, 29, 17), id="christmas eve evening: 29 december"),
    ],
)
def test_same_working_day_means_by_five_pm_on_the_day_or_the_next_working_day(
    cal: WorkingCalendar, raised: datetime, due: datetime
) -> None:
    assert cal.deadline(raised, SAME_WORKING_DAY) == due
    assert cal.end_of_same_working_day(raised) == due
