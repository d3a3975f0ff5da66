"""A dispatcher process killed with SIGKILL mid-dispatch, then restarted: every notice
arrives exactly once. The dispatcher runs as a real subprocess against the fake Bot API
served by this test process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from backend.store.tables import Notification
from tests.scheduling.dispatch_proc import LEASE
from tests.scheduling.helpers import add_notice

ROOT = Path(__file__).resolve().parents[2]
NOTICES = 40


async def _spawn(db, fake, now) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.scheduling.dispatch_proc",
        db.url,
        fake.base_url,
        fake.token,
        now.isoformat(),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert (await proc.stdout.readline()).strip() == b"ready"
    return proc


async def _count(db, status: str) -> int:
    stmt = select(func.count()).where(Notification.status == status)
    return await db.read(lambda s: s.execute(stmt).scalar_one())


async def _until(condition, what: str, patience: float = 90.0) -> None:
    """Poll (the other process works at its own pace); fail only if it never happens."""
    for _ in range(int(patience / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_sigkill_mid_dispatch_then_restart_delivers_each_notice_once(desk, db, clock, fake):
    for i in range(NOTICES):
        await add_notice(desk, f"n{i}", str(3000 + i % 8))
    fake.hold(after=15)  # the network stalls after 15 messages, with more in flight

    first = await _spawn(db, fake, clock.now())
    try:

        async def mid_dispatch():
            return fake.held >= 1 and await _count(db, "sent") == 15

        await _until(mid_dispatch, "15 sent and recorded, the next ones in flight")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        await first.wait()
    fake.release()

    async def settled():
        return fake.held == 0

    await _until(settled, "the held requests finished")
    assert fake.dropped >= 1  # some sends died with the process, unreceived
    assert await _count(db, "sending") >= 1  # ...and their rows are left claimed

    # The restarted dispatcher runs after the dead one's lease has run out.
    second = await _spawn(db, fake, clock.now() + LEASE + LEASE / 60)
    try:

        async def all_sent():
            return await _count(db, "sent") == NOTICES

        await _until(all_sent, "every notice sent")
    finally:
        second.kill()
        await second.wait()

    assert Counter(s.text for s in fake.sent) == {f"n{i}": 1 for i in range(NOTICES)}
    assert first.returncode == -signal.SIGKILL
