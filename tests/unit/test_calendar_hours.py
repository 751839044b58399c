"""The working-day calendar's hours: elapsed and working hours, working time between, half way, the
due day's morning, custom working hours, time zones and refusals (dates: tests/unit/calendar_dates.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import WorkingCalendar
from bot.policy import CountedFrom, Policy, Timescale, TimescaleKind, UrgentPath
from handlers.holidays import bank_holidays, calendar_for
from tests.unit.calendar_dates import NAIVE, SAME_WORKING_DAY, hours, london, utc, working_days, working_hours

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
