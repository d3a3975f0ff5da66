"""The numbers a service manager reviews (SPEC section 8), as plain functions over the store.

A report covers a half-open range [start, end) of aware datetimes; a month is taken in the
working calendar's local time zone, so "2026-10" means Shanghai's October, not UTC's.

Which records belong to a range (one rule per figure, so a ticket is counted once):
- ticket counts, times, complaints: tickets *registered* in the range;
- SLA hit rate: clocks *started* in the range (the fix clock starts on arrival);
- satisfaction, response rate, warranty revisits: tickets *resolved* in the range.
Statuses and running clocks are read as they are when the report is made.

Every piece is a function of a synchronous session and a `Period`; `range_report` and
`monthly_report` run them in one read-only unit of work (`Database.read`), so all pieces
see the same snapshot and a report never takes SQLite's write lock. The result is plain
JSON.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from backend.domain import sla
from backend.domain import survey as survey_rules
from backend.domain.errors import ValidationFailed
from backend.domain.kinds import ServiceCategory, TicketKind
from backend.domain.periods import parse_month
from backend.services.desk import Desk
from backend.store.tables import ReportSnapshot, SlaClock, Staff, Survey, Ticket

UNSPECIFIED = "unspecified"  # the key for a missing region, category, cause or department
TREND_MONTHS = 3  # the satisfaction trend inside a monthly report
TREND_YEAR = 12  # the trend the reports page charts
CLOCKS = (sla.ON_SITE, sla.FIX, sla.ACK, sla.CLOSE)
# A survey counts as asked once it has gone out; a merely scheduled one has not.
ASKED = ("sent", "answered", "expired")
# Warranty revisits concern the visits a technician makes, not complaints.
VISIT_KINDS = (TicketKind.REPAIR.value, TicketKind.MAINTENANCE.value)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    def contains(self, column) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


# --- periods ---------------------------------------------------------------------------


def month_period(month: str, tz) -> Period:
    """'2026-10' -> [2026-10-01 00:00, 2026-11-01 00:00) in the zone `tz`."""
    year, number = _parse_month(month)
    start = datetime(year, number, 1, tzinfo=tz)
    next_year, next_number = (year + 1, 1) if number == 12 else (year, number + 1)
    return Period(start, datetime(next_year, next_number, 1, tzinfo=tz))


def previous_months(month: str, count: int) -> list[str]:
    """The `count` months before `month`, oldest first."""
    year, number = _parse_month(month)
    index = year * 12 + number - 1
    return [_month_name(i // 12, i % 12 + 1) for i in range(index - count, index)]


def _parse_month(month: str) -> tuple[int, int]:
    first = parse_month(month)  # the same YYYY-MM rule as the API and the CLI
    return first.year, first.month


def _month_name(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# --- small arithmetic ------------------------------------------------------------------


def _ratio(part: int, whole: int) -> float | None:
    """A share in [0, 1], or None when there is nothing to divide (not a fake 0%)."""
    return round(part / whole, 4) if whole else None


def _average_hours(spans: Iterable[timedelta]) -> float | None:
    spans = list(spans)
    if not spans:
        return None
    return round(sum(s.total_seconds() for s in spans) / len(spans) / 3600, 2)


def _key(value: str | None) -> str:
    return value if value else UNSPECIFIED


def _tally(rows: Iterable[tuple[str | None, int]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for value, count in rows:
        counts[_key(value)] += count
    return dict(sorted(counts.items()))


# --- tickets ---------------------------------------------------------------------------


def _count_by(session: Session, period: Period, column) -> dict[str, int]:
    query = (
        select(column, func.count(Ticket.id))
        .where(period.contains(Ticket.registered_at))
        .group_by(column)
    )
    return _tally(session.execute(query).all())


def tickets_by_technician(session: Session, period: Period) -> list[dict]:
    """Tickets per assigned technician, busiest first; unassigned ones under id None."""
    query = (
        select(Ticket.technician_id, Staff.name, func.count(Ticket.id))
        .outerjoin(Staff, Staff.id == Ticket.technician_id)
        .where(period.contains(Ticket.registered_at))
        .group_by(Ticket.technician_id, Staff.name)
    )
    rows = [
        {"technician_id": tech_id, "name": name, "tickets": count}
        for tech_id, name, count in session.execute(query).all()
    ]
    return sorted(rows, key=lambda r: (-r["tickets"], r["technician_id"] or 0))


def ticket_counts(session: Session, period: Period) -> dict[str, Any]:
    """Tickets registered in the period: by kind, category, region, technician, status."""
    by_status = _count_by(session, period, Ticket.status)
    closed = by_status.get("closed", 0)
    cancelled = by_status.get("cancelled", 0)
    total = sum(by_status.values())
    return {
        "total": total,
        "open": total - closed - cancelled,
        "closed": closed,
        "cancelled": cancelled,
        "by_kind": _count_by(session, period, Ticket.kind),
        "by_category": _count_by(session, period, Ticket.category),
        "by_region": _count_by(session, period, Ticket.region),
        "by_technician": tickets_by_technician(session, period),
    }


def service_times(session: Session, period: Period) -> dict[str, Any]:
    """Average elapsed hours from registration to arrival on site and to resolution."""
    query = select(Ticket.registered_at, Ticket.on_site_at, Ticket.resolved_at).where(
        period.contains(Ticket.registered_at)
    )
    rows = session.execute(query).all()
    to_site = [on_site - registered for registered, on_site, _ in rows if on_site]
    to_resolution = [resolved - registered for registered, _, resolved in rows if resolved]
    return {
        "avg_hours_to_site": _average_hours(to_site),
        "reached_site": len(to_site),
        "avg_hours_to_resolution": _average_hours(to_resolution),
        "resolved": len(to_resolution),
    }


# --- SLA clocks ------------------------------------------------------------------------


def clock_outcome(
    due_at: datetime,
    stopped_at: datetime | None,
    exempt: bool,
    ticket_status: str,
    now: datetime,
) -> str | None:
    """'hit', 'missed', or None when the clock does not count (yet).

    A cancelled ticket owes no service, so its clock counts only if the deadline had
    already passed before the cancellation (otherwise cancelling would hide a miss).
    """
    if exempt:
        return None
    if stopped_at is None:
        return "missed" if now > due_at else None
    if stopped_at > due_at:
        return "missed"
    if ticket_status == "cancelled":
        return None
    return "hit"


def sla_hit_rates(session: Session, period: Period, now: datetime) -> dict:
    """Per clock: deadlines met, missed, and the hit rate among the two."""
    query = (
        select(SlaClock.clock, SlaClock.due_at, SlaClock.stopped_at, SlaClock.exempt, Ticket.status)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(period.contains(SlaClock.started_at))
    )
    tally: dict[str, Counter[str]] = {name: Counter() for name in CLOCKS}
    for name, due_at, stopped_at, exempt, status in session.execute(query).all():
        outcome = clock_outcome(due_at, stopped_at, exempt, status, now)
        if outcome is not None:
            tally.setdefault(name, Counter())[outcome] += 1
    return {
        name: {
            "hit": counts["hit"],
            "missed": counts["missed"],
            "hit_rate": _ratio(counts["hit"], counts["hit"] + counts["missed"]),
        }
        for name, counts in tally.items()
    }


# --- complaints ------------------------------------------------------------------------


def _shares(counts: dict[str, int]) -> dict[str, dict[str, Any]]:
    whole = sum(counts.values())
    return {key: {"count": n, "share": _ratio(n, whole)} for key, n in counts.items()}


def complaint_breakdown(session: Session, period: Period) -> dict[str, Any]:
    """Complaints registered in the period by cause and by responsible department."""

    def by(column) -> dict[str, int]:
        query = (
            select(column, func.count(Ticket.id))
            .where(Ticket.kind == TicketKind.COMPLAINT.value)
            .where(period.contains(Ticket.registered_at))
            .group_by(column)
        )
        return _tally(session.execute(query).all())

    by_cause = by(Ticket.cause)
    return {
        "total": sum(by_cause.values()),
        "by_cause": _shares(by_cause),
        "by_department": _shares(by(Ticket.responsible_dept)),
    }


# --- satisfaction ----------------------------------------------------------------------


@dataclass(frozen=True)
class _SurveyRow:
    technician_id: int | None
    technician: str | None
    region: str | None
    status: str
    answers: dict[str, str] | None  # the four answers, when all were given


def _answers(survey: Survey) -> dict[str, str] | None:
    given = {key: getattr(survey, key) for key, _ in survey_rules.QUESTIONS}
    return given if all(given.values()) else None


def _survey_rows(session: Session, period: Period) -> list[_SurveyRow]:
    """Satisfaction surveys (not complaint acceptance) of tickets resolved in the period."""
    query = (
        select(Survey, Staff.name)
        .join(Ticket, Ticket.id == Survey.ticket_id)
        .outerjoin(Staff, Staff.id == Survey.technician_id)
        .where(Survey.kind == "satisfaction")
        .where(period.contains(Ticket.resolved_at))
    )
    return [
        _SurveyRow(s.technician_id, name, s.region, s.status, _answers(s))
        for s, name in session.execute(query).all()
    ]


def survey_figures(rows: Sequence[_SurveyRow]) -> dict[str, Any]:
    """Satisfaction index (0-100) of the answered surveys and the response rate."""
    answered = [r.answers for r in rows if r.status == "answered" and r.answers]
    asked = sum(1 for r in rows if r.status in ASKED)
    return {
        "satisfaction_index": survey_rules.satisfaction_index(answered),
        "answered": len(answered),
        "asked": asked,
        "response_rate": _ratio(len(answered), asked),
    }


def _by_technician(rows: Sequence[_SurveyRow]) -> list[dict[str, Any]]:
    groups: dict[tuple[int | None, str | None], list[_SurveyRow]] = defaultdict(list)
    for row in rows:
        groups[(row.technician_id, row.technician)].append(row)
    ordered = sorted(groups.items(), key=lambda item: item[0][0] or 0)
    return [
        {"technician_id": tech_id, "name": name, **survey_figures(group)}
        for (tech_id, name), group in ordered
    ]


def _by_region(rows: Sequence[_SurveyRow]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[_SurveyRow]] = defaultdict(list)
    for row in rows:
        groups[_key(row.region)].append(row)
    return {region: survey_figures(group) for region, group in sorted(groups.items())}


def satisfaction(session: Session, period: Period) -> dict[str, Any]:
    """Satisfaction index and response rate overall, per technician and per region."""
    rows = _survey_rows(session, period)
    return {
        "overall": survey_figures(rows),
        "by_technician": _by_technician(rows),
        "by_region": _by_region(rows),
    }


def warranty_revisit_rate(session: Session, period: Period) -> dict[str, Any]:
    """Share of in-warranty (free) visits resolved in the period with an answered survey."""
    answered = (
        select(Survey.id)
        .where(Survey.ticket_id == Ticket.id)
        .where(Survey.status == "answered")
        .exists()
    )
    query = (
        # COUNT(CASE ...) rather than FILTER: the same SQL on every backend.
        select(func.count(Ticket.id), func.count(case((answered, Ticket.id))))
        .where(Ticket.category == ServiceCategory.FREE.value)
        .where(Ticket.kind.in_(VISIT_KINDS))
        .where(period.contains(Ticket.resolved_at))
    )
    resolved, revisited = session.execute(query).one()
    return {"resolved": resolved, "revisited": revisited, "rate": _ratio(revisited, resolved)}


# --- whole reports ---------------------------------------------------------------------


def _figures(session: Session, period: Period, now: datetime) -> dict[str, Any]:
    return {
        "period": period.as_dict(),
        "tickets": ticket_counts(session, period),
        "times": service_times(session, period),
        "sla": sla_hit_rates(session, period, now),
        "complaints": complaint_breakdown(session, period),
        "satisfaction": satisfaction(session, period),
        "warranty_revisit": warranty_revisit_rate(session, period),
    }


async def range_report(desk: Desk, start: datetime, end: datetime) -> dict[str, Any]:
    """On demand: every figure for [start, end), from one read-only snapshot."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("a report range needs time-zone-aware datetimes")
    if end <= start:
        raise ValidationFailed("a report range must end after it starts")
    now = desk.now()
    figures = await desk.db.read(_figures, Period(start, end), now)
    return {"generated_at": now.isoformat(), **figures}


