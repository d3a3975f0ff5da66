"""Reading tickets back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.errors import NotFound
from backend.domain.numbering import normalise_number
from backend.store.tables import Ticket


def find_ticket(
    session: Session, number: str, *, lock: bool = False, seen_by: int | None = None
) -> Ticket:
    """The ticket of that number; with `seen_by` (a technician's staff id) only one
    assigned to them: any other is as unknown as a number never given."""
    canonical = normalise_number(number or "")
    if canonical is None:
        raise NotFound(f"not a ticket number: {number!r}")
    stmt = select(Ticket).where(Ticket.number == canonical)
    if lock:
        stmt = stmt.with_for_update()
    ticket = session.execute(stmt).scalar_one_or_none()
    if ticket is None or (seen_by is not None and ticket.technician_id != seen_by):
        raise NotFound(f"no ticket {canonical}")
    return ticket
