"""Moving tickets through their lifecycle: status changes, assignment, notes, urges."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import fields, lifecycle, sla
from backend.domain import survey as survey_rules
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.kinds import Channel, Severity, TicketKind
from backend.services import notices, texts
from backend.services.desk import Desk
from backend.services.queries import find_ticket
from backend.services.registration import Registration, file_ticket
from backend.services.views import TicketView, ticket_view
from backend.store.tables import SlaClock, Staff, Survey, Ticket, TicketEvent

_STAMP = {
    "dispatched": "dispatched_at",
    "on_site": "on_site_at",
    "resolved": "resolved_at",
    "closed": "closed_at",
}


@dataclass
class StatusChange:
    target: str
    actor: str = "staff"
    note: str | None = None
    technician_id: int | None = None  # required for `dispatched` when none is assigned
    outcome: str | None = None  # complaint `resolved`
    cause: str | None = None
    responsible_dept: str | None = None
    major_fault: bool | None = None  # repair `on_site`: the 4-hour fix clock is excepted
    seen_by: int | None = None  # a technician's staff id: only their own tickets move


async def change_status(desk: Desk, number: str, change: StatusChange) -> TicketView:
    fields.check(
        {
            "actor": change.actor,
            "note": change.note,
            "outcome": change.outcome,
            "cause": change.cause,
            "responsible_dept": change.responsible_dept,
        }
    )
    return await desk.db.write(_change_status, desk, number, change)


def _change_status(session: Session, desk: Desk, number: str, change: StatusChange):
    ticket = find_ticket(session, number, lock=True, seen_by=change.seen_by)
    apply_status(session, desk, ticket, change)
    return ticket_view(session, ticket)


def apply_status(session: Session, desk: Desk, ticket: Ticket, change: StatusChange) -> None:
    """The move itself, inside a caller's unit of work (surveys close tickets with it)."""
    kind = TicketKind(ticket.kind)
    lifecycle.check_transition(kind, ticket.status, change.target)
    now = desk.now()
    detail = None
    needs = lifecycle.move_needs(kind, change.target)
    if needs == lifecycle.TECHNICIAN:
        detail = _assign(session, ticket, change.technician_id)
    if needs == lifecycle.OUTCOME:
        if not (change.outcome or ticket.outcome):
            raise ValidationFailed("resolving a complaint needs the outcome")
        ticket.outcome = change.outcome or ticket.outcome
        ticket.cause = change.cause or ticket.cause
        ticket.responsible_dept = change.responsible_dept or ticket.responsible_dept
        detail = f"处理结果：{ticket.outcome}"
    if change.major_fault is not None:
        ticket.major_fault = change.major_fault

    previous = ticket.status
    ticket.status = change.target
    ticket.updated_at = now
    if stamp := _STAMP.get(change.target):
        setattr(ticket, stamp, now)
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor=change.actor,
            action="status",
            from_status=previous,
            to_status=change.target,
            note=change.note,
            customer_visible=True,
        )
    )
    _move_clocks(session, desk, ticket, change.target, now)
    if change.target == "resolved":
        _schedule_survey(session, desk, ticket, now)
    notices.notify_customer(
        session,
        ticket,
        key=f"{ticket.number}:status:{change.target}:{previous}",
        kind="status",
        payload={"text": texts.status_notice(ticket.number, kind, change.target, detail)},
        now=now,
    )
    session.flush()


def _assign(session: Session, ticket: Ticket, technician_id: int | None) -> str:
    technician_id = technician_id or ticket.technician_id
    if technician_id is None:
        raise ValidationFailed("dispatching needs a technician")
    technician = session.get(Staff, technician_id)
    if technician is None or not technician.active:
        raise NotFound(f"no active technician {technician_id}")
    ticket.technician_id = technician.id
    return texts.dispatched_detail(technician.name, technician.phone)


def _move_clocks(session: Session, desk: Desk, ticket: Ticket, target: str, now) -> None:
    clocks = session.execute(select(SlaClock).where(SlaClock.ticket_id == ticket.id)).scalars()
    for clock in clocks:
        if clock.stopped_at is None and (
            target == "cancelled" or target in sla.CLOCK_STOPPED_BY[clock.clock]
        ):
            clock.stopped_at = now
    if target == "on_site" and ticket.kind == TicketKind.REPAIR.value:
        d = sla.arrival_deadline(now, desk.policy, desk.calendar)
        session.add(
            SlaClock(
                ticket_id=ticket.id,
                clock=d.clock,
                started_at=d.started_at,
                warn_at=d.warn_at,
                due_at=d.due_at,
                exempt=ticket.major_fault,
            )
        )


