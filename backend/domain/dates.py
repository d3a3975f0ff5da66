"""The one reader of the dates customers say or type, for every channel (chat, hotline):
明天, 大后天, 下周三, 这个星期五, 12月5号, 十二月五日, 3号, 12/5, 2026-12-05.

The rule for a date that leaves something out (the month in 3号, the year in 12月5日 or
12/5, the week in 周三) is "the nearest such date not in the past", and today is not in
the past: on 2026-11-25 "3号" is 2026-12-03, on 2026-11-03 it is 2026-11-03 itself. Today
counts because moving a "3号" said on the 3rd a month ahead would book a day nobody asked
for without a word, while today itself lets the caller say what it thinks of today (the
chat refuses bookings for today or earlier and tells the customer so).

A date said in full (2026-11-03, 今天, 这周一, 本周三) is returned as said even when it
has passed, for the same reason: the customer named that day, so the caller tells them it
is gone instead of quietly picking another one.

The first date expression in the text counts ("下周三，不行就明天" is next Wednesday); when
it names no real day (2月30日) the answer is None, not a later expression's day. House
numbers are not days: 建国路88号, 3号楼, 一号线, 1号院.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NAMES = "一二三四五六日"
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_WEEK_OFFSET = {"下下": 2, "下": 1}  # weeks ahead; 这/本 and no prefix: this week

_NUM = r"\d{1,2}|[一二三四五六七八九十]{1,3}"  # 3, 12, 三, 十二, 二十一
# A day number right after a road, a house number or a letter is part of an address or a
# code (建国路88号, B14号), and one right before 楼/院/线/单元… names a building, a line or
# a machine (3号楼, 一号线, 5号机), never a day.
_NOT_BEFORE_DAY = r"(?<![\dA-Za-z一二三四五六七八九十路街道巷弄胡同村里区楼栋幢座])"
_NOT_AFTER_DAY = r"(?![楼院线门机店单栋幢座室房层])"

# Alternatives in one pattern, so that the expression that comes first in the text wins
# and, at one position, the longest reading (2026年12月5日 over 12月5日 over 5日).
_SOURCE = "|".join(
    (
        r"(?P<rel>大后天|后天|明天|明日|今天|今日)",
        r"(?<![\dA-Za-z])(?P<year>\d{4})[-/.年](?P<iso_month>\d{1,2})[-/.月](?P<iso_day>\d{1,2})"
        r"(?!\d)[日号]?",
        rf"(?<!\d)(?P<month>{_NUM})月(?P<month_day>{_NUM})(?:日|号)?",
        r"(?<![\dA-Za-z/\-])(?P<slash_month>\d{1,2})/(?P<slash_day>\d{1,2})(?![\d/])",
        r"(?P<week>下下个?|下个?|这个?|本)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])",
        rf"{_NOT_BEFORE_DAY}(?P<day>{_NUM})[号日]{_NOT_AFTER_DAY}",
    )
)
_DATE = re.compile(_SOURCE)

# The same grammar without its groups, for code that only asks whether (or where) a text
# names a date, e.g. inside a larger pattern ("明天上午十点"); there is one grammar.
DATE_EXPRESSION = re.sub(r"\(\?P<\w+>", "(?:", _SOURCE)


def parse_date(text: str, today: date) -> date | None:
    """The day the first date expression in `text` names, read against `today` (the rules
    are in the module docstring); None when the text names no date or an impossible one."""
    m = _DATE.search(re.sub(r"\s+", "", text))
    if m is None:
        return None
    g = m.groupdict()
    if g["rel"]:
        return today + timedelta(days=_RELATIVE[g["rel"]])
    if g["year"]:
        return _real(int(g["year"]), int(g["iso_month"]), int(g["iso_day"]))
    if g["month"]:
        return _next_month_day(today, _number(g["month"]), _number(g["month_day"]))
    if g["slash_month"]:
        return _next_month_day(today, int(g["slash_month"]), int(g["slash_day"]))
    if g["weekday"]:
        return _weekday(today, g["week"], _WEEKDAYS[g["weekday"]])
    return _next_day_of_month(today, _number(g["day"]))


def format_date(d: date) -> str:
    """A day as customers read it: 2026年12月3日（周四）."""
    return f"{d.year}年{d.month}月{d.day}日（周{_WEEKDAY_NAMES[d.weekday()]}）"


def _weekday(today: date, prefix: str | None, weekday: int) -> date:
    monday = today - timedelta(days=today.weekday())
    if prefix is None:  # 周三: the nearest Wednesday from today on
        target = monday + timedelta(days=weekday)
        return target if target >= today else target + timedelta(weeks=1)
    weeks = _WEEK_OFFSET.get(prefix.removesuffix("个"), 0)  # 这周一 stays this week's
    return monday + timedelta(weeks=weeks, days=weekday)


def _next_month_day(today: date, month: int | None, day: int | None) -> date | None:
    """The nearest `month`/`day` from today on; 2月29日 waits for the next leap year."""
    if not month or not day or _real(2000, month, day) is None:  # 2000: a leap year
        return None
    year = today.year
    while (found := _real(year, month, day)) is None or found < today:
        year += 1
    return found


def _next_day_of_month(today: date, day: int | None) -> date | None:
    """The nearest day `day` of a month from today on: 31号 on 11-25 is 12-31."""
    if not day or day > 31:
        return None
    year, month = today.year, today.month
    while (found := _real(year, month, day)) is None or found < today:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _number(text: str) -> int | None:
    """3, 12, 三, 十, 十二, 二十, 三十一; None for what is no such number (一二)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _DIGITS.get(text)
    tens, _, ones = text.partition("十")
    high = _DIGITS.get(tens) if tens else 1
    low = _DIGITS.get(ones) if ones else 0
    return None if high is None or low is None else high * 10 + low


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
