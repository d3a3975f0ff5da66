"""Which process may push to the rate-limited channels (Telegram) right now.

Telegram's limits (30 messages/s per bot, 1/s per chat) are per bot, not per process,
and the sender's limiter (bot/senders/limits.py) keeps them only for the sends it sees.
So when several processes share one PostgreSQL database exactly one of them, the
leader, sends to those channels; the others still dispatch the in-store channels (the
web chat) and take over when the leader goes.

Why a leader by advisory lock and not a shared token bucket row: the limiter has to
count requests in flight and answers within the last second (Telegram counts arrivals,
which we cannot see); a bucket row would need that state, a round trip per send and a
hot row every process updates 30 times a second. One sender at a time needs one cheap
check per claimed batch, and Telegram's limit is far below what one process can send.

The lock is a session-level `pg_try_advisory_lock` on a connection of its own: a
leader that dies, or loses the server, loses the lock with its session. A new leader
waits `takeover` seconds before its first send, so the sends the old one still had in
flight (at most the dispatcher's `max_inflight`, paced at 30/s) and its last second of
per-chat gaps are over before it starts. SQLite is one process: it always leads.
"""

from __future__ import annotations

import logging
import time
import zlib

from backend.store.db import Database, SessionLock

log = logging.getLogger(__name__)

# One key per database (advisory locks are scoped to the current database).
SEND_LOCK_KEY = zlib.crc32(b"aftercare:rate-limited-senders")
# 64 in flight at 30/s drain in ~2.1 s; plus the 1 s window and the per-chat second.
TAKEOVER_SECONDS = 4.0


class SendLeadership:
    def __init__(
        self,
        db: Database,
        *,
        key: int = SEND_LOCK_KEY,
        takeover: float = TAKEOVER_SECONDS,
        clock=time.monotonic,
    ):
        self.db = db
        self.key = key
        self.takeover = takeover
        self._clock = clock
        self._lock: SessionLock | None = None
        self._since = 0.0

    async def may_send(self) -> bool:
        """True while this process leads and its takeover wait is over. Cheap enough to
        ask before every claim: one query on the lock's own connection."""
        if self.db.dialect != "postgresql":
            return True
        if self._lock is not None and not await self._lock.alive():
            log.warning("lost the send lock: another process sends to Telegram now")
            self._lock = None
        if self._lock is None:
            self._lock = await self.db.try_session_lock(self.key)
            if self._lock is None:
                return False
            self._since = self._clock()
            log.info("this process sends to Telegram now (after %.1f s)", self.takeover)
        return self._clock() - self._since >= self.takeover

    async def close(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            await lock.release()
