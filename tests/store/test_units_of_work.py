"""The unit-of-work contract (`Database.write` / `Database.read`), on SQLite and PostgreSQL.

Every service relies on these promises: a write commits whole or not at all, a read never
commits and never takes SQLite's write lock, and concurrent writers lose no update.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from backend.store.db import sqlite_file
from backend.store.tables import Conversation, Customer, Message

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _conversation(external_id: str, **columns) -> Conversation:
    return Conversation(channel="web", external_id=external_id, state={}, updated_at=NOW, **columns)


def _message(external_id: str, body: str) -> Message:
    return Message(
        channel="web",
        external_id=external_id,
        direction="in",
        speaker="customer",
        text=body,
        at=NOW,
    )


def _count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


async def _counts(db) -> tuple[int, int]:
    return await db.read(lambda s: (_count(s, Conversation), _count(s, Message)))


# ---- write -------------------------------------------------------------------------------
async def test_a_write_commits_and_returns_its_plain_result(db):
    def unit(session, external_id):
        session.add(_conversation(external_id))
        session.add(_message(external_id, "你好"))
        session.flush()
        return _count(session, Conversation)

    assert await db.write(unit, "a") == 1
    assert await _counts(db) == (1, 1)


async def test_a_write_that_crashes_midway_leaves_nothing_behind(db):
    def unit(session):
        session.add(_conversation("a"))
        session.flush()  # the first step is in the database already...
        session.add(_message("a", "你好"))
        session.flush()
        raise ValueError("...when the unit crashes between two steps")

    with pytest.raises(ValueError):
        await db.write(unit)
    assert await _counts(db) == (0, 0)


async def test_a_write_failing_at_its_final_flush_rolls_everything_back(db):
    """The unit returns normally, but its pending rows break a constraint at commit."""
    await db.write(lambda s: s.add(_conversation("taken")))

    def unit(session):
        session.add(_message("taken", "first step"))
        session.flush()
        session.add(_conversation("taken"))  # unique (channel, external_id): refused
        return "done"

    with pytest.raises(IntegrityError):
        await db.write(unit)
    assert await _counts(db) == (1, 0)


async def test_objects_come_back_detached_with_their_columns_loaded(db):
    def unit(session):
        row = _conversation("d", last_update_id=7)
        session.add(row)
        session.flush()
        return row

    row = await db.write(unit)
    assert inspect(row).detached
    assert row.id is not None and (row.external_id, row.last_update_id) == ("d", 7)


async def test_concurrent_writers_lose_no_update(db):
    """Read, then write, as the use cases do (FOR UPDATE on PostgreSQL; SQLite's write
    lock, taken at BEGIN, does the same): 60 concurrent increments all land."""
    await db.write(lambda s: s.add(_conversation("counter", last_update_id=0)))
    where = (Conversation.channel == "web", Conversation.external_id == "counter")

    def bump(session):
        row = session.execute(select(Conversation).where(*where).with_for_update()).scalar_one()
        row.last_update_id += 1

    await asyncio.gather(*(db.write(bump) for _ in range(60)))
    last = await db.read(
        lambda s: s.execute(select(Conversation.last_update_id).where(*where)).scalar_one()
    )
    assert last == 60


async def test_concurrent_inserts_of_one_key_keep_one_row_and_fail_the_rest_cleanly(db):
    results = await asyncio.gather(
        *(db.write(lambda s: s.add(_conversation("same"))) for _ in range(8)),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, IntegrityError) for r in results if r is not None)
    assert await _counts(db) == (1, 0)


# ---- read --------------------------------------------------------------------------------
async def test_a_read_sees_committed_work_and_returns_plain_values(db):
    await db.write(lambda s: s.add_all([_conversation("r1"), _conversation("r2")]))
    names = await db.read(
        lambda s: (
            s.execute(select(Conversation.external_id).order_by(Conversation.id)).scalars().all()
        )
    )
    assert names == ["r1", "r2"]


async def test_a_read_commits_nothing_even_a_statement_it_runs(db):
    def sneaky(session):
        session.execute(insert(Customer).values(name="不该留下", created_at=NOW))
        return _count(session, Customer)

    assert await db.read(sneaky) == 1  # it saw its own statement...
    assert await db.read(_count, Customer) == 0  # ...which was never committed


async def test_a_read_that_leaves_orm_changes_fails_and_writes_nothing(db):
    def forgetful(session):
        session.add(_conversation("oops"))

    with pytest.raises(RuntimeError, match="read-only"):
        await db.read(forgetful)
    assert await _counts(db) == (0, 0)


async def test_a_read_never_waits_for_another_writer(db):
    """Another connection holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
    uncommitted update of the very row): the read answers at once, from the last commit,
    and a write queued meanwhile still lands once the other writer commits."""
    await db.write(lambda s: s.add(_conversation("held", last_update_id=1)))
    where = (Conversation.channel == "web", Conversation.external_id == "held")

    def last(session):
        return session.execute(select(Conversation.last_update_id).where(*where)).scalar_one()

    def bump(session):
        row = session.execute(select(Conversation).where(*where).with_for_update()).scalar_one()
        row.last_update_id += 1

    async with _other_writer(db) as hold:
        await hold("UPDATE conversations SET last_update_id = 2 WHERE external_id = 'held'")
        assert await asyncio.wait_for(db.read(last), timeout=2) == 1
        waiting = asyncio.ensure_future(db.write(bump))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # a writer does wait for the lock...
    await asyncio.wait_for(waiting, timeout=10)  # ...and goes on from the other's commit
    assert await db.read(last) == 3


class _other_writer:
    """A second connection, outside our Database, that holds the write lock until exit."""

    def __init__(self, db):
        self.db = db

    async def __aenter__(self):
        if self.db.dialect == "sqlite":
            self._sqlite = sqlite3.connect(sqlite_file(self.db.url), isolation_level=None)
            self._sqlite.execute("BEGIN IMMEDIATE")
            return self._run_sqlite
        self._engine = create_async_engine(self.db.url)
        self._conn = await self._engine.connect()
        await self._conn.begin()
        return self._run_pg

    async def _run_sqlite(self, sql: str) -> None:
        self._sqlite.execute(sql)

    async def _run_pg(self, sql: str) -> None:
        await self._conn.execute(text(sql))

    async def __aexit__(self, *exc):
        if self.db.dialect == "sqlite":
            self._sqlite.execute("COMMIT")
            self._sqlite.close()
            return
        await self._conn.commit()
        await self._conn.close()
        await self._engine.dispose()
