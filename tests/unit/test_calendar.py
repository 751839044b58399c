"""The working-day calendar, on the real bank holidays of 2026/27.

Inputs are written in London local time where that reads more naturally; expected
results are always exact UTC instants. Useful facts:
25 Dec 2026 is a Friday, Boxing Day is observed on Monday 28 Dec, 1 Jan 2027 is a Friday;
Good Friday 26 Mar 2027, clocks go forward Sunday 28 Mar, Easter Monday 29 Mar;
May Day 3 May, spring bank holiday 31 May, summer bank holiday 30 Aug 2027;
clocks go back Sunday 31 Oct 2027. 15 Jan 2027 is a Friday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import WorkingCalendar
from bot.policy import CountedFrom, Policy, Timescale, TimescaleKind, UrgentPath
from handlers.holidays import bank_holidays, calendar_for

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


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar(bank_holidays("england-and-wales"))


@pytest.fixture(scope="module")
def short_day() -> WorkingCalendar:
    return WorkingCalendar(bank_holidays("england-and-wales"), day_start=time(8, 30), day_end=time(16, 30))


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


# -- elapsed hours and working hours --------------------------------------------------


def test_twenty_four_hours_from_friday_at_four_lands_on_saturday_at_four(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 15, 16), hours(24)) == utc(2027, 1, 16, 16)


def test_elapsed_hours_are_real_hours_across_the_spring_clock_change(cal: WorkingCalendar) -> None:
    due = cal.deadline(utc(2027, 3, 27, 12), hours(24))
    assert due == utc(2027, 3, 28, 12)
    assert cal.to_local(due).hour == 13


def test_two_working_hours_from_friday_at_four_end_on_monday_at_ten(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 15, 16), working_hours(2)) == utc(2027, 1, 18, 10)


def test_four_working_hours_from_friday_at_three_end_on_monday_at_eleven(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 15, 15), working_hours(4)) == utc(2027, 1, 18, 11)


def test_working_hours_from_a_saturday_start_on_monday_morning(cal: WorkingCalendar) -> None:
    assert cal.deadline(utc(2027, 1, 16, 10), working_hours(1)) == utc(2027, 1, 18, 10)


def test_where_the_count_starts_is_the_callers_choice_not_the_calendars(cal: WorkingCalendar) -> None:
    from_alert = Timescale(TimescaleKind.WORKING_DAYS, 1, CountedFrom.FIRST_ALERT)
    assert cal.deadline(utc(2027, 1, 18, 10), from_alert) == cal.deadline(utc(2027, 1, 18, 10), working_days(1))


# -- working time between, and moving to the next working moment ----------------------


def test_working_time_between_counts_only_working_hours(cal: WorkingCalendar) -> None:
    assert cal.working_time_between(utc(2027, 1, 15, 16), utc(2027, 1, 18, 10)) == timedelta(hours=2)
    # Thu 25 Mar 09:00 GMT to Wed 31 Mar 17:00 BST: three working days over Easter.
    assert cal.working_time_between(utc(2027, 3, 25, 9), utc(2027, 3, 31, 16)) == timedelta(hours=24)
    assert cal.working_time_between(utc(2027, 1, 18, 10), utc(2027, 1, 15, 16)) == timedelta(0)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(london(2027, 6, 1, 11), utc(2027, 6, 1, 10), id="in working time: unchanged"),
        pytest.param(utc(2027, 1, 18, 8, 59), utc(2027, 1, 18, 9), id="just before nine: nine"),
        pytest.param(utc(2027, 1, 15, 17), utc(2027, 1, 18, 9), id="friday at five: monday at nine"),
        pytest.param(utc(2027, 1, 16, 12), utc(2027, 1, 18, 9), id="saturday: monday at nine"),
        pytest.param(london(2026, 12, 24, 17, 30), utc(2026, 12, 29, 9), id="christmas eve evening: 29 december"),
        pytest.param(utc(2027, 3, 25, 17), utc(2027, 3, 30, 8), id="before easter: nine summer time after it"),
    ],
)
def test_a_nudge_due_outside_working_hours_goes_out_at_the_next_working_moment(
    cal: WorkingCalendar, at: datetime, expected: datetime
) -> None:
    assert cal.next_working_moment(at) == expected
    assert cal.next_nudge_window(at) == expected


def test_working_time_starts_at_nine_and_stops_at_five_local_time(cal: WorkingCalendar) -> None:
    assert not cal.is_working_time(utc(2027, 1, 12, 8, 59))
    assert cal.is_working_time(utc(2027, 1, 12, 9))
    assert cal.is_working_time(utc(2027, 1, 12, 16, 59, 59))
    assert not cal.is_working_time(utc(2027, 1, 12, 17))
    # In summer time the same local hours are an hour earlier in UTC.
    assert not cal.is_working_time(utc(2027, 6, 1, 7, 59))
    assert cal.is_working_time(utc(2027, 6, 1, 8))
    assert not cal.is_working_time(utc(2027, 6, 1, 16))


# -- half way -------------------------------------------------------------------------


def test_half_way_through_five_working_days_from_monday_is_wednesday_lunchtime(cal: WorkingCalendar) -> None:
    start = utc(2027, 1, 18, 9)
    due = cal.deadline(start, working_days(5))
    assert due == utc(2027, 1, 22, 17)
    assert cal.half_way(start, due) == utc(2027, 1, 20, 13)


def test_half_way_skips_the_weekend(cal: WorkingCalendar) -> None:
    start = utc(2027, 1, 15, 14)
    due = cal.deadline(start, working_days(2))
    assert due == utc(2027, 1, 19, 14)
    assert cal.half_way(start, due) == utc(2027, 1, 18, 14)


def test_half_way_across_easter_is_counted_in_local_working_hours(cal: WorkingCalendar) -> None:
    start = utc(2027, 3, 25, 9)
    due = cal.deadline(start, working_days(3))
    assert due == utc(2027, 3, 31, 16)
    assert cal.half_way(start, due) == utc(2027, 3, 30, 12)  # 13:00 BST


def test_half_way_through_elapsed_hours_counts_only_the_working_part(cal: WorkingCalendar) -> None:
    assert cal.half_way(utc(2027, 1, 15, 16), utc(2027, 1, 16, 16)) == utc(2027, 1, 15, 16, 30)


def test_half_way_with_no_working_time_in_between_is_the_start(cal: WorkingCalendar) -> None:
    assert cal.half_way(london(2027, 1, 16, 10), utc(2027, 1, 16, 20)) == utc(2027, 1, 16, 10)


# -- the morning of the due day -------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "morning"),
    [
        pytest.param(utc(2027, 1, 19, 14), utc(2027, 1, 19, 9), id="afternoon: nine that day"),
        pytest.param(utc(2027, 1, 19, 9), utc(2027, 1, 18, 9), id="exactly nine: nine the working day before"),
        pytest.param(utc(2027, 1, 18, 9), utc(2027, 1, 15, 9), id="monday at nine: friday at nine"),
        pytest.param(utc(2027, 1, 16, 16), utc(2027, 1, 15, 9), id="saturday: friday at nine"),
        pytest.param(utc(2026, 12, 29, 9), utc(2026, 12, 24, 9), id="29 december at nine: christmas eve"),
        pytest.param(utc(2027, 1, 5, 10), utc(2027, 1, 5, 9), id="5 january at ten: nine that day"),
        pytest.param(utc(2027, 3, 30, 16), utc(2027, 3, 30, 8), id="summer time: nine bst"),
        pytest.param(utc(2027, 3, 30, 8), utc(2027, 3, 25, 9), id="exactly nine bst: the thursday before easter"),
    ],
)
def test_the_due_day_morning_nudge_goes_at_nine_before_the_deadline(
    cal: WorkingCalendar, due: datetime, morning: datetime
) -> None:
    assert cal.due_day_morning(due) == morning


# -- custom working hours -------------------------------------------------------------


def test_a_calendar_with_a_half_past_eight_start_counts_from_half_past_eight(short_day: WorkingCalendar) -> None:
    assert short_day.is_working_time(utc(2027, 1, 12, 8, 30))
    assert not short_day.is_working_time(utc(2027, 1, 12, 16, 30))
    assert short_day.deadline(utc(2027, 1, 18, 8, 45), working_days(1)) == utc(2027, 1, 19, 8, 45)


def test_with_a_half_past_four_finish_friday_at_quarter_to_five_is_after_hours(short_day: WorkingCalendar) -> None:
    assert short_day.deadline(utc(2027, 1, 15, 16, 45), working_days(1)) == utc(2027, 1, 18, 16, 30)
    assert short_day.deadline(utc(2027, 1, 12, 16, 45), SAME_WORKING_DAY) == utc(2027, 1, 13, 16, 30)


def test_custom_hours_follow_summer_time_and_bank_holidays(short_day: WorkingCalendar) -> None:
    assert short_day.next_working_moment(utc(2027, 5, 31, 12)) == utc(2027, 6, 1, 7, 30)
    assert short_day.due_day_morning(utc(2027, 1, 19, 8, 30)) == utc(2027, 1, 18, 8, 30)


def test_a_policys_calendar_uses_its_region_and_working_hours() -> None:
    policy = Policy(
        name="test",
        title="Test",
        source="",
        stages=(),
        urgent=UrgentPath(starts_at="stage-1", timescale=SAME_WORKING_DAY),
        categories=(),
        agency_roles=(),
        partnership_roles=(),
        learning_to="",
        learning_group="",
        working_day_start=time(8, 30),
        working_day_end=time(16, 30),
        bank_holidays="scotland",
    )
    cal = calendar_for(policy)
    assert not cal.is_working_day(date(2027, 11, 30))
    assert cal.deadline(utc(2027, 1, 12, 10), SAME_WORKING_DAY) == utc(2027, 1, 12, 16, 30)


# -- time zones and errors ------------------------------------------------------------


def test_a_start_given_in_another_time_zone_is_read_as_the_same_instant(cal: WorkingCalendar) -> None:
    start = datetime(2027, 1, 15, 21, 0, tzinfo=ZoneInfo("Asia/Kolkata"))  # 15:30 UTC, Friday
    assert cal.deadline(start, working_days(1)) == utc(2027, 1, 18, 15, 30)


def test_every_returned_moment_is_in_utc(cal: WorkingCalendar) -> None:
    start = london(2027, 6, 1, 11)
    due = london(2027, 6, 3, 15)
    results = [
        cal.next_working_moment(start),
        cal.next_working_moment(london(2027, 6, 5, 11)),
        cal.next_nudge_window(start),
        cal.end_of_same_working_day(start),
        cal.add_working_time(start, timedelta(0)),
        cal.add_working_time(start, timedelta(hours=3)),
        cal.deadline(start, SAME_WORKING_DAY),
        cal.deadline(start, working_days(1)),
        cal.deadline(start, working_hours(1)),
        cal.deadline(start, hours(1)),
        cal.half_way(start, due),
        cal.half_way(start, start),
        cal.due_day_morning(due),
    ]
    assert all(r.tzinfo is timezone.utc for r in results)


NAIVE = datetime(2027, 1, 12, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.is_working_time(NAIVE),
        lambda c: c.next_working_moment(NAIVE),
        lambda c: c.next_nudge_window(NAIVE),
        lambda c: c.end_of_same_working_day(NAIVE),
        lambda c: c.add_working_time(NAIVE, timedelta(hours=1)),
        lambda c: c.working_time_between(NAIVE, utc(2027, 1, 13)),
        lambda c: c.working_time_between(utc(2027, 1, 11), NAIVE),
        lambda c: c.deadline(NAIVE, working_days(1)),
        lambda c: c.deadline(NAIVE, hours(1)),
        lambda c: c.half_way(NAIVE, utc(2027, 1, 13)),
        lambda c: c.due_day_morning(NAIVE),
        lambda c: c.to_local(NAIVE),
    ],
)
def test_a_naive_datetime_is_refused(cal: WorkingCalendar, call: Callable[[WorkingCalendar], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(cal)


@pytest.mark.parametrize("kind", [TimescaleKind.WORKING_DAYS, TimescaleKind.WORKING_HOURS, TimescaleKind.HOURS])
def test_a_timescale_of_zero_is_refused(cal: WorkingCalendar, kind: TimescaleKind) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        cal.deadline(utc(2027, 1, 12, 10), Timescale(kind, 0))


def test_an_unknown_bank_holiday_region_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="england-and-wales, northern-ireland, scotland"):
        bank_holidays("wales")


def test_a_working_day_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        WorkingCalendar(set(), day_start=time(17), day_end=time(9))


def test_adding_negative_working_time_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_time(utc(2027, 1, 12, 10), timedelta(hours=-1))


def test_the_zeroth_working_day_after_a_date_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        cal.working_days_after(date(2027, 1, 12), 0)
