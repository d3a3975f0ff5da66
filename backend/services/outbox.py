"""The outbox's delivery side: claiming due rows, recording results, retrying.

Rows are written by the use cases (services.notices) in the transaction of the change
that causes them. Any number of dispatchers, in any number of processes, may claim:

- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED`, then the claimed rows get a lease.
- SQLite: one `UPDATE ... RETURNING` that sets the lease (SQLAlchemy drops SKIP LOCKED
  on SQLite silently; our SQLite transactions start with BEGIN IMMEDIATE, so the single
  statement is atomic across processes).

A claimed row has status `sending` and `lease_until`; a dispatcher that dies leaves it
there and the row becomes claimable again once the lease has run out. Statuses:
pending -> sending -> sent | pending (retry) | dead (gave up) | blocked (chat blocked us).

Per ticket, only the oldest unsent row is claimable, so a ticket's notices arrive in the
order they were written even when one of them is being retried. Per chat, one row is
claimed at a time, so a chat's 1 msg/s limit never holds a whole batch up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, text, update
from sqlalchemy.orm import Session

from backend.domain.kinds import Channel
from backend.services.delivery import (
    Blocked,
    Claimed,
    Delivered,
    Outcome,
    Rejected,
    RetryLater,
    Sender,
)
from backend.services.webchat_delivery import deliver_to_web
from backend.store.db import Database
from backend.store.tables import ChannelIdentity, Notification
from backend.store.types import UtcDateTime

__all__ = [
    "IN_STORE",
    "Backoff",
    "Blocked",
    "Claimed",
    "Delivered",
    "InStoreDelivery",
    "Outcome",
    "Rejected",
    "RetryLater",
    "Sender",
    "claim",
    "deliver_in_store",
    "record",
    "release",
]

# A channel whose delivery is a write to our own store, run inside the transaction that
# records the result (exactly once). The web chat's transcript is such a channel.
InStoreDelivery = Callable[[Session, Claimed, datetime], Delivered]
IN_STORE: Mapping[str, InStoreDelivery] = {Channel.WEB.value: deliver_to_web}

# Terminal for the row; the earlier-row check below only waits for these two.
UNSENT = ("pending", "sending")

# A row is claimable when it is due and either waiting or abandoned by a dead dispatcher,
# the ticket has no older unsent row (even one waiting for a retry, or due later: order
# beats speed), its chat has no row in flight right now, and this dispatcher serves its
# channel (only the send leader serves the rate-limited ones: services/send_leader.py).
_ELIGIBLE = """
    n.due_at <= :now
    AND n.channel NOT IN :skip
    AND (n.status = 'pending' OR (n.status = 'sending' AND n.lease_until < :now))
    AND NOT EXISTS (
        SELECT 1 FROM notifications e
        WHERE e.ticket_id = n.ticket_id AND e.id < n.id
          AND e.status IN ('pending', 'sending'))
    AND NOT EXISTS (
        SELECT 1 FROM notifications c
        WHERE c.channel = n.channel AND c.chat_id = n.chat_id AND c.id <> n.id
          AND c.status = 'sending' AND c.lease_until >= :now)
"""

# The oldest eligible row of each chat.
_HEADS = f"""
    SELECT id FROM (
        SELECT n.id, row_number() OVER (
            PARTITION BY n.channel, n.chat_id ORDER BY n.due_at, n.id) AS rn
        FROM notifications n WHERE {_ELIGIBLE}
    ) heads WHERE rn = 1
"""

_COLUMNS = (
    "id, idempotency_key, ticket_id, channel, chat_id, audience, kind, payload, attempts, "
    "lease_until"
)


def _typed(sql: str):
    """Bind datetimes through the column type, so SQLite compares them in the stored
    text format (with microseconds) and PostgreSQL gets UTC timestamps."""
    stmt = text(sql)
    names = [n for n in ("now", "lease") if f":{n}" in sql]
    return stmt.bindparams(
        *(bindparam(n, type_=UtcDateTime()) for n in names),
        bindparam("skip", expanding=True, type_=String()),
    )


# The outer conditions repeat the status test on purpose: under READ COMMITTED,
# PostgreSQL re-checks them on the locked row version, so a row another dispatcher
# claimed and committed meanwhile is skipped instead of claimed twice.
_PG_SELECT = _typed(f"""
    SELECT n.id FROM notifications n
    WHERE n.id IN ({_HEADS})
      AND n.due_at <= :now
      AND (n.status = 'pending' OR (n.status = 'sending' AND n.lease_until < :now))
    ORDER BY n.due_at, n.id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
""")

_SQLITE_CLAIM = _typed(f"""
    UPDATE notifications SET status = 'sending', lease_until = :lease
    WHERE id IN (
        SELECT n.id FROM notifications n WHERE n.id IN ({_HEADS})
        ORDER BY n.due_at, n.id LIMIT :limit)
    RETURNING {_COLUMNS}
""")


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff; with the defaults a row survives about 2.5 hours of outage."""

    base: float = 5.0
    factor: float = 2.0
    cap: float = 600.0
    max_attempts: int = 20

    def delay(self, attempts: int) -> timedelta:
        seconds = min(self.base * self.factor ** max(attempts - 1, 0), self.cap)
        return timedelta(seconds=seconds)


