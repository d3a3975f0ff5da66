"""Finding customers, their chat identities and their units (synchronous, on an ORM
`Session`, for the same reason as backend/services/notices.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.domain.contact import normalise_phone
from backend.domain.errors import ValidationFailed
from backend.store.tables import ChannelIdentity, Customer, Unit
from backend.store.upsert import insert_ignoring_conflict


def identity(session: Session, channel: str, external_id: str, now: datetime) -> ChannelIdentity:
    """The identity row of a chat, created on first contact."""
    stmt = select(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
    )
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        values = {"channel": channel, "external_id": external_id, "created_at": now}
        insert_ignoring_conflict(
            session, ChannelIdentity, values, [ChannelIdentity.channel, ChannelIdentity.external_id]
        )
        row = session.execute(stmt).scalar_one()
    return row


def by_phone(session: Session, phone: str) -> Customer | None:
    stmt = select(Customer).where(Customer.phone == phone)
    return session.execute(stmt).scalar_one_or_none()


def find_or_create(
    session: Session,
    now: datetime,
    *,
    phone: str | None = None,
    name: str | None = None,
    ident: ChannelIdentity | None = None,
) -> Customer:
    """The customer behind a chat and/or phone number.

    A typed phone number proves nothing: the chat is never bound here, not even to a
    customer this call creates (a later hotline ticket of that phone would push its
    notices into the chat of whoever typed it). Chats are bound by `bind_verified` only.
    A bound chat (`ident`) is that customer's, when its binding is verified.
    """
    if phone is not None:
        canonical = normalise_phone(phone)
        if canonical is None:
            raise ValidationFailed(f"not a valid phone number: {phone!r}")
        phone = canonical
    customer = None
    if ident is not None and ident.customer_id is not None and ident.verified_at is not None:
        customer = session.get(Customer, ident.customer_id)
    if customer is None and phone is not None:
        customer = by_phone(session, phone)
        if customer is None:
            values = {"phone": phone, "name": name, "locale": "zh", "created_at": now}
            insert_ignoring_conflict(session, Customer, values, [Customer.phone])
            customer = by_phone(session, phone)
    elif customer is None:
        customer = Customer(name=name, created_at=now)
        session.add(customer)
        session.flush()
    else:
        if customer.phone is None and phone is not None and by_phone(session, phone) is None:
            customer.phone = phone
        if name and not customer.name:
            customer.name = name
    return customer


def find_unit(
    session: Session,
    *,
    serial_number: str | None = None,
    model: str | None = None,
    customer_id: int | None = None,
) -> Unit | None:
    """The unit sold: by serial number, else the customer's only unit of that model."""
    if serial_number:
        stmt = select(Unit).where(func.upper(Unit.serial_number) == serial_number.strip().upper())
        unit = session.execute(stmt).scalar_one_or_none()
        if unit is not None:
            return unit
    if customer_id is None:
        return None
    stmt = select(Unit).where(Unit.customer_id == customer_id)
    if model:
        stmt = stmt.where(func.upper(Unit.model) == model.strip().upper())
    units = session.execute(stmt).scalars().all()
    return units[0] if len(units) == 1 else None


def of_chat(session: Session, channel: str, external_id: str) -> Customer | None:
    """The customer a chat is bound to by a verified binding, if any."""
    stmt = (
        select(Customer)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == external_id,
            ChannelIdentity.verified_at.is_not(None),
        )
    )
    return session.execute(stmt).scalar_one_or_none()


def bind_verified(
    session: Session, channel: str, external_id: str, phone: str, *, now: datetime
) -> int:
    """The chat proved it is the owner of `phone` (an SMS code, Telegram's own-contact
    share, a host site's signed identity): it belongs to that phone's customer from now
    on, verified. A customer already bound to this chat by a verified binding and
    without a phone gets it, rather than a second customer being made."""
    ident = identity(session, channel, external_id, now)
    owner = by_phone(session, phone)
    if owner is None and ident.customer_id is not None and ident.verified_at is not None:
        current = session.get(Customer, ident.customer_id)
        if current is not None and current.phone is None:
            current.phone, owner = phone, current
    if owner is None:
        owner = find_or_create(session, now, phone=phone)
    ident.customer_id, ident.verified_at = owner.id, now
    return owner.id
