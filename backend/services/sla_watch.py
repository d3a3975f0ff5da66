"""Watching the SLA clocks (SPEC section 4): warn at 80%, escalate at the deadline.

At `warn_at` the assignee (or, for an unassigned ticket, the dispatchers) is warned;
at `due_at` the clock is marked breached and the supervisors get a 催办 notice, repeated
at the start of every following working day until the ticket moves (its clock stops or
its status changes). Each notice's idempotency key names the clock and the day, so a
rescan or a second process never doubles it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.services import notices, texts
from backend.services.desk import Desk
from backend.store.tables import SlaClock, Staff, Ticket, TicketEvent

CLOCK_ZH = {
    "on_site": "上门时限",
    "fix": "修复时限",
    "ack": "投诉响应时限",
    "close": "投诉结案时限",
}


async def scan(desk: Desk) -> dict[str, int]:
    return await desk.db.write(_scan, desk)


def _scan(session: Session, desk: Desk) -> dict[str, int]:
    now = desk.now()
    counts = {"warned": 0, "breached": 0, "escalated": 0}
    stmt = select(SlaClock).where(
        SlaClock.stopped_at.is_(None), SlaClock.exempt.is_(False), SlaClock.warn_at <= now
    )
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    for clock in session.execute(stmt.order_by(SlaClock.id)).scalars().all():
        ticket = session.get(Ticket, clock.ticket_id)
        if ticket.status in lifecycle.FINAL:
            continue
        if clock.breached_at is None and clock.due_at <= now:
            clock.breached_at = now
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=now,
                    actor="system",
                    action="breached",
                    note=f"{clock.clock} deadline passed",
                )
            )
            _escalate(session, desk, clock, ticket, now)
            counts["breached"] += 1
        elif clock.breached_at is None and clock.warned_at is None:
            clock.warned_at = now
            counts["warned"] += _warn(session, desk, clock, ticket, now)
        elif clock.breached_at is not None and _repeat_due(session, desk, clock, now):
            _escalate(session, desk, clock, ticket, now)
            counts["escalated"] += 1
    return counts


def _local(desk: Desk, moment: datetime) -> datetime:
    return moment.astimezone(desk.calendar.tz)


def _warn(session: Session, desk: Desk, clock: SlaClock, ticket: Ticket, now) -> int:
    due = _local(desk, clock.due_at)
    text = (
        f"【预警】{ticket.number} 的{CLOCK_ZH.get(clock.clock, clock.clock)}将于 "
        f"{due:%m-%d %H:%M} 到期，请尽快处理。"
    )
    stmt = select(Staff).where(Staff.active.is_(True), Staff.telegram_chat_id.is_not(None))
    if ticket.technician_id is not None:
        staff = session.execute(stmt.where(Staff.id == ticket.technician_id)).scalars()
    else:
        staff = session.execute(stmt.where(Staff.role == "dispatcher")).scalars()
    return notices.notify_staff(
        session,
        ticket,
        staff.all(),
        key=f"sla:{clock.id}:warn",
        kind="sla_warning",
        text=text,
        now=now,
    )


def _escalate(session: Session, desk: Desk, clock: SlaClock, ticket: Ticket, now) -> None:
    day = _local(desk, now).date().isoformat()
    reason = f"{CLOCK_ZH.get(clock.clock, clock.clock)}已超时"
    notices.notify_supervisors(
        session,
        ticket,
        key=f"sla:{clock.id}:escalate:{day}",
        text=texts.escalation_notice(ticket.number, reason),
        now=now,
    )
    clock.last_escalated_at = now


def _repeat_due(session: Session, desk: Desk, clock: SlaClock, now) -> bool:
    """Once per working day, from that day's start, while the ticket has not moved."""
    moved = session.execute(
        select(
            exists().where(
                TicketEvent.ticket_id == clock.ticket_id,
                TicketEvent.action == "status",
                TicketEvent.at > clock.breached_at,
            )
        )
    )
    if moved.scalar():
        return False
    last = _local(desk, clock.last_escalated_at or clock.breached_at)
    next_day = datetime.combine(last.date() + timedelta(days=1), time(0), desk.calendar.tz)
    return now >= desk.calendar.next_working_start(next_day)
