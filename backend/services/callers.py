"""A caller looked up by phone (the hotline agent's screen): the customer, their units
and their tickets. Seeing a customer's full record is written to the audit log.

`caller` is the API's answer; `screen_pop` the console page's (each unit with its service
category today, the open tickets with their SLA clocks, the last closed ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.domain.category import service_category
from backend.domain.contact import normalise_phone
from backend.domain.errors import NotFound, ValidationFailed
from backend.services import audit, customers
from backend.services.desk import Desk
from backend.services.values import TicketView
from backend.services.views import ticket_view
from backend.store.tables import Ticket, Unit

RECENT_CLOSED = 5  # the finished tickets the screen pop shows


@dataclass(frozen=True)
class UnitLine:
    product_name: str
    model: str
    serial_number: str
    purchase_date: date | None
    warranty_end: date | None
    contract_end: date | None
    category: str  # free / contract / paid, as a repair registered today would be
    address: str | None
    region: str | None


@dataclass(frozen=True)
class ScreenPop:
    phone: str  # canonical
    customer_id: int
    name: str | None
    units: tuple[UnitLine, ...]
    open_tickets: tuple[TicketView, ...]  # with their SLA clocks, newest first
    closed_tickets: tuple[TicketView, ...]  # the last few finished ones


def canonical_phone(phone: str) -> str:
    canonical = normalise_phone(phone or "")
    if canonical is None:
        raise ValidationFailed("phone must be a mainland mobile or landline number")
    return canonical


async def screen_pop(desk: Desk, phone: str, *, actor: str) -> ScreenPop | None:
    """The caller's record for the screen pop; None for a caller the store does not
    know (a new caller). ValidationFailed for a number that is not a phone number."""
    return await desk.db.write(_screen_pop, desk, canonical_phone(phone), actor)


def _screen_pop(session: Session, desk: Desk, phone: str, actor: str) -> ScreenPop | None:
    customer = customers.by_phone(session, phone)
    if customer is None:
        return None
    today = desk.today()
    units = session.execute(
        select(Unit).where(Unit.customer_id == customer.id).order_by(Unit.id)
    ).scalars()
    tickets = list(_tickets(session, customer.id, phone))
    finished = [t for t in tickets if not lifecycle.is_open(t.status)][:RECENT_CLOSED]
    _viewed(session, desk, actor, customer.id)
    return ScreenPop(
        phone=phone,
        customer_id=customer.id,
        name=customer.name,
        units=tuple(
            UnitLine(
                u.product_name,
                u.model,
                u.serial_number,
                u.purchase_date,
                u.warranty_end,
                u.contract_end,
                service_category(today, u.warranty_end, u.contract_end).value,
                u.address,
                u.region,
            )
            for u in units
        ),
        open_tickets=tuple(ticket_view(session, t) for t in tickets if lifecycle.is_open(t.status)),
        closed_tickets=tuple(ticket_view(session, t) for t in finished),
    )


def _tickets(session: Session, customer_id: int, phone: str):
    return session.execute(
        select(Ticket)
        .where(or_(Ticket.customer_id == customer_id, Ticket.contact_phone == phone))
        .order_by(Ticket.registered_at.desc(), Ticket.id.desc())
        .limit(100)
    ).scalars()


def _viewed(session: Session, desk: Desk, actor: str, customer_id: int) -> None:
    audit.record(
        session,
        at=desk.now(),
        actor=actor,
        action="customer.view",
        subject=f"customer:{customer_id}",
        detail={},
    )


async def caller(desk: Desk, phone: str, *, actor: str) -> dict:
    return await desk.db.write(_caller, desk, canonical_phone(phone), actor)


def _iso(value):
    return value.isoformat() if value is not None else None


def _caller(session: Session, desk: Desk, phone: str, actor: str) -> dict:
    customer = customers.by_phone(session, phone)
    if customer is None:
        raise NotFound("no customer with this phone")
    units = session.execute(
        select(Unit).where(Unit.customer_id == customer.id).order_by(Unit.id)
    ).scalars()
    tickets = _tickets(session, customer.id, phone)
    _viewed(session, desk, actor, customer.id)
    return {
        "customer": {"id": customer.id, "name": customer.name, "phone": customer.phone},
        "units": [
            {
                "product_name": u.product_name,
                "model": u.model,
                "serial_number": u.serial_number,
                "purchase_date": _iso(u.purchase_date),
                "warranty_end": _iso(u.warranty_end),
                "contract_end": _iso(u.contract_end),
                "address": u.address,
                "region": u.region,
            }
            for u in units
        ],
        "tickets": [
            {
                "number": t.number,
                "kind": t.kind,
                "status": t.status,
                "registered_at": _iso(t.registered_at),
                "description": t.description,
            }
            for t in tickets
        ],
    }
