"""Reports (SPEC section 8) on a small seeded data set with hand-computed figures.

The report month is October 2026 in Shanghai time; the desk clock stands at
2026-11-01 12:00 local, so a clock still running is "missed" if it was due before then
and left out if it is due later. Rows named X* lie outside October by registration but
inside it by resolution (or the other way round), and sit right on the month edges
where local time and UTC disagree.
"""

import json
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from backend.domain.errors import ValidationFailed
from backend.services.reports import (
    clock_outcome,
    month_period,
    monthly_report,
    previous_months,
    range_report,
)
from backend.store.tables import SlaClock, Staff, Survey, Ticket

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=SH)
V, S, N, D = "very_satisfied", "satisfied", "neutral", "dissatisfied"
CHAOYANG, HAIDIAN = "朝阳", "海淀"


def t(month, day, hour=0, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


class Seeder:
    """Adds ORM rows with only the columns a report reads."""

    def __init__(self, session):
        self.session = session
        self.serial = count(1)

    def staff(self, name):
        person = Staff(username=f"tech{next(self.serial)}", name=name, role="technician")
        self.session.add(person)
        self.session.flush()
        return person

    def ticket(self, kind, status, registered, **columns):
        letter = {"repair": "R", "complaint": "C", "maintenance": "M"}[kind]
        ticket = Ticket(
            number=f"{letter}2610-{next(self.serial):04d}",
            kind=kind,
            status=status,
            channel="api",
            registered_at=registered,
            updated_at=registered,
            **columns,
        )
        self.session.add(ticket)
        self.session.flush()
        return ticket

    def clock(self, ticket, name, started, due, stopped=None, exempt=False):
        self.session.add(
            SlaClock(
                ticket_id=ticket.id,
                clock=name,
                started_at=started,
                warn_at=started,
                due_at=due,
                stopped_at=stopped,
                exempt=exempt,
            )
        )

    def survey(self, ticket, status, technician, region, levels=None, kind="satisfaction"):
        attitude, skill, punctuality, promise = levels or (None,) * 4
        self.session.add(
            Survey(
                ticket_id=ticket.id,
                kind=kind,
                status=status,
                technician_id=technician.id if technician else None,
                region=region,
                due_at=ticket.resolved_at + timedelta(hours=2),
                attitude=attitude,
                skill=skill,
                punctuality=punctuality,
                promise=promise,
            )
        )


async def seed(db):
    return await db.write(_seed)


def _seed(session):
    s = Seeder(session)
    wang, li = s.staff("王师傅"), s.staff("李师傅")

    # --- registered in October ------------------------------------------------
    # R1: the first minute of October local time (30 Sep 16:00 UTC).
    r1 = s.ticket(
        "repair", "closed", t(10, 1, 0), region=CHAOYANG, category="free",
        technician_id=wang.id, on_site_at=t(10, 1, 6), resolved_at=t(10, 1, 8),
    )  # fmt: skip
    s.clock(r1, "on_site", t(10, 1, 0), t(10, 8, 14, 30), stopped=t(10, 1, 6))  # hit
    s.clock(r1, "fix", t(10, 1, 6), t(10, 1, 10), stopped=t(10, 1, 8))  # hit
    s.survey(r1, "answered", wang, CHAOYANG, (V, V, V, V))  # 100

    r2 = s.ticket(
        "repair", "resolved", t(10, 12, 9), region=HAIDIAN, category="paid",
        technician_id=li.id, on_site_at=t(10, 12, 13), resolved_at=t(10, 13, 9),
    )  # fmt: skip
    s.clock(r2, "on_site", t(10, 12, 9), t(10, 12, 15), stopped=t(10, 12, 13))  # hit
    s.clock(r2, "fix", t(10, 12, 13), t(10, 12, 17), stopped=t(10, 13, 9))  # missed
    s.survey(r2, "answered", li, HAIDIAN, (V, S, N, D))  # 60

    r3 = s.ticket(
        "repair", "resolved", t(10, 20, 10), region=CHAOYANG, category="free",
        technician_id=wang.id, on_site_at=t(10, 20, 12), resolved_at=t(10, 20, 14),
    )  # fmt: skip
    s.clock(r3, "on_site", t(10, 20, 10), t(10, 20, 16), stopped=t(10, 20, 12))  # hit
    # A major fault: the fix clock is exempt, even though it was stopped late.
    s.clock(r3, "fix", t(10, 20, 12), t(10, 20, 16), stopped=t(10, 21, 9), exempt=True)
    s.survey(r3, "expired", wang, CHAOYANG)

    # R4: the last half hour of October; its clock is not due yet at NOW.
    r4 = s.ticket("repair", "new", t(10, 31, 23, 30), region=CHAOYANG, category="contract")
    s.clock(r4, "on_site", t(10, 31, 23, 30), t(11, 2, 14, 30))  # left out

    # Cancelled after its deadline had passed: still a miss.
    r5 = s.ticket("repair", "cancelled", t(10, 5, 10), region=HAIDIAN, category="paid")
    s.clock(r5, "on_site", t(10, 5, 10), t(10, 5, 16), stopped=t(10, 6, 10))  # missed
    # Cancelled in time: no service was owed, so the clock is left out.
    r6 = s.ticket("repair", "cancelled", t(10, 6, 10), region=HAIDIAN, category="paid")
    s.clock(r6, "on_site", t(10, 6, 10), t(10, 6, 16), stopped=t(10, 6, 11))  # left out

    m1 = s.ticket(
        "maintenance", "closed", t(10, 8, 9), region=HAIDIAN, category="contract",
        technician_id=li.id, on_site_at=t(10, 9, 9), resolved_at=t(10, 9, 11),
    )  # fmt: skip
    s.survey(m1, "answered", li, HAIDIAN, (S, S, S, S))  # 80

    c1 = s.ticket(
        "complaint", "closed", t(10, 10, 10), region=CHAOYANG, cause="技术人员态度",
        responsible_dept="服务部", resolved_at=t(10, 15, 10),
    )  # fmt: skip
    s.clock(c1, "ack", t(10, 10, 10), t(10, 11, 10), stopped=t(10, 10, 15))  # hit
    s.clock(c1, "close", t(10, 10, 10), t(10, 23, 10), stopped=t(10, 16, 10))  # hit
    # An acceptance survey is not a satisfaction survey: its answers must not count.
    s.survey(c1, "answered", wang, CHAOYANG, (D, D, D, D), kind="acceptance")

    c2 = s.ticket(
        "complaint", "investigating", t(10, 15, 10), cause="维修延误", responsible_dept="服务部"
    )
    s.clock(c2, "ack", t(10, 15, 10), t(10, 16, 10), stopped=t(10, 17, 10))  # missed
    s.clock(c2, "close", t(10, 15, 10), t(10, 28, 10))  # running past due: missed

    c3 = s.ticket("complaint", "registered", t(10, 20, 10), responsible_dept="配件部")
    s.clock(c3, "ack", t(10, 20, 10), t(10, 21, 10))  # running past due: missed
    s.clock(c3, "close", t(10, 20, 10), t(11, 2, 10))  # not due yet: left out

    c4 = s.ticket("complaint", "acknowledged", t(10, 25, 10), cause="维修延误")
    s.clock(c4, "ack", t(10, 25, 10), t(10, 26, 10), stopped=t(10, 25, 12))  # hit
    s.clock(c4, "close", t(10, 25, 10), t(11, 7, 10))  # not due yet: left out

    # --- registered outside October, resolved inside it -----------------------
    # X1: the last minute of September local time, which is 30 Sep 15:59 UTC, the
    # same UTC day as R1. Resolved 1 Oct 02:00 local = 30 Sep 18:00 UTC.
    x1 = s.ticket(
        "repair", "closed", t(9, 30, 23, 59), region=CHAOYANG, category="free",
        technician_id=wang.id, on_site_at=t(10, 1, 1), resolved_at=t(10, 1, 2),
    )  # fmt: skip
    s.clock(x1, "on_site", t(9, 30, 23, 59), t(10, 8, 14, 30), stopped=t(10, 1, 1))
    s.clock(x1, "fix", t(10, 1, 1), t(10, 1, 5), stopped=t(10, 1, 2))  # October: hit
    s.survey(x1, "answered", wang, CHAOYANG, (D, D, D, D))  # 0

    x3 = s.ticket(
        "repair", "resolved", t(9, 28, 10), region=HAIDIAN, category="paid",
        technician_id=wang.id, resolved_at=t(10, 31, 22),
    )  # fmt: skip
    s.survey(x3, "sent", wang, HAIDIAN)
    x4 = s.ticket(
        "repair", "resolved", t(9, 29, 10), region=CHAOYANG, category="free",
        technician_id=wang.id, resolved_at=t(10, 31, 23),
    )  # fmt: skip
    s.survey(x4, "scheduled", wang, CHAOYANG)  # not asked yet

    # X2: the first minute of November local time (31 Oct 16:00 UTC): not October.
    x2 = s.ticket(
        "repair", "resolved", t(11, 1, 0), region=CHAOYANG, category="free",
        technician_id=wang.id, on_site_at=t(11, 1, 1), resolved_at=t(11, 1, 2),
    )  # fmt: skip
    s.clock(x2, "on_site", t(11, 1, 0), t(11, 2, 14, 30), stopped=t(11, 1, 1))
    s.survey(x2, "answered", wang, CHAOYANG, (V, V, V, V))

    # --- earlier months, for the trend ----------------------------------------
    s1 = s.ticket("repair", "closed", t(9, 14, 10), region=CHAOYANG, resolved_at=t(9, 15, 10))
    s.survey(s1, "answered", wang, CHAOYANG, (S, S, S, S))  # 80
    s2 = s.ticket("repair", "closed", t(9, 19, 10), region=HAIDIAN, resolved_at=t(9, 20, 10))
    s.survey(s2, "expired", li, HAIDIAN)
    # The last half hour of July local time is 31 Jul 15:30 UTC: July, not August.
    s3 = s.ticket("repair", "closed", t(7, 30, 10), region=HAIDIAN, resolved_at=t(7, 31, 23, 30))
    s.survey(s3, "answered", li, HAIDIAN, (V, V, V, V))  # 100
    return wang.id, li.id


@pytest.fixture
async def report(desk, clock):
    ids = await seed(desk.db)
    clock.set(NOW)
    return ids, await monthly_report(desk, "2026-10")


# --- tickets ---------------------------------------------------------------------------


async def test_ticket_counts(report):
    (wang, li), figures = report
    assert figures["tickets"] == {
        "total": 11,  # R1-R6, M1, C1-C4
        "open": 6,
        "closed": 3,  # R1, M1, C1
        "cancelled": 2,  # R5, R6
        "by_kind": {"complaint": 4, "maintenance": 1, "repair": 6},
        "by_category": {"contract": 2, "free": 2, "paid": 3, "unspecified": 4},
        "by_region": {CHAOYANG: 4, HAIDIAN: 4, "unspecified": 3},
        "by_technician": [
            {"technician_id": None, "name": None, "tickets": 7},
            {"technician_id": wang, "name": "王师傅", "tickets": 2},
            {"technician_id": li, "name": "李师傅", "tickets": 2},
        ],
    }


async def test_service_times(report):
    _, figures = report
    assert figures["times"] == {
        "avg_hours_to_site": 9.0,  # R1 6, R2 4, R3 2, M1 24: 36 / 4
        "reached_site": 4,
        "avg_hours_to_resolution": 36.4,  # R1 8, R2 24, R3 4, M1 26, C1 120: 182 / 5
        "resolved": 5,
    }


async def test_sla_hit_rate_per_clock(report):
    _, figures = report
    assert figures["sla"] == {
        "on_site": {"hit": 3, "missed": 1, "hit_rate": 0.75},  # R1 R2 R3 / R5
        "fix": {"hit": 2, "missed": 1, "hit_rate": 0.6667},  # R1 X1 / R2; R3 exempt
        "ack": {"hit": 2, "missed": 2, "hit_rate": 0.5},  # C1 C4 / C2 C3
        "close": {"hit": 1, "missed": 1, "hit_rate": 0.5},  # C1 / C2; C3 C4 not due
    }


async def test_complaints_by_cause_and_department(report):
    _, figures = report
    assert figures["complaints"] == {
        "total": 4,
        "by_cause": {
            "unspecified": {"count": 1, "share": 0.25},
            "技术人员态度": {"count": 1, "share": 0.25},
            "维修延误": {"count": 2, "share": 0.5},
        },
        "by_department": {
            "unspecified": {"count": 1, "share": 0.25},
            "服务部": {"count": 2, "share": 0.5},
            "配件部": {"count": 1, "share": 0.25},
        },
    }


# --- satisfaction ----------------------------------------------------------------------


async def test_satisfaction_overall_per_technician_and_region(report):
    (wang, li), figures = report
    # Satisfaction surveys of tickets resolved in October: R1 100, R2 60, M1 80, X1 0
    # answered; R3 expired and X3 sent are asked but unanswered; X4 is only scheduled.
    assert figures["satisfaction"] == {
        "overall": {"satisfaction_index": 60.0, "answered": 4, "asked": 6, "response_rate": 0.6667},
        "by_technician": [
            # R1 100, X1 0 answered; R3, X3 unanswered
            {"technician_id": wang, "name": "王师傅", "satisfaction_index": 50.0,
             "answered": 2, "asked": 4, "response_rate": 0.5},
            # R2 60, M1 80
            {"technician_id": li, "name": "李师傅", "satisfaction_index": 70.0,
             "answered": 2, "asked": 2, "response_rate": 1.0},
        ],
        "by_region": {
            # R1 100, X1 0; R3 unanswered
            CHAOYANG: {"satisfaction_index": 50.0, "answered": 2, "asked": 3,
                       "response_rate": 0.6667},
            # R2 60, M1 80; X3 unanswered
            HAIDIAN: {"satisfaction_index": 70.0, "answered": 2, "asked": 3,
                      "response_rate": 0.6667},
        },
    }  # fmt: skip


async def test_satisfaction_trend_covers_the_three_previous_months(report):
    (wang, li), figures = report
    july, august, september = figures["satisfaction_trend"]
    assert [m["month"] for m in (july, august, september)] == ["2026-07", "2026-08", "2026-09"]
    assert july["overall"] == {
        "satisfaction_index": 100.0, "answered": 1, "asked": 1, "response_rate": 1.0
    }  # fmt: skip
    # Nothing was surveyed in August: no figure rather than a fake 0.
    assert august == {
        "month": "2026-08",
        "overall": {"satisfaction_index": None, "answered": 0, "asked": 0, "response_rate": None},
        "by_technician": [],
        "by_region": {},
    }
    # S1 80 answered, S2 expired; X1 was resolved on 1 October local time, not September.
    assert september["overall"] == {
        "satisfaction_index": 80.0, "answered": 1, "asked": 2, "response_rate": 0.5
    }  # fmt: skip
    assert september["by_technician"] == [
        {"technician_id": wang, "name": "王师傅", "satisfaction_index": 80.0,
         "answered": 1, "asked": 1, "response_rate": 1.0},
        {"technician_id": li, "name": "李师傅", "satisfaction_index": None,
         "answered": 0, "asked": 1, "response_rate": 0.0},
    ]  # fmt: skip
    assert set(september["by_region"]) == {CHAOYANG, HAIDIAN}


async def test_warranty_revisit_rate(report):
    _, figures = report
    # Free visits resolved in October: R1 and X1 answered, R3 expired, X4 scheduled.
    assert figures["warranty_revisit"] == {"resolved": 4, "revisited": 2, "rate": 0.5}


# --- the report as a whole -------------------------------------------------------------


async def test_monthly_report_keys_period_and_json(report):
    _, figures = report
    assert list(figures) == [
        "month",
        "timezone",
        "generated_at",
        "period",
        "tickets",
        "times",
        "sla",
        "complaints",
        "satisfaction",
        "warranty_revisit",
        "satisfaction_trend",
        "frozen_at",
    ]
    assert figures["frozen_at"] is None  # computed now: no snapshot of October yet
    assert figures["month"] == "2026-10"
    assert figures["timezone"] == "Asia/Shanghai"
    assert figures["generated_at"] == NOW.isoformat()
    assert figures["period"] == {
        "start": "2026-10-01T00:00:00+08:00",
        "end": "2026-11-01T00:00:00+08:00",
    }
    assert json.loads(json.dumps(figures, ensure_ascii=False)) == figures


async def test_on_demand_range(desk, clock):
    await seed(desk.db)
    clock.set(NOW)
    # The first ten days of October: R1, R5, R6, M1, C1 were registered in them.
    figures = await range_report(desk, t(10, 1), t(10, 11))
    assert figures["tickets"]["total"] == 5
    assert figures["tickets"]["by_kind"] == {"complaint": 1, "maintenance": 1, "repair": 3}
    assert figures["times"]["avg_hours_to_site"] == 15.0  # R1 6, M1 24
    # Surveys of tickets resolved in those days: R1 100, X1 0, M1 80.
    assert figures["satisfaction"]["overall"]["satisfaction_index"] == 60.0
    assert "satisfaction_trend" not in figures


async def test_an_empty_month_reports_zeros_and_no_rates(desk):
    figures = await monthly_report(desk, "2026-10")
    assert figures["tickets"]["total"] == 0
    assert figures["tickets"]["by_kind"] == {}
    assert figures["times"]["avg_hours_to_site"] is None
    assert figures["sla"]["on_site"] == {"hit": 0, "missed": 0, "hit_rate": None}
    assert figures["complaints"] == {"total": 0, "by_cause": {}, "by_department": {}}
    assert figures["warranty_revisit"] == {"resolved": 0, "revisited": 0, "rate": None}


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "October", ""])
async def test_a_bad_month_is_refused(desk, month):
    with pytest.raises(ValidationFailed):
        await monthly_report(desk, month)


