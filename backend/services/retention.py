"""Retention: what is kept only for a while, removed when its time is up.

- Of tickets finished longer ago than `desk.retention` (default 3 years): the chat
  transcript linked to them, their photos (rows and files) and their hotline turns. The
  ticket itself, its events, clocks and survey stay: the reports of those months do not
  change. A ticket is finished when closed (`closed_at`) or cancelled (its last change,
  `updated_at`, is the cancellation: a final ticket moves no more).
- Anonymous chats idle for more than `ANONYMOUS_IDLE` (30 days): never bound to a
  customer and never filed a ticket. Their conversation row, transcript, photos and
  identity go.
- Photo files no row refers to (a crash between an erasure's commit and its file removal,
  a download whose turn failed): see services/photos.py.

`purge` is one unit of work, then the file removal; `run_daily` runs it at most once a
day (the scheduler's scans call it every few seconds; the last run is in the audit log,
so a restart does not purge again and several processes purge about once between them).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import Session

from backend.services import audit, photos
from backend.services.desk import Desk
from backend.store.tables import (
    Attachment,
    ChannelIdentity,
    Conversation,
    Message,
    Ticket,
)

log = logging.getLogger(__name__)

ANONYMOUS_IDLE = timedelta(days=30)
EVERY = timedelta(days=1)
ACTION = "retention.purge"
ACTOR = "system:retention"
# Rows per statement: an IN list stays well inside every backend's parameter limit.
BATCH = 500


@dataclass(frozen=True)
class PurgeReport:
    tickets: int = 0  # tickets past their period that still had something to remove
    messages: int = 0
    attachments: int = 0
    conversations: int = 0
    identities: int = 0
    files_removed: int = 0
    orphan_files_removed: int = 0
    audit_entries: int = 0  # audit log entries past AFTERCARE_AUDIT_RETENTION_DAYS

    def as_dict(self) -> dict:
        return asdict(self)


async def purge(desk: Desk, *, now: datetime | None = None) -> PurgeReport:
    """Remove what is past its retention period as of `now` (default: the desk's clock)."""
    now = now or desk.now()
    counts, paths = await desk.db.write(
        _purge, now - desk.retention, now - ANONYMOUS_IDLE, now, now - desk.audit_retention
    )
    removed = photos.remove_files(paths)
    referenced = await desk.db.read(_referenced_paths)
    orphans = photos.remove_orphans(desk.attachments_dir, referenced, now)
    report = PurgeReport(**counts, files_removed=removed, orphan_files_removed=orphans)
    log.info("retention purge: %s", report.as_dict())
    return report


async def run_daily(desk: Desk) -> PurgeReport | None:
    """`purge` unless it ran less than a day ago; for the scheduler's periodic scans."""
    last = await desk.db.read(audit.last_at, ACTION)
    if last is not None and desk.now() - last < EVERY:
        return None
    return await purge(desk)


def _purge(
    session: Session, closed_before: datetime, idle_before: datetime, now: datetime, audit_before
) -> tuple[dict, list[str | None]]:
    counts = {"tickets": 0, "messages": 0, "attachments": 0}
    counts["audit_entries"] = audit.purge_before(session, audit_before)
    paths: list[str | None] = []
    old = select(Ticket.id).where(
        or_(
            Ticket.closed_at < closed_before,
            and_(Ticket.status == "cancelled", Ticket.updated_at < closed_before),
        )
    )
    has_data = or_(
        exists().where(Message.ticket_id == Ticket.id),
        exists().where(Attachment.ticket_id == Ticket.id),
    )
    expired = session.execute(old.where(has_data).order_by(Ticket.id)).scalars().all()
    for start in range(0, len(expired), BATCH):
        ids = expired[start : start + BATCH]
        counts["messages"] += _delete(session, Message, Message.ticket_id.in_(ids))
        found = photos.take_attachments(session, Attachment.ticket_id.in_(ids))
        counts["attachments"] += len(found)
        paths += found
    counts["tickets"] = len(expired)

    chats = _anonymous_idle_chats(session, idle_before)
    for channel, external_id in chats:
        counts["messages"] += _delete(
            session, Message, and_(Message.channel == channel, Message.external_id == external_id)
        )
        found = photos.take_attachments(
            session,
            and_(
                Attachment.channel == channel,
                Attachment.external_id == external_id,
                Attachment.ticket_id.is_(None),
            ),
        )
        counts["attachments"] += len(found)
        paths += found
        _delete(
            session,
            Conversation,
            and_(Conversation.channel == channel, Conversation.external_id == external_id),
        )
    counts["conversations"] = len(chats)
    counts["identities"] = _delete_identities(session, chats)
    audit.record(session, at=now, actor=ACTOR, action=ACTION, subject="store", detail=counts)
    return counts, paths


def _anonymous_idle_chats(session: Session, idle_before: datetime) -> list[tuple[str, str]]:
    """Chats idle since `idle_before` that were never bound and never filed a ticket."""
    identity = and_(
        ChannelIdentity.channel == Conversation.channel,
        ChannelIdentity.external_id == Conversation.external_id,
    )
    bound = exists().where(identity, ChannelIdentity.customer_id.is_not(None))
    filed = (
        select(Ticket.id)
        .join(ChannelIdentity, Ticket.identity_id == ChannelIdentity.id)
        .where(identity)
        .exists()
    )
    linked = exists().where(
        Message.channel == Conversation.channel,
        Message.external_id == Conversation.external_id,
        or_(Message.ticket_id.is_not(None), Message.customer_id.is_not(None)),
    )
    stmt = select(Conversation.channel, Conversation.external_id, Conversation.state).where(
        Conversation.updated_at < idle_before, ~bound, ~filed, ~linked
    )
    # The state's customer and ticket (set when a chat is bound or has a ticket in focus)
    # are read here rather than in SQL: JSON paths differ between the backends.
    return [
        (channel, external_id)
        for channel, external_id, state in session.execute(stmt.order_by(Conversation.id))
        if not (state or {}).get("customer_id") and not (state or {}).get("ticket_id")
    ]


def _delete_identities(session: Session, chats: list[tuple[str, str]]) -> int:
    removed = 0
    for channel, external_id in chats:
        removed += _delete(
            session,
            ChannelIdentity,
            and_(
                ChannelIdentity.channel == channel,
                ChannelIdentity.external_id == external_id,
                ChannelIdentity.customer_id.is_(None),
                ~exists().where(Ticket.identity_id == ChannelIdentity.id),
            ),
        )
    return removed


def _delete(session: Session, model, where) -> int:
    stmt = delete(model).where(where).execution_options(synchronize_session=False)
    return session.execute(stmt).rowcount


def _referenced_paths(session: Session) -> list[str]:
    stmt = select(Attachment.path).where(Attachment.path.is_not(None))
    return list(session.execute(stmt).scalars())
