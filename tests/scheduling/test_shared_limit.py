"""Telegram's limits hold across processes: two dispatcher processes on one PostgreSQL
database, the real PTB client and our limiter in each, the fake Bot API enforcing the
limits and counting arrivals. Without the send leadership the two would together push
up to 60 messages a second; with it one sends, the other stands by and takes over when
the first is killed."""

from __future__ import annotations

import bisect
import itertools
import os
import signal
from collections import Counter, defaultdict

import pytest

from backend.services.send_leader import SendLeadership
from tests.scheduling.dispatch_proc import LEASE
from tests.scheduling.helpers import add_notice
from tests.scheduling.test_crash import _count, _spawn, _until

NOTICES = 300
CHATS = 60  # five notices a chat: the per-chat second binds too
SIDE_BY_SIDE = 90  # sends (three seconds) with both processes up before the kill


def _busiest_second(times: list[float]) -> int:
    """The most arrivals in any window of one second (sliding, not calendar seconds)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))


def _closest_gap_per_chat(sent) -> float:
    by_chat = defaultdict(list)
    for s in sent:
        by_chat[s.chat_id].append(s.at)
    gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(times)]
    return min(gaps)


@pytest.fixture
def fake_limits(fake):
    fake.enforce_limits = True  # a breach is answered 429 and counted
    return fake


async def test_two_dispatcher_processes_keep_one_send_limit(desk, db, clock, fake_limits):
    if db.dialect != "postgresql":
        pytest.skip("SQLite serves one process: the shared limit is a PostgreSQL matter")
    fake = fake_limits
    for i in range(NOTICES):
        await add_notice(desk, f"n{i}", str(7000 + i % CHATS))
    first = await _spawn(db, fake, clock.now())

    async def leading():
        return len(fake.sent) >= 1

    await _until(leading, "the first process sends (it leads)")
    # The second one's clock is past the first one's leases, so after the kill it picks
    # up what the first one claimed and never sent. Until then it runs beside the first
    # and must not send to Telegram at all (it is not leading).
    second = await _spawn(db, fake, clock.now() + LEASE + LEASE / 60)
    before_kill = len(fake.sent) + SIDE_BY_SIDE
    fake.hold(after=before_kill)  # the first leader then dies with sends in flight
    try:

        async def mid_dispatch():
            return fake.held >= 1 and await _count(db, "sent") == before_kill

        await _until(mid_dispatch, f"{before_kill} sent, the next ones in flight")
        assert second.returncode is None  # it ran alongside the whole time
        os.kill(first.pid, signal.SIGKILL)
        await first.wait()
        fake.release()

        async def all_sent():
            return await _count(db, "sent") == NOTICES

        await _until(all_sent, "every notice sent by the second process")
    finally:
        for proc in (first, second):
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    assert Counter(s.text for s in fake.sent) == {f"n{i}": 1 for i in range(NOTICES)}
    assert fake.rate_violations == 0
    assert _busiest_second([s.at for s in fake.sent]) <= 30
    assert _closest_gap_per_chat(fake.sent) >= 1.0
    # The limit binds: the run went at Telegram's pace, not slower.
    assert _busiest_second([s.at for s in fake.sent]) >= 25


async def test_one_process_leads_until_it_lets_go(db):
    first = SendLeadership(db, takeover=0)
    second = SendLeadership(db, takeover=0)
    try:
        assert await first.may_send()
        if db.dialect != "postgresql":
            assert await second.may_send()  # one SQLite process: always the leader
            return
        assert not await second.may_send()
        assert await first.may_send()  # still leading: asked again, nothing changes
        await first.close()
        assert await second.may_send()
        assert not await first.may_send()
    finally:
        await first.close()
        await second.close()


async def test_a_new_leader_waits_out_the_old_ones_sends(db):
    if db.dialect != "postgresql":
        pytest.skip("SQLite serves one process: no takeover")
    now = [100.0]
    leader = SendLeadership(db, takeover=4.0, clock=lambda: now[0])
    try:
        assert not await leader.may_send()  # leads, but waits the takeover first
        now[0] += 3.9
        assert not await leader.may_send()
        now[0] += 0.1
        assert await leader.may_send()
    finally:
        await leader.close()
