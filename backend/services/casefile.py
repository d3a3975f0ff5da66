"""The dispatcher's ticket page, read in one unit of work: the ticket's view, its
customer (phone masked), the unit, the SLA clocks' states, the whole transcript (the
customer's chat and the hotline calls), the photos, the suggested technicians and the
moves this role may make; and the suggestion of technicians on its own.

Which moves a role may make composes the lifecycle (backend/domain/lifecycle.py) with
the permissions' finer rules (backend/domain/permissions.py), the same rules the API's
POST /api/tickets/{number}/status applies: this only keeps the page from offering a
move the server would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.domain.contact import mask_phone
from backend.domain.kinds import Channel, TicketKind
from backend.domain.permissions import (
    JUDGED_MOVES,
    OWN_TICKETS_ONLY,
    TECHNICIAN_MOVES,
    Action,
    allowed,
)
from backend.services import tapped
from backend.services.desk import Desk
from backend.services.listings import ClockState, clock_state
from backend.services.queries import find_ticket
from backend.services.values import EventView, TicketView
from backend.services.views import ticket_view
from backend.store.tables import (
    Attachment,
    ChannelIdentity,
    Customer,
    HotlineCall,
    Message,
    Staff,
    Ticket,
    Unit,
)

# What each kind of timeline event is called on the ticket page.
EVENT_ZH = {
    "registered": "登记",
    "status": "状态变更",
    "assign": "派工 / 改派",
    "note": "备注",
    "expedite": "催办",
    "breached": "超时",
    "escalated": "升级主管",
    "hotline": "热线通话",
}
SPEAKER_ZH = {
    "customer": "客户",
    "bot": "智能助手",
    "system": "系统通知",
    "staff": "客服人员",
    "agent": "热线客服",
}
ACTOR_ZH = {"customer": "客户", "system": "系统", "staff": "工作人员"}
MAX_LINES = 2000  # a transcript this long is cut (its newest lines kept)


@dataclass(frozen=True)
class Line:
    at: datetime
    speaker: str  # customer | bot | system | staff | agent
    speaker_label: str
    text: str
    inbound: bool
    pressed: bool = False  # a button the customer tapped (the text is its payload)
    button: str | None = None  # what that button said (backend/services/tapped.py)


@dataclass(frozen=True)
class Thread:
    """One conversation of the transcript: the customer's chat, or one hotline call."""

    channel: str
    title: str
    started_at: datetime | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Photo:
    id: int
    name: str
    at: datetime


@dataclass(frozen=True)
class Suggestion:
    id: int
    name: str
    region: str | None
    open_load: int  # open tickets assigned to them now
    same_region: bool
    current: bool  # the ticket's technician now


@dataclass(frozen=True)
class TimelineEntry:
    event: EventView
    label: str
    actor_label: str


@dataclass(frozen=True)
class Casefile:
    view: TicketView
    customer_name: str | None
    masked_phone: str
    unit: dict | None
    clocks: tuple[ClockState, ...]
    timeline: tuple[TimelineEntry, ...]
    transcript: tuple[Thread, ...]
    photos: tuple[Photo, ...]
    suggestions: tuple[Suggestion, ...]
    moves: tuple[str, ...]  # status moves this role may make now, besides assigning
    can_assign: bool
    can_judge: bool  # a complaint's outcome, cause, responsibility (tickets.judge)
    judge_moves: tuple[str, ...]  # the moves that record them
    causes: tuple[str, ...]  # causes and departments already recorded, as suggestions
    departments: tuple[str, ...]
    now: datetime


