"""Urging a ticket (催单), the same rule for the chat, the hotline and staff.

The urge is recorded on the ticket as an `expedite` event with who urged ("customer",
"hotline:<agent>", a staff name). When any running, non-exempt SLA clock of the ticket is
already past its warning point, the urge also goes to the supervisors; the notice's key
names the ticket and the local hour, so urging again within the hour is not a new alarm.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import fields, lifecycle
from backend.domain.errors import Conflict
from backend.services import notices, texts
from backend.services.desk import Desk
from backend.services.queries import find_ticket
from backend.services.values import Expedited
from backend.services.views import ticket_view
from backend.store.tables import SlaClock, Ticket, TicketEvent

CUSTOMER_NOTE = "客户催单"


async def expedite(desk: Desk, number: str, *, actor: str, note: str = CUSTOMER_NOTE) -> Expedited:
    """The use case: one transaction. NotFound for an unknown number, Conflict when the
    ticket needs no more work (resolved, closed or cancelled)."""
    fields.check({"actor": actor, "note": note})
    return await desk.db.write(_expedite, desk, number, actor, note)


def _expedite(session: Session, desk: Desk, number: str, actor: str, note: str) -> Expedited:
    ticket = find_ticket(session, number, lock=True)
    escalated = urge(session, desk, ticket, actor=actor, note=note)
    return Expedited(ticket_view(session, ticket), escalated)


def urge(session: Session, desk: Desk, ticket: Ticket, *, actor: str, note: str) -> bool:
    """The urge inside a caller's unit of work (the hotline's call import); True when it
    was escalated to the supervisors."""
    if ticket.status in lifecycle.DONE:
        raise Conflict(f"ticket {ticket.number} is {ticket.status}: there is nothing to urge")
    now = desk.now()
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, action="expedite", note=note))
    late = session.execute(
        select(SlaClock.id)
        .where(
            SlaClock.ticket_id == ticket.id,
            SlaClock.stopped_at.is_(None),
            SlaClock.exempt.is_(False),
            SlaClock.warn_at <= now,
        )
        .limit(1)
    ).first()
    if late is not None:
        local = now.astimezone(desk.calendar.tz)
        notices.escalate(
            session,
            ticket,
            key=f"{ticket.number}:expedite:{local:%Y%m%d%H}",
            text=texts.escalation_notice(ticket.number, f"{note}，已超过预警时限"),
            note=f"{note}且已过预警点，上报主管",
            now=now,
            limits=desk.limits,
        )
    ticket.updated_at = now
    return late is not None