def satisfaction_trend(
    session: Session, month: str, tz, months: int = TREND_MONTHS
) -> list[dict[str, Any]]:
    """The satisfaction figures of the `months` months before `month`, oldest first."""
    return [
        {"month": earlier, **satisfaction(session, month_period(earlier, tz))}
        for earlier in previous_months(month, months)
    ]


def canonical_month(month: str) -> str:
    """' 2026-10' -> '2026-10' (the YYYY-MM rule of the API and the CLI)."""
    return _month_name(*_parse_month(month))


def month_before(moment: datetime, tz) -> str:
    """The month before the one `moment` falls in, in the zone `tz`."""
    local = moment.astimezone(tz)
    return previous_months(_month_name(local.year, local.month), 1)[0]


def snapshot_of(session: Session, month: str) -> ReportSnapshot | None:
    stmt = select(ReportSnapshot).where(ReportSnapshot.month == month)
    return session.execute(stmt).scalar_one_or_none()


def compute_monthly(session: Session, month: str, now: datetime, tz) -> dict[str, Any]:
    """The monthly report of `month` as the store stands now (no snapshot consulted)."""
    return {
        "month": month,
        "timezone": tz.key,
        "generated_at": now.isoformat(),
        **_figures(session, month_period(month, tz), now),
        "satisfaction_trend": satisfaction_trend(session, month, tz),
    }


