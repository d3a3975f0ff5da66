"""Writing outbox rows, always inside the transaction of the change that causes them.

Helpers on the unit of work's `Session` (see backend/store/db.py): a use case calls them
from its own `Database.write` unit, so the notice commits or rolls back with the change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.domain.kinds import Channel
from backend.services.limits import Limits
from backend.store.db import on_commit
from backend.store.tables import ChannelIdentity, Notification, Staff, Ticket, TicketEvent

# Channels the dispatcher can push to; a hotline caller is reached once they bind a chat.
PUSH_CHANNELS = (Channel.TELEGRAM.value, Channel.WEB.value)


def customer_target(session: Session, ticket: Ticket) -> ChannelIdentity | None:
    """The chat a ticket's notices go to: the one it came from, else the customer's latest
    verified chat. A chat bound by a typed phone number only is never reached."""
    if ticket.identity_id is not None:
        identity = session.get(ChannelIdentity, ticket.identity_id)
        if identity is not None and identity.channel in PUSH_CHANNELS:
            return identity
    if ticket.customer_id is None:
        return None
    stmt = (
        select(ChannelIdentity)
        .where(
            ChannelIdentity.customer_id == ticket.customer_id,
            ChannelIdentity.channel.in_(PUSH_CHANNELS),
            ChannelIdentity.verified_at.is_not(None),
        )
        .order_by(ChannelIdentity.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def enqueue(
    session: Session,
    *,
    key: str,
    channel: str,
    chat_id: str,
    kind: str,
    payload: dict,
    due_at: datetime,
    now: datetime,
    ticket_id: int | None = None,
    audience: str = "customer",
) -> Notification | None:
    """Add one outbox row unless a row with the same idempotency key exists."""
    existing = session.execute(select(Notification.id).where(Notification.idempotency_key == key))
    if existing.first() is not None:
        return None
    row = Notification(
        idempotency_key=key,
        ticket_id=ticket_id,
        channel=channel,
        chat_id=chat_id,
        audience=audience,
        kind=kind,
        payload=payload,
        due_at=due_at,
        status="pending",
        attempts=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def notify_customer(
    session: Session,
    ticket: Ticket,
    *,
    key: str,
    kind: str,
    payload: dict,
    now: datetime,
    due_at: datetime | None = None,
) -> Notification | None:
    target = customer_target(session, ticket)
    if target is None or target.blocked_at is not None:
        return None
    return enqueue(
        session,
        key=key,
        channel=target.channel,
        chat_id=target.external_id,
        kind=kind,
        payload=payload,
        due_at=due_at or now,
        now=now,
        ticket_id=ticket.id,
    )


def notify_staff(
    session: Session,
    ticket: Ticket,
    people: Iterable[Staff],
    *,
    key: str,
    kind: str,
    text: str,
    now: datetime,
) -> int:
    """One Telegram notice per staff member, keyed `<key>:staff<id>`."""
    sent = 0
    for person in people:
        row = enqueue(
            session,
            key=f"{key}:staff{person.id}",
            channel=Channel.TELEGRAM.value,
            chat_id=person.telegram_chat_id,
            kind=kind,
            payload={"text": text},
            due_at=now,
            now=now,
            ticket_id=ticket.id,
            audience="staff",
        )
        sent += row is not None
    return sent


def notify_supervisors(
    session: Session, ticket: Ticket, *, key: str, text: str, now: datetime
) -> int:
    """Escalations go to every active supervisor reachable on Telegram."""
    stmt = select(Staff).where(
        Staff.role == "supervisor", Staff.active.is_(True), Staff.telegram_chat_id.is_not(None)
    )
    supervisors = session.execute(stmt).scalars().all()
    return notify_staff(
        session, ticket, supervisors, key=key, kind="escalation", text=text, now=now
    )


def escalate(
    session: Session,
    ticket: Ticket,
    *,
    key: str,
    text: str,
    note: str,
    now: datetime,
    limits: Limits | None = None,
) -> int:
    """Escalate to the supervisors: an `escalated` event on the ticket and a notice each.

    With `limits` (backend/services/limits.py, its page interval in force), a complaint
    whose supervisors were paged within that interval, on this ticket or on another
    complaint of the same customer (the same complaint filed again), is recorded but not
    paged again, and the refusal is counted once the unit commits."""
    quiet = limits.page_quiet if limits is not None else None
    already = (
        quiet is not None
        and ticket.kind == "complaint"
        and _paged_since(session, ticket, now - quiet)
    )
    if already:
        on_commit(session, partial(limits.refused, "supervisor_page"))
        note = f"{note} (supervisors already paged within {quiet}: not paged again)"
    session.add(
        TicketEvent(ticket_id=ticket.id, at=now, actor="system", action="escalated", note=note)
    )
    if already:
        return 0
    return notify_supervisors(session, ticket, key=key, text=text, now=now)


def _paged_since(session: Session, ticket: Ticket, since: datetime) -> bool:
    same = [Notification.ticket_id == ticket.id]
    if ticket.customer_id is not None:
        complaints = select(Ticket.id).where(
            Ticket.customer_id == ticket.customer_id, Ticket.kind == "complaint"
        )
        same.append(Notification.ticket_id.in_(complaints))
    stmt = select(Notification.id).where(
        Notification.kind == "escalation",
        Notification.audience == "staff",
        Notification.created_at > since,
        or_(*same),
    )
    return session.execute(stmt.limit(1)).first() is not None