def _schedule_survey(session: Session, desk: Desk, ticket: Ticket, now) -> None:
    """Every resolved ticket is surveyed: all of them, not a sample (SPEC section 5)."""
    existing = session.execute(select(Survey.id).where(Survey.ticket_id == ticket.id))
    if existing.first() is not None:
        return
    session.add(
        Survey(
            ticket_id=ticket.id,
            kind="acceptance" if ticket.kind == TicketKind.COMPLAINT.value else "satisfaction",
            status="scheduled",
            technician_id=ticket.technician_id,
            region=ticket.region,
            due_at=survey_rules.send_time(now, desk.survey_delay, desk.calendar.tz),
        )
    )


async def assign(desk: Desk, number: str, technician_id: int, actor: str = "staff") -> TicketView:
    """Assign (or reassign) a technician; a new ticket becomes dispatched."""
    fields.check({"actor": actor})
    return await desk.db.write(_assign_ticket, desk, number, technician_id, actor)


def _assign_ticket(session: Session, desk: Desk, number: str, technician_id: int, actor: str):
    ticket = find_ticket(session, number, lock=True)
    if not lifecycle.can_assign(TicketKind(ticket.kind), ticket.status):
        raise ValidationFailed(f"a ticket that is {ticket.status} cannot be reassigned")
    if ticket.status == "new":
        change = StatusChange("dispatched", actor=actor, technician_id=technician_id)
        apply_status(session, desk, ticket, change)
    else:
        detail = _assign(session, ticket, technician_id)
        session.add(
            TicketEvent(
                ticket_id=ticket.id, at=desk.now(), actor=actor, action="assign", note=detail
            )
        )
    return ticket_view(session, ticket)


async def add_note(
    desk: Desk, number: str, note: str, actor: str = "staff", seen_by: int | None = None
) -> TicketView:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("a note must not be empty")
    fields.check({"note": note, "actor": actor})
    return await desk.db.write(_add_note, desk, number, note, actor, seen_by)


def _add_note(session: Session, desk: Desk, number: str, note: str, actor: str, seen_by):
    ticket = find_ticket(session, number, seen_by=seen_by)
    session.add(
        TicketEvent(ticket_id=ticket.id, at=desk.now(), actor=actor, action="note", note=note)
    )
    ticket.updated_at = desk.now()
    return ticket_view(session, ticket)


async def reject_outcome(desk: Desk, number: str, reason: str, actor: str = "customer") -> str:
    """The customer rejects a complaint's outcome: close it and open a linked new one."""
    return await desk.db.write(_reject_outcome, desk, number, reason, actor)


def _reject_outcome(session: Session, desk: Desk, number: str, reason: str, actor: str) -> str:
    return reject_in(session, desk, number, reason, actor).number


def reject_in(
    session: Session, desk: Desk, number: str, reason: str, actor: str = "customer"
) -> Ticket:
    """The rejection inside a caller's unit of work (the survey's 不接受); it refuses
    (ValidationFailed) before writing anything unless the complaint is resolved."""
    ticket = find_ticket(session, number, lock=True)
    if ticket.kind != TicketKind.COMPLAINT.value or ticket.status != "resolved":
        raise ValidationFailed("only a resolved complaint's outcome can be rejected")
    apply_status(
        session,
        desk,
        ticket,
        StatusChange("closed", actor=actor, note=f"客户不接受处理结果：{reason}"),
    )
    new = file_ticket(
        session,
        desk,
        Registration(
            kind=TicketKind.COMPLAINT,
            channel=Channel(ticket.channel),
            actor=actor,
            description=f"客户不接受 {ticket.number} 的处理结果：{reason}".strip("："),
            phone=ticket.contact_phone,
            severity=Severity(ticket.severity or "normal"),
            parent_id=ticket.id,
        ),
    )
    new.customer_id, new.identity_id = ticket.customer_id, ticket.identity_id
    return new