def _monthly(session: Session, month: str, now: datetime, tz) -> dict[str, Any]:
    """A frozen month is served as it was frozen; any other is computed now."""
    frozen = snapshot_of(session, month)
    if frozen is not None:
        return {**frozen.body, "frozen_at": frozen.frozen_at.astimezone(tz).isoformat()}
    return {**compute_monthly(session, month, now, tz), "frozen_at": None}


async def monthly_report(desk: Desk, month: str) -> dict[str, Any]:
    """The monthly report for 'YYYY-MM' in local time, with a satisfaction trend; the
    stored snapshot once the month has been frozen (`frozen_at` says when)."""
    return await desk.db.read(_monthly, canonical_month(month), desk.now(), desk.calendar.tz)


# --- the 12-month trend ----------------------------------------------------------------


def trend_point(report: dict[str, Any]) -> dict[str, Any]:
    """The figures a month contributes to the trend, read from its monthly report (so a
    frozen month shows in the trend exactly as in its snapshot)."""
    overall = report["satisfaction"]["overall"]
    return {
        "month": report["month"],
        "frozen": report.get("frozen_at") is not None,
        "sla_hit_rate": {name: clock["hit_rate"] for name, clock in report["sla"].items()},
        "satisfaction_index": overall["satisfaction_index"],
        "response_rate": overall["response_rate"],
        "warranty_revisit_rate": report["warranty_revisit"]["rate"],
        "complaints": report["complaints"]["total"],
        "complaints_by_cause": {
            cause: share["count"] for cause, share in report["complaints"]["by_cause"].items()
        },
    }


def _trend(session: Session, month: str, now: datetime, tz, months: int) -> list[dict]:
    names = [*previous_months(month, months - 1), month]
    return [trend_point(_monthly(session, name, now, tz)) for name in names]


async def monthly_trend(desk: Desk, month: str, months: int = TREND_YEAR) -> dict[str, Any]:
    """The `months` months up to and including `month`, oldest first, from one snapshot
    of the store (frozen months from their snapshots)."""
    month = canonical_month(month)
    now, tz = desk.now(), desk.calendar.tz
    points = await desk.db.read(_trend, month, now, tz, months)
    return {"month": month, "timezone": tz.key, "generated_at": now.isoformat(), "months": points}
