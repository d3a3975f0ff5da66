"""What staff read: ticket lists, the dispatch queue, one ticket, the active staff.

Each is one read-only unit of work (`Database.read`): it never takes SQLite's write lock,
so the console's polling does not queue behind the chat's writes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.kinds import TicketKind
from backend.services.desk import Desk
from backend.services.queries import find_ticket
from backend.services.reports import VISIT_KINDS  # the kinds a technician goes out to
from backend.services.values import TicketView
from backend.services.views import ticket_view
from backend.store.tables import Staff, Ticket


async def tickets(
    desk: Desk,
    *,
    kind: TicketKind | None = None,
    status: str | None = None,
    limit: int = 50,
    seen_by: int | None = None,
) -> list[TicketView]:
    """The newest tickets first, optionally of one kind and/or status; with `seen_by`
    (a technician's staff id) only those assigned to them."""
    return await desk.db.read(_tickets, kind, status, limit, seen_by)


def _tickets(session: Session, kind, status: str | None, limit: int, seen_by: int | None):
    stmt = select(Ticket).order_by(Ticket.registered_at.desc(), Ticket.id.desc())
    if seen_by is not None:
        stmt = stmt.where(Ticket.technician_id == seen_by)
    if kind is not None:
        stmt = stmt.where(Ticket.kind == kind.value)
    if status is not None:
        stmt = stmt.where(Ticket.status == status)
    return _views(session, stmt.limit(limit))


async def dispatch_queue(desk: Desk) -> list[TicketView]:
    """Unassigned visits, oldest first: yesterday's leftovers lead the morning queue."""
    return await desk.db.read(_dispatch_queue)


def _dispatch_queue(session: Session) -> list[TicketView]:
    stmt = (
        select(Ticket)
        .where(Ticket.status == "new", Ticket.kind.in_(VISIT_KINDS))
        .order_by(Ticket.registered_at, Ticket.id)
    )
    return _views(session, stmt)


async def ticket(desk: Desk, number: str, seen_by: int | None = None) -> TicketView:
    """One ticket's view; NotFound for an unknown or malformed number (or, `seen_by` a
    technician, one not assigned to them)."""
    return await desk.db.read(_ticket, number, seen_by)


def _ticket(session: Session, number: str, seen_by: int | None) -> TicketView:
    return ticket_view(session, find_ticket(session, number, seen_by=seen_by))


async def active_staff(desk: Desk) -> list[dict]:
    return await desk.db.read(_active_staff)


def _active_staff(session: Session) -> list[dict]:
    people = session.execute(
        select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)
    ).scalars()
    return [
        {"id": s.id, "username": s.username, "name": s.name, "role": s.role, "region": s.region}
        for s in people
        if s.role in ("technician", "dispatcher", "supervisor")
    ]


def _views(session: Session, stmt) -> list[TicketView]:
    return [ticket_view(session, t) for t in session.execute(stmt).scalars().all()]
