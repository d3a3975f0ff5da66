"""TEMPORARY shim (the uow branch brings the real use case)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.services import notices, texts
from backend.services.desk import Desk
from backend.services.values import TicketView
from backend.services.views import ticket_view
from backend.store.tables import SlaClock, Ticket, TicketEvent


@dataclass(frozen=True)
class Expedited:
    view: TicketView
    escalated: bool


async def expedite(desk: Desk, number: str, *, actor: str, note: str = "客户催单") -> Expedited:
    now = desk.now()

    def unit(session: Session) -> Expedited:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        session.add(
            TicketEvent(ticket_id=ticket.id, at=now, actor=actor, action="expedite", note=note)
        )
        clocks = session.execute(
            select(SlaClock).where(
                SlaClock.ticket_id == ticket.id,
                SlaClock.stopped_at.is_(None),
                SlaClock.exempt.is_(False),
            )
        ).scalars()
        late = any(now >= c.warn_at for c in clocks)
        if late:
            local = now.astimezone(desk.calendar.tz)
            notices.escalate(
                session,
                ticket,
                key=f"{ticket.number}:expedite:{local:%Y%m%d%H}",
                text=texts.escalation_notice(ticket.number, "客户催单，已超过预警时限"),
                note="客户催单且已过预警点，上报主管",
                now=now,
            )
        ticket.updated_at = now
        session.flush()
        return Expedited(ticket_view(session, ticket), late)

    return await desk.db.write(unit)