# ---- claiming ----------------------------------------------------------------------------
async def claim(
    db: Database,
    now: datetime,
    *,
    limit: int,
    lease: timedelta,
    skip: Collection[str] = (),
) -> list[Claimed]:
    """Claim up to `limit` due rows for this dispatcher, each for `lease`; rows of the
    channels in `skip` are left for another dispatcher."""
    lease_until = now + lease
    # Measured before the claim, so the local notion of "still mine" errs on the safe side.
    fresh_until = time.monotonic() + lease.total_seconds() * 0.8
    rows = await db.write(_claim, now, limit, lease_until, sorted(skip))
    claimed = [
        Claimed(
            id=r.id,
            key=r.idempotency_key,
            ticket_id=r.ticket_id,
            channel=r.channel,
            chat_id=r.chat_id,
            audience=r.audience,
            kind=r.kind,
            payload=_payload(r.payload),
            attempts=r.attempts,
            lease_until=lease_until,
            fresh_until=fresh_until,
        )
        for r in rows
    ]
    claimed.sort(key=lambda c: c.id)
    return claimed


def _claim(
    session: Session, now: datetime, limit: int, lease_until: datetime, skip: list[str]
) -> list:
    params = {"now": now, "limit": limit, "skip": skip}
    if session.bind.dialect.name != "postgresql":
        return session.execute(_SQLITE_CLAIM, {**params, "lease": lease_until}).all()
    ids = list(session.execute(_PG_SELECT, params).scalars())
    if not ids:
        return []
    stmt = (
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(status="sending", lease_until=lease_until)
        .returning(*_columns())
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).all()


def _columns():
    t = Notification
    return (
        t.id,
        t.idempotency_key,
        t.ticket_id,
        t.channel,
        t.chat_id,
        t.audience,
        t.kind,
        t.payload,
        t.attempts,
        t.lease_until,
    )


def _payload(value) -> dict:
    if isinstance(value, str):  # raw SQLite text from the RETURNING of a text() statement
        return json.loads(value)
    return value


def _mine(notice: Claimed):
    """The claim is still ours: nobody re-claimed the row after our lease ran out."""
    return (
        (Notification.id == notice.id)
        & (Notification.status == "sending")
        & (Notification.lease_until == notice.lease_until)
    )


def _update(*where):
    # Bulk statements: no ORM objects to synchronise, and rowcount stays the row count.
    return update(Notification).where(*where).execution_options(synchronize_session=False)


# ---- recording results -------------------------------------------------------------------
async def record(
    db: Database, notice: Claimed, outcome: Outcome, now: datetime, backoff: Backoff
) -> bool:
    """Store a sender's outcome. False when the claim was no longer ours."""
    return await db.write(record_in, notice, outcome, now, backoff)


class _ClaimLost(Exception):
    """Rolls an in-store delivery back: another dispatcher holds the row now."""


async def deliver_in_store(
    db: Database,
    deliver: InStoreDelivery,
    notice: Claimed,
    now: datetime,
    backoff: Backoff,
) -> tuple[Outcome, bool]:
    """Deliver `notice` with `deliver` and record it sent, in one transaction. When the
    claim was lost meanwhile, nothing is delivered (the other holder will deliver it):
    (outcome, False)."""
    try:
        return await db.write(_deliver_and_record, deliver, notice, now, backoff), True
    except _ClaimLost as lost:
        return lost.args[0], False


def _deliver_and_record(
    session: Session, deliver: InStoreDelivery, notice: Claimed, now: datetime, backoff: Backoff
) -> Outcome:
    outcome = deliver(session, notice, now)
    if not record_in(session, notice, outcome, now, backoff):
        raise _ClaimLost(outcome)
    return outcome


def record_in(
    session: Session, notice: Claimed, outcome: Outcome, now: datetime, backoff: Backoff
) -> bool:
    """`record` inside a caller's unit of work."""
    if isinstance(outcome, Delivered):
        values = dict(
            status="sent",
            sent_at=now,
            channel_message_id=outcome.message_id,
            lease_until=None,
            last_error=None,
        )
    elif isinstance(outcome, RetryLater):
        attempts = notice.attempts + (1 if outcome.counts else 0)
        if attempts >= backoff.max_attempts:
            values = dict(status="dead", attempts=attempts, lease_until=None)
        else:
            wait = (
                timedelta(seconds=outcome.after)
                if outcome.after is not None
                else backoff.delay(attempts)
            )
            values = dict(status="pending", attempts=attempts, due_at=now + wait, lease_until=None)
        values["last_error"] = outcome.error[:500]
    elif isinstance(outcome, Rejected):
        values = dict(status="dead", lease_until=None, last_error=outcome.error[:500])
    else:
        values = dict(status="blocked", lease_until=None, last_error=outcome.error[:500])
    if session.execute(_update(_mine(notice)).values(**values)).rowcount != 1:
        return False
    if isinstance(outcome, Blocked):
        _block_chat(session, notice.channel, notice.chat_id, now)
    return True


def _block_chat(session: Session, channel: str, chat_id: str, now: datetime) -> None:
    """Mark the chat blocked and stop everything still queued for it."""
    session.execute(
        update(ChannelIdentity)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == chat_id,
            ChannelIdentity.blocked_at.is_(None),
        )
        .values(blocked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        _update(
            Notification.channel == channel,
            Notification.chat_id == chat_id,
            Notification.status == "pending",
        ).values(status="blocked", last_error="chat blocked the bot")
    )


async def release(db: Database, notices: list[Claimed]) -> None:
    """Hand unsent claims back at shutdown so another dispatcher need not wait the lease."""
    if notices:
        await db.write(_release, notices)


def _release(session: Session, notices: list[Claimed]) -> None:
    for notice in notices:
        session.execute(_update(_mine(notice)).values(status="pending", lease_until=None))
