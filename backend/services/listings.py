"""What staff read: ticket lists, the dispatch queue, the desk's queue (search, filters,
paging), one ticket, the active staff.

Each is one read-only unit of work (`Database.read`): it never takes SQLite's write lock,
so the console's polling does not queue behind the chat's writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, case, exists, false, func, or_, select
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.domain.contact import mask_phone, normalise_phone
from backend.domain.kinds import TicketKind
from backend.domain.numbering import normalise_number
from backend.services.desk import Desk
from backend.services.queries import find_ticket
from backend.services.reports import (
    VISIT_KINDS,  # the kinds a technician goes out to
    clock_outcome,
)
from backend.services.values import ClockView, TicketView
from backend.services.views import ticket_view
from backend.store.tables import Customer, SlaClock, Staff, Ticket


async def tickets(
    desk: Desk,
    *,
    kind: TicketKind | None = None,
    status: str | None = None,
    limit: int = 50,
    seen_by: int | None = None,
    search: str | None = None,
    category: str | None = None,
    region: str | None = None,
    technician_id: int | None = None,
    breached: bool = False,
) -> list[TicketView]:
    """The newest tickets first, of any status unless one is asked for; with `seen_by`
    (a technician's staff id) only those assigned to them. `search`, `category`,
    `region`, `technician_id` (NO_TECHNICIAN: unassigned) and `breached` filter as the
    desk's queue does (`QueueQuery`)."""
    query = QueueQuery(
        search=search,
        kind=kind,
        status=status,
        category=category,
        region=region,
        technician_id=technician_id,
        breached=breached,
    )
    return await desk.db.read(_tickets, desk, query, limit, seen_by)


def _tickets(session: Session, desk: Desk, query: QueueQuery, limit: int, seen_by: int | None):
    conditions = _conditions(query, desk.now(), open_only=False)
    stmt = (
        select(Ticket)
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(*conditions)
        .order_by(Ticket.registered_at.desc(), Ticket.id.desc())
    )
    if seen_by is not None:
        stmt = stmt.where(Ticket.technician_id == seen_by)
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


# --- The dispatcher's desk: search, filters, paging ------------------------------------

PAGE_SIZE = 25
NO_TECHNICIAN = 0  # the technician filter's "not assigned yet"


@dataclass(frozen=True)
class QueueQuery:
    """What the desk asks for. Every field optional: by default every open ticket.

    `search` finds a ticket number, a phone (whole, in any form the chat accepts, or
    masked as lists show it: 138****5678, or its last digits) or a serial number (any
    part of it, regardless of case). `status` None means every open status; a final
    status (closed, cancelled) may be asked for by name. `technician_id` NO_TECHNICIAN
    means not assigned yet."""

    search: str | None = None
    kind: TicketKind | None = None
    status: str | None = None
    category: str | None = None
    region: str | None = None
    technician_id: int | None = None
    breached: bool = False
    page: int = 1
    size: int = PAGE_SIZE


@dataclass(frozen=True)
class ClockState:
    """A clock as the desk shows it: its view and its state now, by the reports' rule
    (backend/services/reports.clock_outcome): running, warning (past its warning
    point), breached, met, exempt or stopped (a cancelled ticket's, not counted)."""

    view: ClockView
    state: str
    remaining: timedelta | None  # running clocks: until due (negative: overdue)


@dataclass(frozen=True)
class QueueRow:
    view: TicketView
    customer_name: str | None
    masked_phone: str
    leftover: bool  # registered before today (local time) and still open
    clocks: tuple[ClockState, ...]
    alarm: str | None  # "breached" | "warning" | None: the row's colour


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    total: int
    page: int
    pages: int
    size: int
    now: datetime


WARNING, BREACHED = "warning", "breached"


def clock_state(clock: ClockView, ticket_status: str, now: datetime) -> ClockState:
    """The one reading of a clock for the desk (the queue and the ticket page)."""
    outcome = clock_outcome(clock.due_at, clock.stopped_at, clock.exempt, ticket_status, now)
    running = clock.stopped_at is None and not clock.exempt and lifecycle.is_open(ticket_status)
    if clock.exempt:
        state = "exempt"
    elif outcome == "missed" or (running and clock.breached):
        state = BREACHED
    elif outcome == "hit":
        state = "met"
    elif running and now >= clock.warn_at:
        state = WARNING
    elif running:
        state = "running"
    else:
        state = "stopped"
    return ClockState(clock, state, clock.due_at - now if running else None)


def alarm_of(states) -> str | None:
    """A row's colour: breached if a running clock is, else warning if one is."""
    running = [s for s in states if s.remaining is not None]
    if any(s.state == BREACHED for s in running):
        return BREACHED
    if any(s.state == WARNING for s in running):
        return WARNING
    return None


async def queue(desk: Desk, query: QueueQuery) -> QueuePage:
    """The desk's queue: yesterday's leftovers first, then the most urgent running
    deadline first (tickets with no running clock after), then the oldest first."""
    return await desk.db.read(_queue, desk, query)


def _day_start(desk: Desk) -> datetime:
    return datetime.combine(desk.today(), time(0), desk.calendar.tz)


def _queue(session: Session, desk: Desk, query: QueueQuery) -> QueuePage:
    now = desk.now()
    today = _day_start(desk)
    conditions = _conditions(query, now)
    total = session.execute(
        select(func.count(Ticket.id))
        .select_from(Ticket)
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(*conditions)
    ).scalar_one()
    size = max(1, min(query.size, 200))
    pages = max(1, -(-total // size))
    page = max(1, min(query.page, pages))
    next_due = (
        select(func.min(SlaClock.due_at))
        .where(
            SlaClock.ticket_id == Ticket.id,
            SlaClock.stopped_at.is_(None),
            SlaClock.exempt.is_(False),
        )
        .correlate(Ticket)
        .scalar_subquery()
    )
    leftover = case((Ticket.registered_at < today, 0), else_=1)
    stmt = (
        select(Ticket, Customer.name, Customer.phone)
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(*conditions)
        .order_by(
            leftover,
            case((next_due.is_(None), 1), else_=0),
            next_due,
            Ticket.registered_at,
            Ticket.id,
        )
        .offset((page - 1) * size)
        .limit(size)
    )
    rows = []
    for ticket, name, phone in session.execute(stmt).all():
        view = ticket_view(session, ticket)
        states = tuple(clock_state(c, ticket.status, now) for c in view.clocks)
        rows.append(
            QueueRow(
                view=view,
                customer_name=name,
                masked_phone=mask_phone(ticket.contact_phone or phone),
                leftover=ticket.registered_at < today and lifecycle.is_open(ticket.status),
                clocks=states,
                alarm=alarm_of(states),
            )
        )
    return QueuePage(tuple(rows), total, page, pages, size, now)


def _conditions(query: QueueQuery, now: datetime, *, open_only: bool = True) -> list:
    conditions = []
    if query.status is not None:
        conditions.append(Ticket.status == query.status)
    elif open_only:
        conditions.append(Ticket.status.not_in(sorted(lifecycle.FINAL)))
    if query.kind is not None:
        conditions.append(Ticket.kind == query.kind.value)
    if query.category:
        conditions.append(Ticket.category == query.category)
    if query.region:
        conditions.append(Ticket.region == query.region)
    if query.technician_id == NO_TECHNICIAN:
        conditions.append(Ticket.technician_id.is_(None))
    elif query.technician_id is not None:
        conditions.append(Ticket.technician_id == query.technician_id)
    if query.breached:
        conditions.append(
            exists().where(
                SlaClock.ticket_id == Ticket.id,
                SlaClock.exempt.is_(False),
                or_(
                    SlaClock.breached_at.is_not(None),
                    and_(SlaClock.stopped_at.is_(None), SlaClock.due_at < now),
                    SlaClock.stopped_at > SlaClock.due_at,
                ),
            )
        )
    if query.search and query.search.strip():
        conditions.append(_search(query.search.strip()))
    return conditions


def _digits(column):
    """A stored phone without its dashes (landlines are stored 010-12345678)."""
    return func.replace(column, "-", "")


def _search(text: str):
    """A ticket number, a phone (whole, masked or its last digits), or a serial."""
    found = []
    if number := normalise_number(text):
        found.append(Ticket.number == number)
    if phone := normalise_phone(text):
        found += [Ticket.contact_phone == phone, Customer.phone == phone]
    compact = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text))
    masked = re.fullmatch(r"(\d{0,4})[*＊]+(\d{2,4})", compact)
    if masked:  # as the lists show it: 138****5678
        head, tail = masked.groups()
        pattern = f"{head}%{tail}"
        found += [
            _digits(Ticket.contact_phone).like(pattern),
            _digits(Customer.phone).like(pattern),
        ]
    elif compact.isdigit() and len(compact) >= 4:  # the last digits of a phone
        found += [
            _digits(Ticket.contact_phone).endswith(compact, autoescape=True),
            _digits(Customer.phone).endswith(compact, autoescape=True),
        ]
    if not masked and compact:
        upper = compact.upper()
        found += [
            func.upper(Ticket.serial_number).contains(upper, autoescape=True),
            Ticket.number.contains(upper, autoescape=True),
        ]
    return or_(*found) if found else false()


async def queue_choices(desk: Desk) -> dict:
    """What the desk's filters offer: the regions tickets name, and the technicians."""
    return await desk.db.read(_queue_choices)


def _queue_choices(session: Session) -> dict:
    regions = session.execute(
        select(Ticket.region).where(Ticket.region.is_not(None)).distinct().order_by(Ticket.region)
    ).scalars()
    technicians = session.execute(
        select(Staff.id, Staff.name, Staff.region)
        .where(Staff.role == "technician", Staff.active.is_(True))
        .order_by(Staff.name, Staff.id)
    ).all()
    return {
        "regions": [r for r in regions if r],
        "technicians": [{"id": i, "name": n, "region": r} for i, n, r in technicians],
    }
