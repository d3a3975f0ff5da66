"""`Database.run` (synchronous Core units of work, the chat hot path) and the dialogue's
turn store, on SQLite and PostgreSQL: commits, rollbacks, read-only units, and writers of
both paths (run() and the ORM transaction()) interleaving without losing an update."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from backend.store.tables import Conversation, Message
from bot.dialogue import turn_sql

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
conversations = Conversation.__table__


def _new(conn, external_id: str) -> None:
    conn.execute(turn_sql.new_conversation(conn.dialect.name), {**_chat(external_id), "at": NOW})


def _chat(external_id: str) -> dict[str, str]:
    return turn_sql.chat("web", external_id)


def _count(conn, model) -> int:
    return conn.execute(select(func.count()).select_from(model)).scalar_one()


def _message(external_id: str, text: str, direction: str = "in") -> dict:
    return {
        "channel": "web",
        "external_id": external_id,
        "at": NOW,
        "ticket_id": None,
        "customer_id": None,
        "call_id": None,
        "direction": direction,
        "speaker": "customer" if direction == "in" else "bot",
        "text": text,
        "intent": None,
    }


async def test_a_unit_commits_and_returns_its_result(db):
    def unit(conn):
        _new(conn, "a")
        return _count(conn, Conversation)

    assert await db.run(unit) == 1
    assert await db.run(_count, Conversation, read_only=True) == 1


async def test_a_failing_unit_leaves_nothing_behind(db):
    def unit(conn):
        _new(conn, "a")
        conn.execute(turn_sql.ADD_MESSAGES, [_message("a", "你好")])
        raise ValueError("crash between two steps")

    with pytest.raises(ValueError):
        await db.run(unit)
    assert await db.run(_count, Conversation, read_only=True) == 0
    assert await db.run(_count, Message, read_only=True) == 0


async def test_a_read_only_unit_never_commits(db):
    await db.run(_new, "a")
    await db.run(_new, "b", read_only=True)
    assert await db.run(_count, Conversation, read_only=True) == 1


async def test_inserting_a_conversation_twice_keeps_one(db):
    await asyncio.gather(*(db.run(_new, "same") for _ in range(10)))
    assert await db.run(_count, Conversation, read_only=True) == 1


async def test_writers_of_both_paths_interleave_without_losing_an_update(db):
    """run() units and ORM transactions increment one counter 40 times each, concurrently
    (read, then write, as services do under FOR UPDATE, which SQLite's write lock
    replaces): every increment must land, no 'database is locked'."""
    await db.run(_new, "counter")
    where = (Conversation.channel == "web", Conversation.external_id == "counter")

    def bump(conn):
        read = select(Conversation.last_update_id).where(*where).with_for_update()
        n = conn.execute(read).scalar() or 0
        conn.execute(update(conversations).where(*where).values(last_update_id=n + 1))

    async def bump_orm():
        async with db.transaction() as session:
            read = select(Conversation).where(*where).with_for_update()
            row = (await session.execute(read)).scalar_one()
            row.last_update_id = (row.last_update_id or 0) + 1

    await asyncio.gather(*(db.run(bump) for _ in range(40)), *(bump_orm() for _ in range(40)))
    last = await db.run(
        lambda conn: conn.execute(select(Conversation.last_update_id).where(*where)).scalar()
    )
    assert last == 80


async def test_turn_store_round_trip(db):
    chat = _chat("c1")
    empty = await db.run(turn_sql.load, chat, read_only=True)
    assert tuple(empty) == (None, None, None, None, None, None, False)

    state = {"flow": "report_fault", "slots": {"address": "北京市朝阳区建国路 88 号 🏠"}}
    await db.run(
        lambda conn: turn_sql.save(
            conn,
            chat,
            now=NOW,
            state=state,
            handed_off=False,
            messages=[_message("c1", "我要报修"), _message("c1", "请描述故障", "out")],
            exists=False,
            update_id=7,
            form_starts=True,
        )
    )
    conv_id, loaded, handed_off, last_update, customer, phone, survey = await db.run(
        turn_sql.load, chat, read_only=True
    )
    assert conv_id is not None and loaded == {**state, "form_started_after": 0}
    assert (handed_off, last_update, customer, phone, survey) == (False, 7, None, None, False)

    # a late repeat of an older update never lowers the stored update id
    await db.run(
        lambda conn: turn_sql.save(
            conn, chat, now=NOW, state=loaded, handed_off=True, messages=[], exists=True,
            update_id=3,
        )
    )  # fmt: skip
    row = await db.run(turn_sql.load, chat, read_only=True)
    assert (row[2], row[3]) == (True, 7)
    assert await db.run(_count, Message, read_only=True) == 2


# ---- run_orm: the same with an ORM session --------------------------------------------------
async def test_an_orm_unit_flushes_and_commits(db):
    def unit(session):
        session.add(Conversation(channel="web", external_id="o1", state={"a": 1}, updated_at=NOW))
        session.flush()
        return session.execute(select(Conversation.id)).scalar_one()

    conv_id = await db.run_orm(unit)
    assert conv_id is not None
    assert await db.run(_count, Conversation, read_only=True) == 1


async def test_a_failing_orm_unit_leaves_nothing_behind(db):
    def unit(session):
        session.add(Conversation(channel="web", external_id="o1", state={}, updated_at=NOW))
        session.flush()
        raise ValueError("crash after the flush")

    with pytest.raises(ValueError):
        await db.run_orm(unit)
    assert await db.run(_count, Conversation, read_only=True) == 0


async def test_an_orm_unit_sees_its_own_and_earlier_writes(db):
    await db.run(_new, "seen")

    def unit(session):
        return session.execute(select(Conversation.external_id)).scalars().all()

    assert await db.run_orm(unit, read_only=True) == ["seen"]
