"""Plain read models handed to channels and the API (no ORM objects leak out)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from backend.store.tables import SlaClock, Staff, Ticket, TicketEvent


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None


@dataclass(frozen=True)
class ClockView:
    clock: str
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    breached: bool
    exempt: bool


@dataclass(frozen=True)
class TicketView:
    number: str
    kind: str
    status: str
    category: str | None
    channel: str
    description: str
    product_model: str | None
    serial_number: str | None
    address: str | None
    region: str | None
    region_class: str
    contact_phone: str | None
    visit_time: str | None
    requested_date: date | None
    severity: str | None
    cause: str | None
    responsible_dept: str | None
    outcome: str | None
    technician: str | None
    parent_number: str | None
    registered_at: datetime
    on_site_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    events: tuple[EventView, ...] = field(default_factory=tuple)
    clocks: tuple[ClockView, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return _jsonable(asdict(self))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def view_of(session: AsyncSession, ticket: Ticket) -> TicketView:
    return await session.run_sync(ticket_view, ticket)


def ticket_view(session: Session, ticket: Ticket) -> TicketView:
    """The view on a synchronous session (the chat reads it as one unit of work)."""
    technician = session.get(Staff, ticket.technician_id) if ticket.technician_id else None
    parent = session.get(Ticket, ticket.parent_id) if ticket.parent_id else None
    events = session.execute(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.at, TicketEvent.id)
    ).scalars()
    clocks = session.execute(
        select(SlaClock).where(SlaClock.ticket_id == ticket.id).order_by(SlaClock.id)
    ).scalars()
    return TicketView(
        number=ticket.number,
        kind=ticket.kind,
        status=ticket.status,
        category=ticket.category,
        channel=ticket.channel,
        description=ticket.description,
        product_model=ticket.product_model,
        serial_number=ticket.serial_number,
        address=ticket.address,
        region=ticket.region,
        region_class=ticket.region_class,
        contact_phone=ticket.contact_phone,
        visit_time=ticket.visit_time,
        requested_date=ticket.requested_date,
        severity=ticket.severity,
        cause=ticket.cause,
        responsible_dept=ticket.responsible_dept,
        outcome=ticket.outcome,
        technician=technician.name if technician else None,
        parent_number=parent.number if parent else None,
        registered_at=ticket.registered_at,
        on_site_at=ticket.on_site_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        events=tuple(
            EventView(e.at, e.actor, e.action, e.from_status, e.to_status, e.note) for e in events
        ),
        clocks=tuple(
            ClockView(
                c.clock,
                c.started_at,
                c.warn_at,
                c.due_at,
                c.stopped_at,
                c.breached_at is not None,
                c.exempt,
            )
            for c in clocks
        ),
    )
