"""The tickets-a-day limit under concurrency, on SQLite and PostgreSQL: ten filings for
one phone at once, from ten chats, with a limit of five, file exactly five. On
PostgreSQL each filing counts inside its own transaction, so without a lock two filings
that both see four would both file (READ COMMITTED cannot see the other's uncommitted
ticket); SQLite's write lock serialises them anyway."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from backend.domain.errors import LimitReached
from backend.domain.kinds import Channel, TicketKind
from backend.services.limits import LimitPolicy, Limits
from backend.services.registration import register
from backend.services.values import Registration
from backend.store.tables import Ticket
from tests.fixtures.db import opened

PHONE = "13812345678"


def _filing(chat: int) -> Registration:
    return Registration(
        kind=TicketKind.REPAIR,
        channel=Channel.WEB,
        external_id=f"race-{chat}",
        description=f"空调不制冷（第 {chat} 次）",
        phone=PHONE,
    )


async def _tickets(db) -> int:
    async with opened(db) as s:
        stmt = select(func.count()).select_from(Ticket).where(Ticket.contact_phone == PHONE)
        return (await s.execute(stmt)).scalar()


async def test_ten_concurrent_filings_for_one_phone_file_exactly_the_limit(desk):
    desk.limits = Limits(LimitPolicy(tickets_per_day=5))
    results = await asyncio.gather(
        *(register(desk, _filing(i)) for i in range(10)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, LimitReached)]
    filed = [r for r in results if not isinstance(r, BaseException)]
    unexpected = [r for r in results if isinstance(r, BaseException) and r not in refused]
    assert unexpected == []
    assert (len(filed), len(refused)) == (5, 5)
    assert await _tickets(desk.db) == 5
    assert {r.limit for r in refused} == {"tickets"}


async def test_concurrent_filings_from_one_chat_hold_the_per_chat_limit(desk):
    """The chat's own limit too: the same chat, a different phone each time."""
    desk.limits = Limits(LimitPolicy(tickets_per_day=3))
    filings = [_filing(0) for _ in range(8)]
    for i, reg in enumerate(filings):
        reg.phone = f"1391234{i:04d}"
    results = await asyncio.gather(*(register(desk, r) for r in filings), return_exceptions=True)
    assert [type(r) for r in results if isinstance(r, BaseException)] == [LimitReached] * 5
    async with opened(desk.db) as s:
        assert (await s.execute(select(func.count()).select_from(Ticket))).scalar() == 3
