"""The one date reader (backend/domain/dates.py), every answer computed by hand."""

import re
from datetime import date

import pytest

from backend.domain.dates import DATE_EXPRESSION, format_date, parse_date

MONDAY = date(2026, 11, 23)
WEDNESDAY = date(2026, 11, 25)  # the day of the "3号"
NEW_YEARS_EVE = date(2026, 12, 31)  # a Thursday


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # "3号" is the nearest 3rd not in the past, and today is not in the past
        ("3号", WEDNESDAY, date(2026, 12, 3)),
        ("3号", date(2026, 11, 3), date(2026, 11, 3)),
        ("3号", date(2026, 11, 2), date(2026, 11, 3)),
        ("3号", date(2026, 12, 25), date(2027, 1, 3)),
        ("三号", WEDNESDAY, date(2026, 12, 3)),
        ("28号", MONDAY, date(2026, 11, 28)),
        ("二十号", WEDNESDAY, date(2026, 12, 20)),
        # a month without that day is skipped, not an error
        ("31号", WEDNESDAY, date(2026, 12, 31)),
        ("31号", NEW_YEARS_EVE, date(2026, 12, 31)),
        ("30号", date(2027, 1, 31), date(2027, 3, 30)),
        ("29号", date(2028, 2, 1), date(2028, 2, 29)),
        # month and day: this year unless passed, then next year
        ("12月5号", MONDAY, date(2026, 12, 5)),
        ("1月3日", date(2026, 12, 25), date(2027, 1, 3)),
        ("12月31日", NEW_YEARS_EVE, date(2026, 12, 31)),
        ("11月24日", WEDNESDAY, date(2027, 11, 24)),
        ("2月29日", WEDNESDAY, date(2028, 2, 29)),
        ("十二月三十一号", WEDNESDAY, date(2026, 12, 31)),
        ("12 月 5 日", MONDAY, date(2026, 12, 5)),
        ("12/5", WEDNESDAY, date(2026, 12, 5)),
        ("1/3", date(2026, 12, 25), date(2027, 1, 3)),
        # a full date is what it says, even a past one (the caller refuses it)
        ("2026-12-24", MONDAY, date(2026, 12, 24)),
        ("2026年12月24号", MONDAY, date(2026, 12, 24)),
        ("2026-11-03", WEDNESDAY, date(2026, 11, 3)),
        # today and the days after it
        ("今天", WEDNESDAY, WEDNESDAY),
        ("明天上午", MONDAY, date(2026, 11, 24)),
        ("明日", NEW_YEARS_EVE, date(2027, 1, 1)),
        ("后天", NEW_YEARS_EVE, date(2027, 1, 2)),
        ("大后天都行", date(2026, 2, 27), date(2026, 3, 2)),
        # weekdays: the week starts on Monday
        ("周三", WEDNESDAY, WEDNESDAY),
        ("周二", WEDNESDAY, date(2026, 12, 1)),
        ("周一", MONDAY, MONDAY),
        ("这周五", MONDAY, date(2026, 11, 27)),
        ("这周一", WEDNESDAY, MONDAY),
        ("本周日", WEDNESDAY, date(2026, 11, 29)),
        ("下周三下午", MONDAY, date(2026, 12, 2)),
        ("下个礼拜天", WEDNESDAY, date(2026, 12, 6)),
        ("下下周日", WEDNESDAY, date(2026, 12, 13)),
        ("星期四", NEW_YEARS_EVE, NEW_YEARS_EVE),
        ("下周五", NEW_YEARS_EVE, date(2027, 1, 8)),
        # the first date said counts
        ("下周三，不行就明天", MONDAY, date(2026, 12, 2)),
        ("地址朝阳区建国路88号，3号上门", WEDNESDAY, date(2026, 12, 3)),
        # no date, or no real one
        ("2月30日", MONDAY, None),
        ("13月5日", MONDAY, None),
        ("32号", MONDAY, None),
        ("0号", MONDAY, None),
        ("随便哪天", MONDAY, None),
        # house numbers, buildings, lines and codes are not days
        ("朝阳区建国路88号", WEDNESDAY, None),
        ("海淀区中关村大街1号", WEDNESDAY, None),
        ("3号楼", WEDNESDAY, None),
        ("坐一号线过来", WEDNESDAY, None),
        ("型号XQG100-B14/5", WEDNESDAY, None),
    ],
)
def test_parse_date(text, today, expected):
    assert parse_date(text, today) == expected


def test_format_date_names_the_weekday():
    assert format_date(date(2026, 12, 3)) == "2026年12月3日（周四）"
    assert format_date(date(2026, 11, 29)) == "2026年11月29日（周日）"


@pytest.mark.parametrize("text", ["明天", "下个星期三", "十二月五日", "2026-12-05", "12/5", "3号"])
def test_date_expression_is_the_same_grammar(text):
    assert re.fullmatch(DATE_EXPRESSION, text)
    assert parse_date(text, WEDNESDAY) is not None


def test_date_expression_leaves_house_numbers_alone():
    assert re.search(DATE_EXPRESSION, "建国路88号3号楼") is None
