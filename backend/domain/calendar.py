"""A working calendar: weekly hours, public holidays and make-up working days.

Clocks that run "in working hours" (SPEC section 4) add time only inside the working
intervals of working days, in the calendar's local time zone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar with no working time at all would make a working-hour clock loop forever.
_MAX_DAYS = 3 * 366

Interval = tuple[time, time]


def _interval(pair: Sequence[str]) -> Interval:
    start, end = (time.fromisoformat(p) for p in pair)
    if end <= start:
        raise ValueError(f"working interval ends before it starts: {pair}")
    return start, end


@dataclass(frozen=True)
class WorkingCalendar:
    weekly: Mapping[int, tuple[Interval, ...]]  # weekday() -> intervals
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    makeup_hours: tuple[Interval, ...] = ()
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    @classmethod
    def from_mapping(cls, data: Mapping) -> WorkingCalendar:
        weekly_raw = data.get("weekly", {})
        weekly = {
            i: tuple(_interval(p) for p in weekly_raw.get(name, [])) for i, name in enumerate(_DAYS)
        }
        default_day = next((v for v in weekly.values() if v), ())
        makeup_raw = data.get("makeup_day_hours")
        makeup = tuple(_interval(p) for p in makeup_raw) if makeup_raw else default_day
        return cls(
            weekly=weekly,
            holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays", [])),
            makeup_workdays=frozenset(
                date.fromisoformat(d) for d in data.get("makeup_workdays", [])
            ),
            makeup_hours=makeup,
            tz=ZoneInfo(data.get("timezone", "Asia/Shanghai")),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> WorkingCalendar:
        """Load a calendar file; without a path, the shipped 2026 mainland China calendar."""
        if path is None:
            shipped = resources.files("backend.domain.data").joinpath("cn_2026.json")
            text = shipped.read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return cls.from_mapping(json.loads(text))

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        if day in self.makeup_workdays:
            return self.makeup_hours
        if day in self.holidays:
            return ()
        return self.weekly.get(day.weekday(), ())

    def is_working_day(self, day: date) -> bool:
        return bool(self.intervals_on(day))

    def first_working_day(self, year: int, month: int) -> date:
        """The month's first working day (a month with none at all: its 1st)."""
        first = date(year, month, 1)
        day = first
        while day.month == month:
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return first

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("calendar arithmetic needs time-zone-aware datetimes")
        return moment.astimezone(self.tz)

    def _spans_from(self, start: datetime) -> Iterable[tuple[datetime, datetime]]:
        """Working spans (local, aware) from `start` onwards, in order."""
        day = start.date()
        for _ in range(_MAX_DAYS):
            for a, b in self.intervals_on(day):
                span_start = datetime.combine(day, a, self.tz)
                span_end = datetime.combine(day, b, self.tz)
                if span_end <= start:
                    continue
                yield max(span_start, start), span_end
            day += timedelta(days=1)
        raise ValueError("the working calendar has no working time in the next three years")

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of working time has passed since `start`."""
        local = self._local(start)
        remaining = amount
        if remaining <= timedelta(0):
            return start
        for span_start, span_end in self._spans_from(local):
            length = span_end - span_start
            if remaining <= length:
                return (span_start + remaining).astimezone(start.tzinfo)
            remaining -= length
        raise AssertionError("unreachable")  # _spans_from raises first

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        a, b = self._local(start), self._local(end)
        if b <= a:
            return timedelta(0)
        total = timedelta(0)
        for span_start, span_end in self._spans_from(a):
            if span_start >= b:
                break
            total += min(span_end, b) - span_start
        return total

    def next_working_start(self, moment: datetime) -> datetime:
        """The start of the next working span at or after `moment` (for morning queues)."""
        span_start, _ = next(iter(self._spans_from(self._local(moment))))
        return span_start.astimezone(moment.tzinfo)
