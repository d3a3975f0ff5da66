"""A technician's jobs (the phone view, /console/jobs): their open visits, today's first.

Today's are those whose visit date is today or already past, or whose SLA deadline has
come, and those with no date at all (waiting for the technician to call); the next ones
follow. Each part is ordered by the visit date, then the nearest running SLA deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.domain.kinds import TicketKind
from backend.domain.permissions import TECHNICIAN_MOVES
from backend.services.desk import Desk
from backend.services.reports import VISIT_KINDS
from backend.services.values import ClockView, TicketView
from backend.services.views import ticket_view
from backend.store.tables import Attachment, Ticket


@dataclass(frozen=True)
class Job:
    ticket: TicketView
    moves: tuple[str, ...]  # what the technician may do next (the lifecycle's, theirs)
    clock: ClockView | None  # the running SLA clock due first
    sla: str  # "ok" | "warn" | "breach" | "" (no running clock)
    remaining_minutes: int | None  # to the deadline (negative: past it)
    today: bool
    photos: int


@dataclass(frozen=True)
class Jobs:
    today: list[Job]
    next: list[Job]


async def jobs_of(desk: Desk, technician_id: int) -> Jobs:
    """The technician's open visits: today's, then the next ones."""
    return await desk.db.read(_jobs_of, technician_id, desk.today(), desk.now())


def _running(view: TicketView) -> ClockView | None:
    running = [c for c in view.clocks if c.stopped_at is None and not c.exempt]
    return min(running, key=lambda c: c.due_at, default=None)


def _job(session: Session, ticket: Ticket, today: date, now: datetime) -> Job:
    view = ticket_view(session, ticket)
    clock = _running(view)
    sla, remaining = "", None
    if clock is not None:
        remaining = int((clock.due_at - now).total_seconds() // 60)
        sla = "breach" if clock.breached or now >= clock.due_at else "ok"
        if sla == "ok" and now >= clock.warn_at:
            sla = "warn"
    visit = ticket.requested_date
    is_today = visit is None or visit <= today or sla == "breach"
    moves = tuple(
        m for m in lifecycle.allowed_next(TicketKind(ticket.kind), ticket.status)
        if m in TECHNICIAN_MOVES
    )  # fmt: skip
    photos = len(
        session.execute(
            select(Attachment.id).where(
                Attachment.ticket_id == ticket.id, Attachment.path.is_not(None)
            )
        ).all()
    )
    return Job(view, moves, clock, sla, remaining, is_today, photos)


def _jobs_of(session: Session, technician_id: int, today: date, now: datetime) -> Jobs:
    stmt = select(Ticket).where(
        Ticket.technician_id == technician_id,
        Ticket.kind.in_(VISIT_KINDS),
        Ticket.status.not_in(tuple(lifecycle.DONE)),
    )
    jobs = [_job(session, t, today, now) for t in session.execute(stmt).scalars()]

    def order(job: Job):
        due = job.clock.due_at if job.clock else datetime.max.replace(tzinfo=now.tzinfo)
        return (job.ticket.requested_date or today, due, job.ticket.registered_at)

    jobs.sort(key=order)
    return Jobs([j for j in jobs if j.today], [j for j in jobs if not j.today])
