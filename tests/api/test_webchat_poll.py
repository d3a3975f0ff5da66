"""The web chat page's poll (`GET /chat/messages`) through the desk's `pushed` use case,
on both backends: what it returns, its checks of `after`, that it takes the session from
the cookie only, and that it never takes SQLite's write lock."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url

from backend.api.errors import errors_middleware
from backend.domain.errors import ValidationFailed
from backend.services import webchat
from backend.services.chat import ChatService
from backend.store.tables import Message
from bot.channels import webchat as webchat_channel
from bot.channels.keys import CHAT_DESK, WEBCHAT_KEY
from bot.channels.sessions import COOKIE


@pytest.fixture
async def page(desk):
    app = web.Application(middlewares=[errors_middleware])
    app.add_routes(webchat_channel.routes)
    app[CHAT_DESK] = ChatService(desk)  # as the composition root sets it
    app[WEBCHAT_KEY] = b"test-key"
    async with TestClient(TestServer(app)) as client:
        client.desk = desk
        assert (await client.get("/chat")).status == 200  # the page sets the session
        cookie = next(c for c in client.session.cookie_jar if c.key == COOKIE)
        client.sid = cookie.value.split(".")[0]
        yield client


async def _say(desk, chat_id, direction, speaker, text, buttons=None) -> int:
    def unit(s):
        m = Message(
            channel="web",
            external_id=chat_id,
            direction=direction,
            speaker=speaker,
            text=text,
            buttons=buttons,
            at=desk.now(),
        )
        s.add(m)
        s.flush()
        return m.id

    return await desk.db.write(unit)


async def _poll(page, **params):
    resp = await page.get("/chat/messages", params=params)
    return resp.status, await resp.json()


async def test_first_poll_answers_only_where_to_start(page):
    assert await _poll(page) == (200, {"messages": [], "last": 0})
    await _say(page.desk, page.sid, "in", "customer", "你好")
    newest = await _say(page.desk, page.sid, "out", "system", "旧通知")
    await _say(page.desk, "other", "out", "system", "别人的通知")
    assert await _poll(page) == (200, {"messages": [], "last": newest})


async def test_poll_returns_pushed_messages_with_their_buttons(page):
    desk = page.desk
    start = await _say(desk, page.sid, "in", "customer", "你好")
    await _say(desk, page.sid, "out", "bot", "您好，请问有什么可以帮您？")  # the POST answered it
    survey = await _say(
        desk,
        page.sid,
        "out",
        "system",
        "请为本次服务打分：",
        [{"title": "很满意", "payload": "/survey_1"}, {"title": "满意", "payload": "/survey_2"}],
    )
    await _say(desk, "other", "out", "staff", "别人的会话")
    reply = await _say(desk, page.sid, "out", "staff", "您好，我是客服小李。")
    status, body = await _poll(page, after=str(start))
    assert status == 200
    assert [(m["id"], m["speaker"], m["text"], m["buttons"]) for m in body["messages"]] == [
        (
            survey,
            "system",
            "请为本次服务打分：",
            [
                {"title": "很满意", "payload": "/survey_1"},
                {"title": "满意", "payload": "/survey_2"},
            ],
        ),
        (reply, "staff", "您好，我是客服小李。", []),
    ]
    assert all(m["at"] for m in body["messages"])
    assert body["last"] == reply
    assert await _poll(page, after=str(reply)) == (200, {"messages": [], "last": reply})


async def test_poll_pages_fifty_at_a_time(page):
    ids = [await _say(page.desk, page.sid, "out", "system", f"通知{i}") for i in range(52)]
    _, body = await _poll(page, after="0")
    assert [m["id"] for m in body["messages"]] == ids[:50] and body["last"] == ids[49]
    _, rest = await _poll(page, after=str(body["last"]))
    assert [m["id"] for m in rest["messages"]] == ids[50:]


@pytest.mark.parametrize(
    "after",
    [
        "abc",
        "",
        "-1",
        "1.5",
        "+5",
        " 5",
        "5_0",
        "١٢",  # Arabic-Indic digits: int() takes them, the page never sends them
        "9" * 40,
        str(2**63),
        "9" * 19,
    ],
)
async def test_a_bad_after_is_a_clear_400(page, after):
    status, body = await _poll(page, after=after)
    assert status == 400
    assert body["error"] == "bad_after" and "after" in body["message"]


async def test_the_largest_after_is_accepted(page):
    await _say(page.desk, page.sid, "out", "system", "通知")
    assert await _poll(page, after=str(2**63 - 1)) == (200, {"messages": [], "last": 2**63 - 1})


async def test_the_session_is_the_cookie_never_a_parameter(page):
    await _say(page.desk, page.sid, "out", "system", "您的通知")
    resp = await page.get("/chat/messages", params={"session": page.sid, "after": "0"})
    assert resp.status == 400 and (await resp.json())["error"] == "session_in_url"
    async with TestClient(TestServer(page.app)) as other:  # no cookie, or a forged one
        resp = await other.get("/chat/messages", params={"after": "0"})
        assert resp.status == 401 and (await resp.json())["error"] == "no_session"
        for forged in (page.sid, f"{page.sid}.x", f"{page.sid}.{page.sid}"):
            resp = await other.get(
                "/chat/messages", params={"after": "0"}, headers={"Cookie": f"{COOKIE}={forged}"}
            )
            assert resp.status == 401 and "通知" not in await resp.text()


async def test_the_use_case_refuses_an_after_beyond_any_id(desk):
    with pytest.raises(ValidationFailed):
        await webchat.pushed(desk, "web", "s1", 2**63)
    with pytest.raises(ValidationFailed):
        await webchat.pushed(desk, "web", "s1", -1)


async def test_a_poll_does_not_wait_for_sqlites_write_lock(page, db):
    """Another process holds the write lock (BEGIN IMMEDIATE): the poll still answers at
    once, since it reads in a deferred, read-only transaction."""
    if db.dialect != "sqlite":
        pytest.skip("the write lock is SQLite's")
    await _say(page.desk, page.sid, "out", "system", "通知")
    other = sqlite3.connect(make_url(db.url).database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        status, body = await asyncio.wait_for(_poll(page, after="0"), timeout=5)
        assert status == 200 and [m["text"] for m in body["messages"]] == ["通知"]
        status, _ = await asyncio.wait_for(_poll(page), timeout=5)
        assert status == 200
    finally:
        other.execute("ROLLBACK")
        other.close()
