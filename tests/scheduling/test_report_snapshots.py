"""Last month's report frozen on the month's first working day, once, and announced to
the supervisors through the outbox (the real PTB client against the fake Bot API).

November 2026 starts on a Sunday: its first working day is Monday the 2nd. The seeded
October is tests/store/test_reports.py's.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from backend.scheduler import run_scans
from backend.services import report_snapshots
from backend.services.reports import monthly_report, monthly_trend
from backend.store.tables import AuditLog, ReportSnapshot, Staff, Survey, Ticket
from tests.fixtures.db import opened
from tests.scheduling.helpers import add_staff, drain_until_done, rows
from tests.store.seed import all_of, count
from tests.store.test_reports import seed

SH = ZoneInfo("Asia/Shanghai")
SUNDAY = datetime(2026, 11, 1, 12, 0, tzinfo=SH)
MONDAY = datetime(2026, 11, 2, 0, 30, tzinfo=SH)


async def supervisors(desk) -> dict[str, int]:
    return {
        "bound": await add_staff(desk, "赵主管", "supervisor", "7001"),
        "unbound": await add_staff(desk, "钱主管", "supervisor", None),
        "dispatcher": await add_staff(desk, "孙调度", "dispatcher", "7003"),
        "gone": await _inactive(desk, await add_staff(desk, "李主管", "supervisor", "7004")),
    }


async def _inactive(desk, staff_id: int) -> int:
    async with opened(desk.db) as session:
        await session.execute(update(Staff).where(Staff.id == staff_id).values(active=False))
    return staff_id


def test_the_first_working_day_comes_from_the_calendar(calendar):
    assert str(calendar.first_working_day(2026, 11)) == "2026-11-02"  # 1st a Sunday
    assert str(calendar.first_working_day(2026, 10)) == "2026-10-08"  # National Day week
    assert str(calendar.first_working_day(2026, 12)) == "2026-12-01"


async def test_frozen_once_on_the_first_working_day_and_told_to_bound_supervisors(
    desk, clock, dispatcher, fake, caplog
):
    await seed(desk.db)
    people = await supervisors(desk)

    clock.set(SUNDAY)  # November has begun, but not its working days
    assert await report_snapshots.freeze_due(desk) is None
    assert await count(desk.db, ReportSnapshot) == 0

    clock.set(MONDAY)
    with caplog.at_level("WARNING"):
        await report_snapshots.freeze_due(desk)
    snapshots = await all_of(desk.db, select(ReportSnapshot))
    assert [s.month for s in snapshots] == ["2026-10"]
    assert snapshots[0].frozen_at == MONDAY
    assert f"supervisor {people['unbound']} has no Telegram binding" in caplog.text

    notices = await rows(desk, kind="report")
    assert [(n.chat_id, n.audience) for n in notices] == [("7001", "staff")]
    assert "2026年10月" in notices[0].payload["text"]
    assert "/api/reports/monthly.xlsx?month=2026-10" in notices[0].payload["text"]

    # Scans go on, the process restarts: nothing is frozen or sent again.
    clock.advance(seconds=3600)
    assert await report_snapshots.freeze_due(desk) is None
    await report_snapshots.freeze(desk, "2026-10", desk.now())
    assert await count(desk.db, ReportSnapshot) == 1
    assert len(await rows(desk, kind="report")) == 1

    await drain_until_done(dispatcher, clock)
    sent = [m for m in fake.messages_to("7001") if "月报" in m.text]
    assert len(sent) == 1  # (the seeded October also breached clocks: 催办 went out too)
    assert not [m for m in fake.sent if "月报" in m.text and m.chat_id != "7001"]

    entries = await all_of(desk.db, select(AuditLog).where(AuditLog.action == "report.freeze"))
    assert [(e.subject, e.detail) for e in entries] == [
        ("report:2026-10", {"told": [people["bound"]], "skipped": [people["unbound"]]})
    ]


async def test_later_edits_do_not_change_a_frozen_month(desk, clock):
    await seed(desk.db)
    clock.set(MONDAY)
    before = await monthly_report(desk, "2026-10")
    assert before["frozen_at"] is None
    await report_snapshots.freeze_due(desk)
    frozen = await monthly_report(desk, "2026-10")
    assert frozen["frozen_at"] == MONDAY.isoformat()

    # Weeks later someone edits October's tickets and surveys.
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=SH))
    async with opened(desk.db) as session:
        await session.execute(update(Survey).values(status="expired"))
        await session.execute(update(Ticket).values(region="顺义"))

    after = await monthly_report(desk, "2026-10")
    assert after == frozen
    assert json.loads(json.dumps(after)) == after
    assert after["satisfaction"]["overall"] == before["satisfaction"]["overall"]
    # The trend shows October as frozen, with the frozen figures; September is live.
    trend = await monthly_trend(desk, "2026-10")
    october, september = trend["months"][-1], trend["months"][-2]
    assert october["frozen"] and not september["frozen"]
    assert october["satisfaction_index"] == frozen["satisfaction"]["overall"]["satisfaction_index"]
    assert september["response_rate"] == 0.0  # its answered survey is expired now


async def test_two_processes_freezing_at_once_make_one_snapshot(desk, clock):
    await seed(desk.db)
    await supervisors(desk)
    clock.set(MONDAY)
    results = await asyncio.gather(
        *(report_snapshots.freeze(desk, "2026-10", MONDAY) for _ in range(4))
    )
    assert sum(r is not None for r in results) == 1
    assert await count(desk.db, ReportSnapshot) == 1
    assert len(await rows(desk, kind="report")) == 1


async def test_the_scheduler_scans_freeze_a_month_that_was_missed(desk, clock):
    """A process down on the first working day freezes at its first scan afterwards."""
    await supervisors(desk)
    clock.set(datetime(2026, 11, 5, 9, 0, tzinfo=SH))
    await run_scans(desk)
    assert [s.month for s in await all_of(desk.db, select(ReportSnapshot))] == ["2026-10"]
    assert len(await rows(desk, kind="report")) == 1