async def test_a_bad_range_is_refused(desk):
    with pytest.raises(ValidationFailed):
        await range_report(desk, t(10, 2), t(10, 1))
    with pytest.raises(ValidationFailed):
        await range_report(desk, datetime(2026, 10, 1), datetime(2026, 10, 2))


# --- pure helpers ----------------------------------------------------------------------


def test_month_period_is_local_midnight_to_local_midnight():
    period = month_period("2026-12", SH)
    assert period.start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


def test_previous_months_cross_the_year():
    assert previous_months("2026-02", 3) == ["2025-11", "2025-12", "2026-01"]


@pytest.mark.parametrize(
    ("stopped", "exempt", "status", "outcome"),
    [
        (t(10, 1, 9), False, "resolved", "hit"),
        (t(10, 1, 10), False, "resolved", "hit"),  # exactly at the deadline
        (t(10, 1, 10, 1), False, "resolved", "missed"),
        (None, False, "new", "missed"),  # still running, past due at NOW
        (t(10, 1, 11), True, "resolved", None),  # exempt
        (t(10, 1, 9), False, "cancelled", None),  # cancelled in time
        (t(10, 1, 11), False, "cancelled", "missed"),  # cancelled too late
    ],
)
def test_clock_outcome(stopped, exempt, status, outcome):
    assert clock_outcome(t(10, 1, 10), stopped, exempt, status, NOW) == outcome


def test_a_running_clock_not_yet_due_does_not_count():
    assert clock_outcome(t(11, 2), None, False, "new", NOW) is None
