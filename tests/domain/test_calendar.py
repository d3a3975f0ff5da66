"""Working-hour arithmetic on the shipped 2026 mainland China calendar.

Every expectation is computed by hand: the working day is 08:30-17:30 (9 hours, no lunch
break), Saturdays and Sundays are off unless they are make-up working days, and public
holidays are off even on weekdays.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.domain.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar.load()


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


# --- which days are working days -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 23), True),  # ordinary Monday
        (date(2026, 11, 28), False),  # ordinary Saturday
        (date(2026, 11, 29), False),  # ordinary Sunday
        (date(2026, 10, 1), False),  # National Day, a Thursday
        (date(2026, 10, 7), False),  # last day of the National Day break, a Wednesday
        (date(2026, 10, 8), True),  # first working day after it
        (date(2026, 2, 16), False),  # Spring Festival, a Monday
        (date(2026, 2, 23), False),  # last day of the Spring Festival break, a Monday
        (date(2026, 2, 24), True),
        (date(2026, 9, 25), False),  # Mid-Autumn, a Friday
        (date(2026, 9, 20), True),  # make-up working Sunday
        (date(2026, 10, 10), True),  # make-up working Saturday
        (date(2026, 2, 14), True),  # make-up working Saturday
        (date(2026, 2, 28), True),  # make-up working Saturday
        (date(2026, 1, 4), True),  # make-up working Sunday
        (date(2026, 5, 9), True),  # make-up working Saturday
    ],
)
def test_working_days(day, working):
    assert CAL.is_working_day(day) is working


def test_make_up_days_use_the_normal_working_hours():
    assert CAL.intervals_on(date(2026, 10, 10)) == CAL.intervals_on(date(2026, 11, 23))


# --- add_working_time ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        # inside one working day
        (at(2026, 11, 23, 10), 6, at(2026, 11, 23, 16)),
        # a whole working day ends at closing time, not at the next opening
        (at(2026, 11, 23, 8, 30), 9, at(2026, 11, 23, 17, 30)),
        # over a night: 2.5 h on Monday, 3.5 h on Tuesday from 08:30
        (at(2026, 11, 23, 15), 6, at(2026, 11, 24, 12)),
        # over a weekend: 1.5 h on Friday, 4.5 h on Monday
        (at(2026, 11, 27, 16), 6, at(2026, 11, 30, 13)),
        # several days: 7.5 (Mon) + 9 (Tue) + 9 (Wed) + 4.5 (Thu) = 30
        (at(2026, 11, 23, 10), 30, at(2026, 11, 26, 13)),
        # National Day: 1.5 h on 09-30, 10-01..10-07 off, 4.5 h on Thursday 10-08
        (at(2026, 9, 30, 16), 6, at(2026, 10, 8, 13)),
        # Mid-Autumn 09-25..09-27: 0.5 h on Thursday 09-24, 0.5 h on Monday 09-28
        (at(2026, 9, 24, 17), 1, at(2026, 9, 28, 9)),
        # make-up Saturday 10-10: 1.5 h on Friday, 5.5 h on Saturday
        (at(2026, 10, 9, 16), 7, at(2026, 10, 10, 14)),
        # make-up Sunday 09-20: a clock started on Saturday runs on Sunday
        (at(2026, 9, 19, 10), 2, at(2026, 9, 20, 10, 30)),
        # make-up Saturday 02-14 before Spring Festival: 0.5 h Friday, 5.5 h Saturday
        (at(2026, 2, 13, 17), 6, at(2026, 2, 14, 14)),
        # from the make-up Saturday over the whole Spring Festival break (02-15..02-23)
        (at(2026, 2, 14, 16), 6, at(2026, 2, 24, 13)),
        # make-up Saturday 02-28 after it
        (at(2026, 2, 27, 17), 1, at(2026, 2, 28, 9)),
    ],
)
def test_add_working_time(start, amount, expected):
    assert CAL.add_working_time(start, hours(amount)) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(2026, 11, 23, 20), at(2026, 11, 24, 14, 30)),  # in the evening
        (at(2026, 11, 24, 7), at(2026, 11, 24, 14, 30)),  # before opening
        (at(2026, 11, 24, 0), at(2026, 11, 24, 14, 30)),  # at midnight
        (at(2026, 11, 28, 11), at(2026, 11, 30, 14, 30)),  # on a Saturday
        (at(2026, 10, 3, 9), at(2026, 10, 8, 14, 30)),  # on a National Day holiday
        (at(2026, 2, 18, 12), at(2026, 2, 24, 14, 30)),  # in the Spring Festival break
    ],
)
def test_a_clock_started_outside_working_hours_waits_for_the_next_opening(start, expected):
    assert CAL.add_working_time(start, hours(6)) == expected


def test_add_working_time_keeps_the_callers_time_zone():
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    due = CAL.add_working_time(start, hours(6))
    assert due == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert due.tzinfo is UTC


def test_zero_time_is_the_start_itself():
    start = at(2026, 11, 28, 3)  # even outside working hours
    assert CAL.add_working_time(start, timedelta(0)) == start


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        CAL.add_working_time(datetime(2026, 11, 23, 10), hours(1))
    with pytest.raises(ValueError, match="aware"):
        CAL.working_time_between(datetime(2026, 11, 23, 10), at(2026, 11, 23, 12))


# --- working_time_between ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2026, 11, 23, 10), at(2026, 11, 23, 12, 15), 2.25),
        (at(2026, 11, 23, 7), at(2026, 11, 23, 20), 9),  # the whole day
        (at(2026, 11, 27, 16), at(2026, 11, 30, 10), 3),  # 1.5 Friday + 1.5 Monday
        (at(2026, 11, 28, 0), at(2026, 11, 30, 0), 0),  # an ordinary weekend
        (at(2026, 9, 19, 0), at(2026, 9, 21, 0), 9),  # weekend with make-up Sunday
        (at(2026, 9, 30, 8, 30), at(2026, 10, 9, 8, 30), 18),  # 09-30 and 10-08 only
        (at(2026, 2, 13, 17), at(2026, 2, 24, 9), 10),  # 0.5 + 9 (02-14) + 0.5
        (at(2026, 11, 23, 12), at(2026, 11, 23, 12), 0),
        (at(2026, 11, 23, 12), at(2026, 11, 23, 10), 0),  # end before start
    ],
)
def test_working_time_between(start, end, expected):
    assert CAL.working_time_between(start, end) == hours(expected)


@pytest.mark.parametrize("amount", [0.5, 6, 7, 9, 30, 100])
def test_working_time_between_inverts_add_working_time(amount):
    start = at(2026, 9, 29, 11, 20)  # runs into National Day for the larger amounts
    end = CAL.add_working_time(start, hours(amount))
    assert CAL.working_time_between(start, end) == hours(amount)


# --- next_working_start --------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 27, 18), at(2026, 11, 30, 8, 30)),  # Friday evening -> Monday
        (at(2026, 9, 30, 17, 30), at(2026, 10, 8, 8, 30)),  # closing time before a holiday
        (at(2026, 10, 9, 19), at(2026, 10, 10, 8, 30)),  # Friday -> make-up Saturday
        (at(2026, 11, 24, 6), at(2026, 11, 24, 8, 30)),
        (at(2026, 11, 24, 9), at(2026, 11, 24, 9)),  # already inside working hours
    ],
)
def test_next_working_start(moment, expected):
    assert CAL.next_working_start(moment) == expected


# --- configurable calendars ----------------------------------------------------------


def test_a_calendar_with_a_lunch_break_and_its_own_holidays():
    cal = WorkingCalendar.from_mapping(
        {
            "timezone": "Asia/Shanghai",
            "weekly": {d: [["08:30", "12:00"], ["13:00", "17:30"]] for d in ("mon", "tue")},
            "holidays": ["2026-11-24"],
            "makeup_workdays": ["2026-11-28"],
        }
    )
    # 11:00 + 2 h: one hour before lunch, one after it.
    assert cal.add_working_time(at(2026, 11, 23, 11), hours(2)) == at(2026, 11, 23, 14)
    # Monday 17:00 + 1 h: Tuesday is a holiday and Wednesday-Friday have no hours, so the
    # clock runs on the make-up Saturday, which inherits the Monday hours.
    assert cal.add_working_time(at(2026, 11, 23, 17), hours(1)) == at(2026, 11, 28, 9)
    assert cal.intervals_on(date(2026, 11, 28)) == cal.intervals_on(date(2026, 11, 23))


def test_a_calendar_in_another_time_zone_counts_in_its_own_local_time():
    cal = WorkingCalendar.from_mapping(
        {"timezone": "Europe/Berlin", "weekly": {"mon": [["09:00", "17:00"]]}}
    )
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 11, 23, 16, 0, tzinfo=berlin)
    assert cal.add_working_time(start, hours(2)) == datetime(2026, 11, 30, 10, 0, tzinfo=berlin)


def test_an_interval_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends before it starts"):
        WorkingCalendar.from_mapping({"weekly": {"mon": [["17:30", "08:30"]]}})


def test_a_calendar_without_any_working_time_fails_instead_of_looping():
    cal = WorkingCalendar.from_mapping({"weekly": {}})
    with pytest.raises(ValueError, match="no working time"):
        cal.add_working_time(at(2026, 11, 23, 10), hours(1))