def moves_for(role: str, kind: TicketKind, status: str, has_technician: bool) -> tuple[str, ...]:
    """The plain status moves (no outcome to record) `role` may make from `status`."""
    if not allowed(role, Action.TICKETS_MOVE):
        return ()
    judge = allowed(role, Action.TICKETS_JUDGE)
    moves = []
    for target in lifecycle.allowed_next(kind, status):
        needs = lifecycle.move_needs(kind, target)
        if role in OWN_TICKETS_ONLY and target not in TECHNICIAN_MOVES:
            continue
        if target in JUDGED_MOVES and not judge:
            continue
        if needs == lifecycle.OUTCOME:  # recorded with the outcome: the judge's form
            continue
        if needs == lifecycle.TECHNICIAN and not has_technician:  # assigning does it
            continue
        moves.append(target)
    return tuple(moves)


def judge_moves_for(role: str, kind: TicketKind, status: str) -> tuple[str, ...]:
    """The moves that record a complaint's outcome, for a role that may judge."""
    if kind is not TicketKind.COMPLAINT or not allowed(role, Action.TICKETS_JUDGE):
        return ()
    return tuple(
        t
        for t in lifecycle.allowed_next(kind, status)
        if lifecycle.move_needs(kind, t) == lifecycle.OUTCOME
    )


async def casefile(desk: Desk, number: str, role: str) -> Casefile:
    """The ticket page of `number` for a staff member of `role`; NotFound if unknown."""
    return await desk.db.read(_casefile, desk, number, role)


async def suggested_technicians(desk: Desk, number: str) -> list[Suggestion]:
    """Active technicians for a ticket: the ticket's region first, then the fewest open
    tickets, then by name."""
    return await desk.db.read(_suggested_for, number)


def _suggested_for(session: Session, number: str) -> list[Suggestion]:
    return _suggestions(session, find_ticket(session, number))


def _suggestions(session: Session, ticket: Ticket) -> list[Suggestion]:
    load = (
        select(Ticket.technician_id, func.count(Ticket.id).label("n"))
        .where(Ticket.status.not_in(sorted(lifecycle.FINAL)), Ticket.technician_id.is_not(None))
        .group_by(Ticket.technician_id)
        .subquery()
    )
    rows = session.execute(
        select(Staff.id, Staff.name, Staff.region, func.coalesce(load.c.n, 0))
        .outerjoin(load, load.c.technician_id == Staff.id)
        .where(Staff.role == "technician", Staff.active.is_(True))
    ).all()
    region = (ticket.region or "").strip()
    people = [
        Suggestion(
            id=i,
            name=name,
            region=r,
            open_load=int(n),
            same_region=bool(region) and _same_region(region, r),
            current=i == ticket.technician_id,
        )
        for i, name, r, n in rows
    ]
    people.sort(key=lambda s: (not s.same_region, s.open_load, s.name, s.id))
    return people


def _same_region(ticket_region: str, staff_region: str | None) -> bool:
    """The technician covers the ticket's region: the same, or one contains the other
    (a technician of 北京 covers 北京·朝阳)."""
    if not staff_region:
        return False
    staff_region = staff_region.strip()
    return bool(staff_region) and (
        ticket_region == staff_region
        or ticket_region.startswith(staff_region)
        or staff_region.startswith(ticket_region)
    )


def _casefile(session: Session, desk: Desk, number: str, role: str) -> Casefile:
    now = desk.now()
    ticket = find_ticket(session, number)
    view = ticket_view(session, ticket)
    kind = TicketKind(ticket.kind)
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    unit = session.get(Unit, ticket.unit_id) if ticket.unit_id else None
    assign = allowed(role, Action.TICKETS_ASSIGN) and lifecycle.can_assign(kind, ticket.status)
    judge = kind is TicketKind.COMPLAINT and allowed(role, Action.TICKETS_JUDGE)
    return Casefile(
        view=view,
        customer_name=customer.name if customer else None,
        masked_phone=mask_phone(ticket.contact_phone or (customer.phone if customer else None)),
        unit=_unit(unit) if unit else None,
        clocks=tuple(clock_state(c, ticket.status, now) for c in view.clocks),
        timeline=tuple(
            TimelineEntry(e, EVENT_ZH.get(e.action, e.action), actor_label(e)) for e in view.events
        ),
        transcript=_transcript(session, ticket),
        photos=_photos(session, ticket),
        suggestions=tuple(_suggestions(session, ticket)) if assign else (),
        moves=moves_for(role, kind, ticket.status, ticket.technician_id is not None),
        can_assign=assign,
        can_judge=judge,
        judge_moves=judge_moves_for(role, kind, ticket.status),
        causes=_recorded(session, Ticket.cause) if judge else (),
        departments=_recorded(session, Ticket.responsible_dept) if judge else (),
        now=now,
    )


