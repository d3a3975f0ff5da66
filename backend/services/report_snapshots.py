"""Freezing last month's report (SPEC section 8: the month's report by the 10th).

On the month's first working day (the working calendar's, in its time zone) the
scheduler's scans freeze the month before: its report is computed and stored in
`report_snapshots`, and every active supervisor is told on Telegram where to find it.
The snapshot, its audit entry and the notices are one unit of work. The month is the
table's unique key, so among several processes (and across restarts) exactly one
freeze inserts it; the others insert nothing and send nothing. A process that was down
on that day freezes at its first scan afterwards. A supervisor with no Telegram binding
is skipped and logged (by staff id): the report is still on the reports page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.kinds import Channel
from backend.services import audit, notices, reports
from backend.services.desk import Desk
from backend.store.tables import ReportSnapshot, Staff
from backend.store.upsert import insert_ignoring_conflict

log = logging.getLogger(__name__)

ACTION = "report.freeze"
ACTOR = "system:reports"
NOTICE_KIND = "report"
DOWNLOAD = "/api/reports/monthly.xlsx"  # the reports page comes with the staff sign-in


@dataclass(frozen=True)
class Frozen:
    month: str
    told: tuple[int, ...]  # staff ids of the supervisors a notice was queued for
    skipped: tuple[int, ...]  # supervisors with no Telegram binding


def notice_text(month: str) -> str:
    year, number = month.split("-")
    return (
        f"{year}年{int(number)}月的售后服务月报已生成并存档，"
        f"可在此下载（Excel）：{DOWNLOAD}?month={month}"
    )


def due_month(desk: Desk, now: datetime) -> str | None:
    """The month to freeze at `now`: the one before, from this month's first working day."""
    local = now.astimezone(desk.calendar.tz)
    if local.date() < desk.calendar.first_working_day(local.year, local.month):
        return None
    return reports.month_before(now, desk.calendar.tz)


async def freeze_due(desk: Desk) -> Frozen | None:
    """For the scheduler's scans: freeze last month once its time has come."""
    now = desk.now()
    month = due_month(desk, now)
    if month is None or await desk.db.read(reports.snapshot_of, month) is not None:
        return None
    return await freeze(desk, month, now)


async def freeze(desk: Desk, month: str, now: datetime) -> Frozen | None:
    """Freeze `month` as the store stands at `now`; None when it was frozen already."""
    month = reports.canonical_month(month)
    frozen = await desk.db.write(_freeze, month, now, desk.calendar.tz)
    if frozen is not None:
        log.info("report %s frozen; %d supervisor(s) told", month, len(frozen.told))
        for staff_id in frozen.skipped:
            log.warning(
                "supervisor %s has no Telegram binding: not told of report %s", staff_id, month
            )
    return frozen


def _freeze(session: Session, month: str, now: datetime, tz) -> Frozen | None:
    body = reports.compute_monthly(session, month, now, tz)
    values = {"month": month, "frozen_at": now, "body": body}
    if not insert_ignoring_conflict(session, ReportSnapshot, values, ["month"]):
        return None  # another process (or an earlier run) froze it
    stmt = select(Staff).where(Staff.role == "supervisor", Staff.active.is_(True))
    told, skipped = [], []
    for person in session.execute(stmt.order_by(Staff.id)).scalars():
        if not person.telegram_chat_id:
            skipped.append(person.id)
            continue
        notices.enqueue(
            session,
            key=f"report:{month}:staff{person.id}",
            channel=Channel.TELEGRAM.value,
            chat_id=person.telegram_chat_id,
            kind=NOTICE_KIND,
            payload={"text": notice_text(month)},
            due_at=now,
            now=now,
            audience="staff",
        )
        told.append(person.id)
    detail = {"told": told, "skipped": skipped}
    audit.record(
        session, at=now, actor=ACTOR, action=ACTION, subject=f"report:{month}", detail=detail
    )
    return Frozen(month, tuple(told), tuple(skipped))
