"""Small builders shared by the scheduling tests."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend.domain.kinds import Channel, TicketKind
from backend.scheduler.dispatcher import Dispatcher
from backend.services import notices
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange, change_status
from backend.store.tables import Notification, Staff
from tests.store.seed import all_of


async def add_notice(desk, key: str, chat: str, *, ticket_id=None, channel="telegram", text=None):
    await desk.db.write(
        lambda session: notices.enqueue(
            session,
            key=key,
            channel=channel,
            chat_id=chat,
            kind="test",
            payload={"text": text or key},
            due_at=desk.now(),
            now=desk.now(),
            ticket_id=ticket_id,
        )
    )


async def add_staff(desk, name: str, role: str, chat: str | None, region: str | None = None):
    def unit(session) -> int:
        person = Staff(
            username=f"{role}-{uuid.uuid4().hex[:8]}",
            name=name,
            role=role,
            telegram_chat_id=chat,
            region=region,
            phone=None,
        )
        session.add(person)
        session.flush()
        return person.id

    return await desk.db.write(unit)


async def repair(desk, chat: str, channel: Channel = Channel.TELEGRAM, **extra):
    reg = Registration(
        kind=TicketKind.REPAIR,
        channel=channel,
        external_id=chat,
        description="空调不制冷",
        phone="13812345678",
        **extra,
    )
    return await register(desk, reg)


async def resolve(desk, number: str, technician_id: int) -> None:
    """new -> dispatched -> on_site -> resolved, as staff would."""
    await change_status(desk, number, StatusChange("dispatched", technician_id=technician_id))
    await change_status(desk, number, StatusChange("on_site"))
    await change_status(desk, number, StatusChange("resolved"))


async def rows(desk, **where) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Notification, name) == value)
    return await all_of(desk.db, stmt)


async def drain_until_done(dispatcher: Dispatcher, clock, *, step_seconds=30, max_steps=400):
    """Drain, move the clock on, drain again... until no row is pending or in flight."""
    for _ in range(max_steps):
        await dispatcher.drain()
        unsent = [r for r in await rows(dispatcher.desk) if r.status in ("pending", "sending")]
        if not unsent:
            return
        clock.advance(seconds=step_seconds)
    raise AssertionError(f"still unsent after {max_steps} steps: {len(unsent)} rows")
