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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.store.db import Database
from backend.store.tables import ChannelIdentity, Notification
from backend.store.types import UtcDateTime

# Terminal for the row; the earlier-row check below only waits for these two.
UNSENT = ("pending", "sending")

# A row is claimable when it is due and either waiting or abandoned by a dead dispatcher,
# the ticket has no older unsent row (even one waiting for a retry, or due later: order
# beats speed), and its chat has no row in flight right now.
_ELIGIBLE = """
    n.due_at <= :now
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
    return stmt.bindparams(*(bindparam(n, type_=UtcDateTime()) for n in names))


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
class Claimed:
    """One claimed notice, detached from any session."""

    id: int
    key: str
    ticket_id: int | None
    channel: str
    chat_id: str
    audience: str
    kind: str
    payload: dict
    attempts: int
    lease_until: datetime  # also the claim's token: only its holder may record a result
    fresh_until: float  # time.monotonic() after which the lease may have run out

    def still_mine(self) -> bool:
        """False once the lease may have expired: another dispatcher may hold it now."""
        return time.monotonic() < self.fresh_until

    @property
    def text(self) -> str:
        return self.payload.get("text", "")

    @property
    def buttons(self) -> list[dict]:
        return list(self.payload.get("buttons") or ())


# ---- what a sender reports back --------------------------------------------------------
@dataclass(frozen=True)
class Delivered:
    message_id: str


@dataclass(frozen=True)
class RetryLater:
    error: str
    after: float | None = None  # seconds the channel asked us to wait (429 retry_after)
    counts: bool = True  # False: not the row's fault (rate limit, lease ran out)


@dataclass(frozen=True)
class Blocked:
    """The user blocked the bot (403): stop sending to this chat."""

    error: str


@dataclass(frozen=True)
class Rejected:
    """The channel refuses this notice for good (400): retrying cannot help."""

    error: str


Outcome = Delivered | RetryLater | Blocked | Rejected


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
async def claim(db: Database, now: datetime, *, limit: int, lease: timedelta) -> list[Claimed]:
    """Claim up to `limit` due rows for this dispatcher, each for `lease`."""
    lease_until = now + lease
    # Measured before the claim, so the local notion of "still mine" errs on the safe side.
    fresh_until = time.monotonic() + lease.total_seconds() * 0.8
    params = {"now": now, "limit": limit}
    async with db.transaction() as session:
        if db.dialect == "postgresql":
            ids = list((await session.execute(_PG_SELECT, params)).scalars())
            if not ids:
                return []
            stmt = (
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(status="sending", lease_until=lease_until)
                .returning(*_columns())
            )
            rows = (await session.execute(stmt)).all()
        else:
            params["lease"] = lease_until
            rows = (await session.execute(_SQLITE_CLAIM, params)).all()
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


# ---- recording results -------------------------------------------------------------------
async def record(
    db: Database, notice: Claimed, outcome: Outcome, now: datetime, backoff: Backoff
) -> bool:
    """Store a sender's outcome. False when the claim was no longer ours."""
    async with db.transaction() as session:
        return await record_in(session, notice, outcome, now, backoff)


async def record_in(
    session: AsyncSession, notice: Claimed, outcome: Outcome, now: datetime, backoff: Backoff
) -> bool:
    mine = _mine(notice)
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
    result = await session.execute(update(Notification).where(mine).values(**values))
    if result.rowcount != 1:
        return False
    if isinstance(outcome, Blocked):
        await _block_chat(session, notice.channel, notice.chat_id, now)
    return True


async def _block_chat(session: AsyncSession, channel: str, chat_id: str, now: datetime) -> None:
    """Mark the chat blocked and stop everything still queued for it."""
    await session.execute(
        update(ChannelIdentity)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == chat_id,
            ChannelIdentity.blocked_at.is_(None),
        )
        .values(blocked_at=now)
    )
    await session.execute(
        update(Notification)
        .where(
            Notification.channel == channel,
            Notification.chat_id == chat_id,
            Notification.status == "pending",
        )
        .values(status="blocked", last_error="chat blocked the bot")
    )


async def release(db: Database, notices: list[Claimed]) -> None:
    """Hand unsent claims back at shutdown so another dispatcher need not wait the lease."""
    if not notices:
        return
    async with db.transaction() as session:
        for notice in notices:
            await session.execute(
                update(Notification).where(_mine(notice)).values(status="pending", lease_until=None)
            )
