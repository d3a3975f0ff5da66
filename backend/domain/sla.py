"""Service-level clocks (SPEC section 4), computed on a working calendar.

Every number is a default of `SlaPolicy`; a deployment overrides them from a file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from backend.domain.calendar import WorkingCalendar
from backend.domain.kinds import RegionClass, TicketKind

# Clock names, stored with each deadline and used by reports.
ON_SITE = "on_site"
FIX = "fix"
ACK = "ack"
CLOSE = "close"
CLOCKS = (ON_SITE, FIX, ACK, CLOSE)


@dataclass(frozen=True)
class ClockRule:
    hours: float
    working: bool  # True: counts only working hours of the calendar

    @property
    def amount(self) -> timedelta:
        return timedelta(hours=self.hours)


def _default_on_site() -> dict[RegionClass, ClockRule]:
    return {
        RegionClass.CITY: ClockRule(6, working=True),
        RegionClass.SUBURB: ClockRule(7, working=True),
        RegionClass.REMOTE: ClockRule(24, working=False),
    }


@dataclass(frozen=True)
class SlaPolicy:
    on_site: Mapping[RegionClass, ClockRule] = field(default_factory=_default_on_site)
    fix: ClockRule = ClockRule(4, working=False)
    complaint_ack: ClockRule = ClockRule(24, working=False)
    complaint_close_domestic: ClockRule = ClockRule(13 * 24, working=False)
    complaint_close_abroad: ClockRule = ClockRule(17 * 24, working=False)
    warn_ratio: float = 0.8

    @classmethod
    def from_mapping(cls, data: Mapping) -> SlaPolicy:
        """Override defaults, e.g. {"warn_ratio": 0.75, "on_site": {"city": {"hours": 4}}}."""
        # A misspelt key would otherwise leave a default silently in force.
        _refuse_unknown(data, _POLICY_KEYS, "SLA policy")
        policy = cls()
        on_site = dict(policy.on_site)
        for region, rule in _mapping(data.get("on_site", {}), "on_site").items():
            try:
                region_class = RegionClass(region)
            except ValueError:
                raise ValueError(f"unknown region class in on_site: {region!r}") from None
            on_site[region_class] = _rule(on_site[region_class], rule)
        changes: dict = {"on_site": on_site}
        for name in ("fix", "complaint_ack", "complaint_close_domestic", "complaint_close_abroad"):
            if name in data:
                changes[name] = _rule(getattr(policy, name), data[name])
        if "warn_ratio" in data:
            ratio = float(data["warn_ratio"])
            if not 0 < ratio <= 1:
                raise ValueError("warn_ratio must be in (0, 1]")
            changes["warn_ratio"] = ratio
        return replace(policy, **changes)

    @classmethod
    def load(cls, path: str | Path | None) -> SlaPolicy:
        if path is None:
            return cls()
        return cls.from_mapping(json.loads(Path(path).read_text("utf-8")))


_POLICY_KEYS = frozenset(
    {
        "on_site",
        "fix",
        "complaint_ack",
        "complaint_close_domestic",
        "complaint_close_abroad",
        "warn_ratio",
    }
)
_RULE_KEYS = frozenset({"hours", "working"})


def _refuse_unknown(data: Mapping, known: frozenset[str], what: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} keys: {', '.join(map(str, unknown))}")


def _mapping(value: object, name: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping, got {value!r}")
    return value


def _rule(base: ClockRule, data: Mapping) -> ClockRule:
    data = _mapping(data, "a clock rule")
    _refuse_unknown(data, _RULE_KEYS, "clock rule")
    hours = float(data.get("hours", base.hours))
    # NaN and infinity pass a "> 0" test but make no deadline.
    if not math.isfinite(hours) or hours <= 0:
        raise ValueError("a clock needs a positive, finite number of hours")
    working = data.get("working", base.working)
    # bool("false") is True: only real booleans say whether a clock counts working hours.
    if not isinstance(working, bool):
        raise ValueError(f"'working' must be true or false, got {working!r}")
    return ClockRule(hours, working)


@dataclass(frozen=True)
class Deadline:
    clock: str
    started_at: datetime
    warn_at: datetime
    due_at: datetime


def deadline(
    clock: str, rule: ClockRule, start: datetime, calendar: WorkingCalendar, warn_ratio: float
) -> Deadline:
    if rule.working:
        due = calendar.add_working_time(start, rule.amount)
        warn = calendar.add_working_time(start, rule.amount * warn_ratio)
    else:
        due = start + rule.amount
        warn = start + rule.amount * warn_ratio
    return Deadline(clock, start, warn, due)


def registration_deadlines(
    kind: TicketKind,
    registered_at: datetime,
    policy: SlaPolicy,
    calendar: WorkingCalendar,
    *,
    region_class: RegionClass = RegionClass.CITY,
    abroad: bool = False,
) -> list[Deadline]:
    """The clocks that start when a ticket is registered."""
    r = policy.warn_ratio
    if kind is TicketKind.REPAIR:
        return [deadline(ON_SITE, policy.on_site[region_class], registered_at, calendar, r)]
    if kind is TicketKind.COMPLAINT:
        close = policy.complaint_close_abroad if abroad else policy.complaint_close_domestic
        return [
            deadline(ACK, policy.complaint_ack, registered_at, calendar, r),
            deadline(CLOSE, close, registered_at, calendar, r),
        ]
    return []  # maintenance is booked for a date; its reminder is the day before


def arrival_deadline(
    arrived_at: datetime, policy: SlaPolicy, calendar: WorkingCalendar
) -> Deadline:
    """The fix clock starts when the technician arrives (major faults are excepted)."""
    return deadline(FIX, policy.fix, arrived_at, calendar, policy.warn_ratio)


# Which status change stops which clock.
CLOCK_STOPPED_BY: Mapping[str, frozenset[str]] = {
    ON_SITE: frozenset({"on_site"}),
    FIX: frozenset({"resolved", "taken_back"}),
    ACK: frozenset({"acknowledged", "investigating", "resolved"}),
    CLOSE: frozenset({"closed"}),
}
