"""Reminders (SPEC section 6): contract expiry a month ahead, bookings the day before.

Both are scans over data (unit contract end dates, booking dates) run by the scheduler;
the idempotency key of each notice makes a rescan, or a second process, harmless.
"""

from __future__ import annotations

import calendar as months
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.domain import survey as survey_rules
from backend.domain.kinds import TicketKind
from backend.services import notices
from backend.services.desk import Desk
from backend.store.tables import ChannelIdentity, Ticket, Unit

HOTLINE = "400-800-1234"


def month_before(day: date) -> date:
    """The same day a month earlier (31 March -> 28/29 February)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def _send_at(desk: Desk):
    """Now, unless it is quiet hours (21:00-08:00): then 08:00."""
    return survey_rules.send_time(desk.now(), timedelta(0), desk.calendar.tz)


def _customer_chat(session: Session, customer_id: int) -> ChannelIdentity | None:
    stmt = (
        select(ChannelIdentity)
        .where(
            ChannelIdentity.customer_id == customer_id,
            ChannelIdentity.channel.in_(notices.PUSH_CHANNELS),
            ChannelIdentity.blocked_at.is_(None),
            ChannelIdentity.verified_at.is_not(None),  # a typed phone reaches nobody
        )
        .order_by(ChannelIdentity.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def contract_text(unit: Unit) -> str:
    return (
        f"温馨提示：您的{unit.product_name}（型号 {unit.model}）保养合同将于 "
        f"{unit.contract_end:%Y-%m-%d} 到期。到期后上门服务将按有偿标准收费；如需续约，"
        f"请回复“续约”或致电 {HOTLINE}，我们将为您办理。"
    )


async def contract_expiry(desk: Desk) -> int:
    """Offer renewal from one month before a maintenance contract ends."""
    return await desk.db.write(_contract_expiry, desk)


def _contract_expiry(session: Session, desk: Desk) -> int:
    today = desk.today()
    queued = 0
    stmt = select(Unit).where(
        Unit.customer_id.is_not(None),
        Unit.contract_end >= today,
        Unit.contract_end <= today + timedelta(days=31),
    )
    for unit in session.execute(stmt).scalars().all():
        if today < month_before(unit.contract_end):
            continue
        chat = _customer_chat(session, unit.customer_id)
        if chat is None:
            continue
        row = notices.enqueue(
            session,
            # One notice per contract term: a renewal with a new end date gets its own.
            key=f"contract:{unit.id}:{unit.contract_end.isoformat()}",
            channel=chat.channel,
            chat_id=chat.external_id,
            kind="contract_expiry",
            payload={"text": contract_text(unit)},
            due_at=_send_at(desk),
            now=desk.now(),
        )
        queued += row is not None
    return queued


async def booking_day_before(desk: Desk) -> int:
    """Remind each maintenance booking's customer on the day before the visit."""
    return await desk.db.write(_booking_day_before, desk)


def _booking_day_before(session: Session, desk: Desk) -> int:
    tomorrow = desk.today() + timedelta(days=1)
    queued = 0
    stmt = select(Ticket).where(
        Ticket.kind == TicketKind.MAINTENANCE.value,
        Ticket.requested_date == tomorrow,
        Ticket.status.not_in(tuple(lifecycle.DONE)),
    )
    for ticket in session.execute(stmt).scalars().all():
        row = notices.notify_customer(
            session,
            ticket,
            key=f"{ticket.number}:booking-reminder:{tomorrow.isoformat()}",
            kind="booking_reminder",
            payload={"text": booking_text(ticket, tomorrow)},
            now=desk.now(),
            due_at=_send_at(desk),
        )
        queued += row is not None
    return queued


def booking_text(ticket: Ticket, day: date) -> str:
    when = f"，时间：{ticket.visit_time}" if ticket.visit_time else ""
    return (
        f"温馨提示：您预约的保养服务（单号 {ticket.number}）将于明天 {day:%m月%d日}上门{when}。"
        "如需改期或取消，请直接回复告诉我们。"
    )


async def scan(desk: Desk) -> int:
    return await contract_expiry(desk) + await booking_day_before(desk)
