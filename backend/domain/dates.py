"""Understanding the dates customers type: 明天, 后天, 下周三, 12月5号, 2026-12-05."""

from __future__ import annotations

import re
from datetime import date, timedelta

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_RELATIVE = {"今天": 0, "明天": 1, "后天": 2, "大后天": 3}
_ISO = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_WEEK = re.compile(r"(下下|下|这|本)?\s*(?:周|星期|礼拜)([一二三四五六日天])")
_DAY_ONLY = re.compile(r"(?<![\d月])(\d{1,2})\s*[号日]")


def parse_date(text: str, today: date) -> date | None:
    """The first date `text` names, never in the past; None when it names none."""
    for word in sorted(_RELATIVE, key=len, reverse=True):
        if word in text:
            return today + timedelta(days=_RELATIVE[word])
    if m := _ISO.search(text):
        return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _MONTH_DAY.search(text):
        month, day = int(m.group(1)), int(m.group(2))
        year = today.year + (1 if (month, day) < (today.month, today.day) else 0)
        return _valid(year, month, day)
    if m := _WEEK.search(text):
        return _weekday(today, m.group(1) or "", _WEEKDAYS[m.group(2)])
    if m := _DAY_ONLY.search(text):
        day = int(m.group(1))
        month, year = today.month, today.year
        if day < today.day:
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        return _valid(year, month, day)
    return None


def _weekday(today: date, prefix: str, weekday: int) -> date:
    start_of_week = today - timedelta(days=today.weekday())
    weeks = {"下": 1, "下下": 2}.get(prefix, 0)
    target = start_of_week + timedelta(weeks=weeks, days=weekday)
    if target < today:
        target += timedelta(weeks=1)
    return target


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
