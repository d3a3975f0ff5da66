"""A caller looked up by phone (the hotline agent's screen): the customer, their units
and their tickets. Seeing a customer's full record is written to the audit log."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.domain.contact import normalise_phone
from backend.domain.errors import NotFound, ValidationFailed
from backend.services import audit, customers
from backend.services.desk import Desk
from backend.store.tables import Ticket, Unit


async def caller(desk: Desk, phone: str, *, actor: str) -> dict:
    canonical = normalise_phone(phone or "")
    if canonical is None:
        raise ValidationFailed("phone must be a mainland mobile or landline number")
    return await desk.db.write(_caller, desk, canonical, actor)


def _iso(value):
    return value.isoformat() if value is not None else None


def _caller(session: Session, desk: Desk, phone: str, actor: str) -> dict:
    customer = customers.by_phone(session, phone)
    if customer is None:
        raise NotFound("no customer with this phone")
    units = session.execute(
        select(Unit).where(Unit.customer_id == customer.id).order_by(Unit.id)
    ).scalars()
    tickets = session.execute(
        select(Ticket)
        .where(or_(Ticket.customer_id == customer.id, Ticket.contact_phone == phone))
        .order_by(Ticket.registered_at.desc(), Ticket.id.desc())
        .limit(100)
    ).scalars()
    audit.record(
        session,
        at=desk.now(),
        actor=actor,
        action="customer.view",
        subject=f"customer:{customer.id}",
        detail={},
    )
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
