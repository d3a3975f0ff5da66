"""Registering tickets: repairs, complaints and maintenance bookings (one transaction each)."""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from backend.domain import fields, lifecycle, sla
from backend.domain.category import service_category
from backend.domain.contact import normalise_phone
from backend.domain.errors import ValidationFailed
from backend.domain.kinds import RegionClass, Severity, TicketKind
from backend.services import customers, limits, notices, texts
from backend.services.desk import Desk
from backend.services.numbers import next_number
from backend.services.queries import find_ticket
from backend.services.values import Registration
from backend.services.views import TicketView, ticket_view
from backend.store.db import on_commit
from backend.store.tables import SlaClock, Ticket, TicketEvent

MAX_TEXT = fields.size("description")


def _validate(reg: Registration) -> None:
    fields.check(
        {
            "description": reg.description,
            "phone": reg.phone,
            "name": reg.name,
            "serial_number": reg.serial_number,
            "product_model": reg.product_model,
            "address": reg.address,
            "region": reg.region,
            "visit_time": reg.visit_time,
            "cause": reg.cause,
            "actor": reg.actor,
            "chat_id": reg.external_id,
        }
    )
    if reg.kind is TicketKind.REPAIR and not reg.description.strip():
        raise ValidationFailed("a repair needs a fault description")
    if reg.kind is TicketKind.COMPLAINT and not reg.description.strip():
        raise ValidationFailed("a complaint needs a description of what happened")
    if reg.kind is TicketKind.MAINTENANCE and reg.requested_date is None:
        raise ValidationFailed("a maintenance booking needs a requested date")
    if reg.phone is not None and normalise_phone(reg.phone) is None:
        raise ValidationFailed(f"not a valid phone number: {reg.phone!r}")


async def register(desk: Desk, reg: Registration) -> TicketView:
    """The use case: file one ticket, in one transaction."""
    _validate(reg)  # before the transaction: bad input never takes the write lock
    return await desk.db.write(_register, desk, reg)


def _register(session: Session, desk: Desk, reg: Registration) -> TicketView:
    return ticket_view(session, file_ticket(session, desk, reg))


def file_ticket(session: Session, desk: Desk, reg: Registration) -> Ticket:
    """The registration inside a caller's unit of work: the chat, the hotline, surveys
    and rejected outcomes file their tickets with it as part of their own transaction."""
    _validate(reg)
    now = desk.now()
    ident = None
    if reg.external_id is not None:
        ident = customers.identity(session, reg.channel.value, reg.external_id, now)
    limits.check_tickets(
        session,
        desk.limits,
        channel=reg.channel,
        actor=reg.actor,
        follow_up=reg.parent_id is not None,
        phone=normalise_phone(reg.phone) if reg.phone else None,
        identity_id=ident.id if ident else None,
        now=now,
    )
    customer = customers.find_or_create(session, now, phone=reg.phone, name=reg.name, ident=ident)
    unit = customers.find_unit(
        session,
        serial_number=reg.serial_number,
        model=reg.product_model,
        customer_id=customer.id,
    )
    # An unverified chat may name any unit (a serial is guessable): its warranty category
    # applies, but the unit is not claimed and its registered address is not copied.
    trusted = ident is None or ident.verified_at is not None
    if unit is not None and unit.customer_id is None and trusted:
        unit.customer_id = customer.id
    unit_address = unit.address if unit is not None and trusted else None

    parent_id = reg.parent_id
    if reg.concerning:
        parent_id = find_ticket(session, reg.concerning).id

    region_class = reg.region_class or RegionClass((unit and unit.region_class) or "city")
    abroad = reg.abroad if reg.abroad is not None else bool(unit and unit.abroad)
    category = None
    if reg.kind is not TicketKind.COMPLAINT:
        category = service_category(
            desk.today(), unit and unit.warranty_end, unit and unit.contract_end
        ).value

    ticket = Ticket(
        number=next_number(session, reg.kind, desk.today()),
        kind=reg.kind.value,
        status=lifecycle.initial_status(reg.kind),
        category=category,
        channel=reg.channel.value,
        customer_id=customer.id,
        identity_id=ident.id if ident else None,
        unit_id=unit.id if unit else None,
        parent_id=parent_id,
        product_model=reg.product_model or (unit and unit.model),
        serial_number=reg.serial_number or (unit and unit.serial_number),
        description=reg.description.strip(),
        address=reg.address or unit_address,
        region=reg.region or (unit and unit.region),
        region_class=region_class.value,
        abroad=abroad,
        contact_phone=normalise_phone(reg.phone) if reg.phone else customer.phone,
        visit_time=reg.visit_time,
        requested_date=reg.requested_date,
        severity=(reg.severity or Severity.NORMAL).value
        if reg.kind is TicketKind.COMPLAINT
        else None,
        cause=reg.cause,
        registered_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor=reg.actor,
            action="registered",
            to_status=ticket.status,
            note=f"via {reg.channel.value}",
            customer_visible=True,
        )
    )
    for d in sla.registration_deadlines(
        reg.kind, now, desk.policy, desk.calendar, region_class=region_class, abroad=abroad
    ):
        session.add(
            SlaClock(
                ticket_id=ticket.id,
                clock=d.clock,
                started_at=d.started_at,
                warn_at=d.warn_at,
                due_at=d.due_at,
            )
        )
    if reg.kind is TicketKind.COMPLAINT and ticket.severity == desk.serious_severity:
        _escalate_serious(session, desk, ticket, now)
    session.flush()
    on_commit(session, partial(desk.metrics.ticket_created, reg.kind.value, reg.channel.value))
    return ticket


def _escalate_serious(session: Session, desk: Desk, ticket: Ticket, now) -> None:
    notices.escalate(
        session,
        ticket,
        key=f"{ticket.number}:serious",
        text=texts.escalation_notice(ticket.number, "严重投诉，请主管立即跟进"),
        note="serious complaint: escalated to the supervisor at registration",
        now=now,
        limits=desk.limits,
    )
