"""Outbox dispatcher benchmark (issue 5).

1. Limits on: N due notices for C chats, sent with the real PTB client to the fake Bot
   API enforcing Telegram's limits (30 msg/s overall, 1 msg/s per chat). Reports the
   achieved sustained send rate (target >= 29 msg/s) and the 429s we caused (target 0).
2. Limits off: the dispatcher's own cost per notice (claim + record), with a sender that
   returns at once, and with PTB against the fake with our limiter opened wide.

    .venv/bin/python -m bench.outbox_throughput                 # 10,000 notices, ~6 min
    .venv/bin/python -m bench.outbox_throughput --notices 2000 --chats 400
    .venv/bin/python -m bench.outbox_throughput --database-url postgresql+asyncpg://...

The fake server runs on its own thread and event loop, so its arrival timestamps (which
decide what counts as a violation) are not skewed by the dispatcher's work.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from backend.api.app import limit_policy
from backend.config import Settings
from backend.domain.calendar import WorkingCalendar
from backend.domain.clock import SystemClock
from backend.domain.sla import SlaPolicy
from backend.scheduler.dispatcher import Dispatcher
from backend.services.delivery import Claimed, Delivered
from backend.services.desk import Desk
from backend.services.limits import Limits
from backend.store.db import Database
from backend.store.tables import Notification
from bot.senders.limits import RateLimiter
from bot.senders.telegram import TelegramSender, make_bot
from tests.fakes.bot_api import FakeBotApi


class FakeOnThread:
    """The fake Bot API served from a thread with its own loop."""

    def __init__(self, enforce_limits: bool):
        self.enforce_limits = enforce_limits
        self.fake: FakeBotApi | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self.fake = FakeBotApi(enforce_limits=self.enforce_limits)
        self._loop.run_until_complete(self.fake.start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> FakeBotApi:
        self._thread.start()
        self._ready.wait()
        return self.fake

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()


async def seed(db: Database, notices: int, chats: int) -> None:
    await db.write(_seed, notices, chats)


def _seed(session: Session, notices: int, chats: int) -> None:
    session.execute(delete(Notification))
    now = datetime.now(UTC)
    rows = [
        {
            "idempotency_key": f"bench:{i}",
            "ticket_id": None,
            "channel": "telegram",
            "chat_id": str(100_000 + i % chats),
            "audience": "customer",
            "kind": "bench",
            "payload": {"text": f"通知 {i}"},
            "due_at": now,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for i in range(notices)
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(Notification), rows[start : start + 1000])


async def drain_all(dispatcher: Dispatcher) -> float:
    started = time.perf_counter()
    while await dispatcher.drain():
        pass
    return time.perf_counter() - started


def desk_for(db: Database) -> Desk:
    # AFTERCARE_LIMITS=off, as every load benchmark runs
    limits = Limits(limit_policy(Settings(limits=False)))
    return Desk(
        db=db,
        clock=SystemClock(),
        calendar=WorkingCalendar.load(),
        policy=SlaPolicy(),
        limits=limits,
    )


async def with_limits(db: Database, notices: int, chats: int) -> None:
    server = FakeOnThread(enforce_limits=True)
    fake = server.start()
    await seed(db, notices, chats)
    sender = TelegramSender(make_bot(fake.token, fake.base_url))
    await sender.start()
    try:
        dispatcher = Dispatcher(desk_for(db), {"telegram": sender})
        elapsed = await drain_all(dispatcher)
    finally:
        await sender.stop()
        server.stop()
    arrivals = sorted(s.at for s in fake.sent)
    span = arrivals[-1] - arrivals[0]
    peak, j = 0, 0
    for i, t in enumerate(arrivals):  # most arrivals inside any one second
        while arrivals[j] < t - 1.0:
            j += 1
        peak = max(peak, i - j + 1)
    print(f"limits on: {len(fake.sent)} delivered of {notices} notices to {chats} chats")
    print(f"  sustained rate {(len(arrivals) - 1) / span:.2f} msg/s over {span:.1f} s")
    print(f"  wall time {elapsed:.1f} s, peak {peak} arrivals in one second")
    print(f"  429s caused by us: {fake.rate_violations}")


class NullSender:
    """Delivers instantly: what is left is the dispatcher's own work."""

    channel = "telegram"

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, notice: Claimed) -> Delivered:
        return Delivered(str(notice.id))


async def without_limits(db: Database, notices: int, chats: int) -> None:
    await seed(db, notices, chats)
    elapsed = await drain_all(Dispatcher(desk_for(db), {"telegram": NullSender()}))
    print(
        f"limits off, null sender: {notices} notices in {elapsed:.2f} s = "
        f"{elapsed / notices * 1000:.2f} ms/notice ({notices / elapsed:.0f}/s)"
    )

    server = FakeOnThread(enforce_limits=False)
    fake = server.start()
    await seed(db, notices, chats)
    wide_open = RateLimiter(per_window=10**6, window=1.0, per_chat=0.0)
    sender = TelegramSender(make_bot(fake.token, fake.base_url), wide_open)
    await sender.start()
    try:
        elapsed = await drain_all(Dispatcher(desk_for(db), {"telegram": sender}))
    finally:
        await sender.stop()
        server.stop()
    print(
        f"limits off, PTB -> fake: {len(fake.sent)} notices in {elapsed:.2f} s = "
        f"{elapsed / notices * 1000:.2f} ms/notice ({notices / elapsed:.0f}/s)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--cost-notices", type=int, default=5_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--skip-limits", action="store_true", help="only the cost part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        await db.upgrade()
        print(f"database: {db.dialect}")
        try:
            if not args.skip_limits:
                await with_limits(db, args.notices, args.chats)
            await without_limits(db, args.cost_notices, args.chats)
        finally:
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