def actor_label(event: EventView) -> str:
    if event.actor_name:
        return event.actor_name
    actor = event.actor
    if actor.startswith("agent:"):
        return f"热线客服 {actor.removeprefix('agent:')}"
    if actor.startswith("staff:"):
        return actor.removeprefix("staff:")
    return ACTOR_ZH.get(actor, actor)


def _unit(unit: Unit) -> dict:
    return {
        "product_name": unit.product_name,
        "model": unit.model,
        "serial_number": unit.serial_number,
        "warranty_end": unit.warranty_end,
        "contract_end": unit.contract_end,
    }


def _transcript(session: Session, ticket: Ticket) -> tuple[Thread, ...]:
    """The customer's chat the ticket came from (all of it: what was said before and
    after filing), any other chat lines filed against the ticket, and every hotline
    call attached to it, each call on its own."""
    about = [Message.ticket_id == ticket.id]
    identity = session.get(ChannelIdentity, ticket.identity_id) if ticket.identity_id else None
    if identity is not None and identity.channel != Channel.HOTLINE.value:
        about.append(
            and_(
                Message.channel == identity.channel,
                Message.external_id == identity.external_id,
            )
        )
    messages = session.execute(
        select(Message).where(or_(*about)).order_by(Message.id.desc()).limit(MAX_LINES)
    ).scalars()
    messages = sorted(messages, key=lambda m: m.id)
    calls = {
        c.call_key: c
        for c in session.execute(
            select(HotlineCall).where(HotlineCall.ticket_id == ticket.id)
        ).scalars()
    }
    threads: dict[tuple[str, str], list[Line]] = {}
    read = tapped.as_read((m.direction, m.text, m.buttons) for m in messages)
    for m, (_, pressed) in zip(messages, read, strict=True):
        key = (m.channel, m.call_id if m.channel == Channel.HOTLINE.value else m.external_id)
        threads.setdefault(key, []).append(
            Line(
                m.at,
                m.speaker,
                SPEAKER_ZH.get(m.speaker, m.speaker),
                m.text,
                m.direction == "in",
                m.direction == "in" and tapped.is_payload(m.text),
                pressed,
            )
        )
    out = []
    for (channel, key), lines in threads.items():
        if channel == Channel.HOTLINE.value:
            call = calls.get(key)
            agent = f"，坐席 {call.agent_id}" if call else ""
            title = f"热线通话{agent}"
            started = call.started_at if call else lines[0].at
        else:
            title = {Channel.WEB.value: "网页聊天", Channel.TELEGRAM.value: "Telegram 聊天"}.get(
                channel, "聊天"
            )
            started = lines[0].at
        out.append(Thread(channel, title, started, tuple(lines)))
    return tuple(out)


def _photos(session: Session, ticket: Ticket) -> tuple[Photo, ...]:
    rows = session.execute(
        select(Attachment)
        .where(Attachment.ticket_id == ticket.id, Attachment.kind == "photo")
        .order_by(Attachment.created_at, Attachment.id)
    ).scalars()
    return tuple(
        Photo(a.id, PurePath(a.path).name if a.path else f"照片 {a.id}", a.created_at) for a in rows
    )


def _recorded(session: Session, column) -> tuple[str, ...]:
    values = session.execute(
        select(column).where(column.is_not(None)).distinct().order_by(column).limit(100)
    ).scalars()
    return tuple(v for v in values if v and v != "unspecified")
