"""Plain read models handed to channels and the API (no ORM objects leak out)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.services.values import ClockView, EventView, TicketView
from backend.store.tables import SlaClock, Staff, Ticket, TicketEvent

__all__ = ["ClockView", "EventView", "TicketView", "ticket_view"]


def ticket_view(session: Session, ticket: Ticket) -> TicketView:
    """The view of a ticket, inside a caller's unit of work (`Database.read`/`write`)."""
    technician = session.get(Staff, ticket.technician_id) if ticket.technician_id else None
    parent = session.get(Ticket, ticket.parent_id) if ticket.parent_id else None
    events = session.execute(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.at, TicketEvent.id)
    ).scalars()
    events = list(events)
    names = _staff_names(session, {e.actor for e in events})
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
            EventView(
                e.at, e.actor, e.action, e.from_status, e.to_status, e.note, names.get(e.actor)
            )
            for e in events
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


def _staff_names(session: Session, actors: set[str]) -> dict[str, str]:
    """`staff:<username>` -> that account's display name, for the actors given."""
    usernames = {a.removeprefix("staff:") for a in actors if a.startswith("staff:")}
    if not usernames:
        return {}
    rows = session.execute(select(Staff.username, Staff.name).where(Staff.username.in_(usernames)))
    return {f"staff:{username}": name for username, name in rows}
