"""Staff endpoints for handed-off chats, over HTTP on the real app and store (both
backends): the waiting list, transcripts, staff replies, hand-back, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import Engine, event, func, select

from backend.compose import LiveChannels
from backend.services import handoff, texts
from backend.services.replies import Reply
from backend.store.tables import Conversation, Message, Ticket
from bot.channels.keys import TELEGRAM
from tests.api.conftest import STAFF


def _add_chat(session, desk, channel, chat_id, *, handed_off, state, said=(), age=0):
    """A conversation row and its transcript; `said` is (direction, speaker, text)."""
    now = desk.now() - timedelta(minutes=age)
    session.add(
        Conversation(
            channel=channel,
            external_id=chat_id,
            state=state,
            handed_off=handed_off,
            updated_at=now,
        )
    )
    for direction, speaker, text in said:
        session.add(
            Message(
                channel=channel,
                external_id=chat_id,
                direction=direction,
                speaker=speaker,
                text=text,
                at=now,
                ticket_id=state.get("ticket_id"),
            )
        )


async def _file_repair(api) -> dict:
    resp = await api.post(
        "/api/tickets", json={"kind": "repair", "description": "空调不制冷"}, headers=STAFF
    )
    assert resp.status == 201
    return await resp.json()


async def _ticket_id(api, number: str) -> int:
    return await api.desk.db.read(
        lambda s: s.execute(select(Ticket.id).where(Ticket.number == number)).scalar_one()
    )


async def _messages(api, channel: str, chat_id: str) -> list[Message]:
    def unit(s):
        return (
            s.execute(
                select(Message)
                .where(Message.channel == channel, Message.external_id == chat_id)
                .order_by(Message.id)
            )
            .scalars()
            .all()
        )

    return await api.desk.db.read(unit)


async def _conversation(api, channel: str, chat_id: str) -> Conversation:
    return await api.desk.db.read(
        lambda s: s.execute(
            select(Conversation).where(
                Conversation.channel == channel, Conversation.external_id == chat_id
            )
        ).scalar_one()
    )


async def _count_messages(api) -> int:
    return await api.desk.db.read(
        lambda s: s.execute(select(func.count()).select_from(Message)).scalar_one()
    )


@pytest.fixture
async def chats(api):
    """Two chats waiting for a person (the web one longer) and one the bot still has."""
    ticket = await _file_repair(api)
    ticket_id = await _ticket_id(api, ticket["number"])
    desk = api.desk
    since = (desk.now() - timedelta(minutes=3)).isoformat()

    def unit(s):
        _add_chat(
            s,
            desk,
            "telegram",
            "77",
            handed_off=True,
            state={
                "handed_off_at": since,
                "ticket": ticket["number"],
                "ticket_id": ticket_id,
                "misses": 2,
                "verified": True,
            },
            said=[
                ("in", "customer", "空调还是不制冷"),
                ("out", "bot", "抱歉，我没有听明白。"),
                ("in", "customer", "转人工"),
                ("out", "bot", "正在为您转接人工客服。"),
            ],
            age=1,
        )
        _add_chat(
            s,
            desk,
            "web",
            "w1",
            handed_off=True,
            state={"handed_off_at": since},
            said=[("out", "bot", "您好")],
            age=5,
        )
        _add_chat(
            s,
            desk,
            "web",
            "w2",
            handed_off=False,
            state={},
            said=[("in", "customer", "你好")],
        )

    await desk.db.write(unit)
    return {"number": ticket["number"], "ticket_id": ticket_id, "since": since}


async def test_waiting_chats_with_the_customers_last_words(api, chats):
    resp = await api.get("/api/chats/handoff", headers=STAFF)
    assert resp.status == 200
    assert (await resp.json())["chats"] == [
        {
            "channel": "web",
            "external_id": "w1",
            "since": chats["since"],
            "ticket": None,
            "last_customer_message": None,
            "waited_seconds": 180,
            "phone": None,
        },
        {
            "channel": "telegram",
            "external_id": "77",
            "since": chats["since"],
            "ticket": chats["number"],
            "last_customer_message": "转人工",
            "waited_seconds": 180,
            "phone": None,
        },
    ]


async def test_waiting_chats_are_one_statement(api, chats):
    """No query per chat: the last customer message comes in the same statement."""
    for i in range(5):
        await api.desk.db.write(
            lambda s, i=i: _add_chat(
                s,
                api.desk,
                "web",
                f"more{i}",
                handed_off=True,
                state={},
                said=[("in", "customer", f"第{i}句")],
            )
        )
    selects: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        waiting = await handoff.waiting(api.desk)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(waiting) == 7
    assert {w.chat_id: w.last_customer_message for w in waiting}["more3"] == "第3句"
    assert len(selects) == 1, selects


async def test_transcript_in_order_with_ticket_numbers(api, chats):
    resp = await api.get("/api/chats/telegram/77/transcript", headers=STAFF)
    assert resp.status == 200
    body = await resp.json()
    assert body["channel"] == "telegram" and body["external_id"] == "77"
    assert body["handed_off"] is True
    assert [(m["direction"], m["speaker"], m["text"]) for m in body["messages"]] == [
        ("in", "customer", "空调还是不制冷"),
        ("out", "bot", "抱歉，我没有听明白。"),
        ("in", "customer", "转人工"),
        ("out", "bot", "正在为您转接人工客服。"),
    ]
    assert {m["ticket"] for m in body["messages"]} == {chats["number"]}
    ids = [m["id"] for m in body["messages"]]
    assert ids == sorted(ids)
    assert all(m["at"] and "intent" in m for m in body["messages"])
    bot_has_it = await (await api.get("/api/chats/web/w2/transcript", headers=STAFF)).json()
    assert bot_has_it["handed_off"] is False


@pytest.mark.parametrize(
    "path",
    [
        "/api/chats/telegram/nobody/transcript",
        "/api/chats/hotline/77/transcript",
        "/api/chats/sms/77/transcript",
    ],
)
async def test_transcript_of_no_such_chat_is_404(api, chats, path):
    resp = await api.get(path, headers=STAFF)
    assert resp.status == 404
    assert (await resp.json())["error"] == "not_found"


async def test_staff_reply_is_recorded_then_pushed(api, chats):
    resp = await api.post(
        "/api/chats/telegram/77/reply",
        json={"text": "  您好，我是客服小李，马上帮您看看。 ", "staff": "小李"},
        headers=STAFF,
    )
    assert resp.status == 201
    message_id = (await resp.json())["id"]
    last = (await _messages(api, "telegram", "77"))[-1]
    assert (last.id, last.direction, last.speaker) == (message_id, "out", "staff")
    assert last.text == "您好，我是客服小李，马上帮您看看。"
    assert last.ticket_id == chats["ticket_id"]  # filed under the chat's ticket
    assert api.pushes.sent == [("telegram", "77", Reply("您好，我是客服小李，马上帮您看看。"))]
    # Replying does not end the hand-off: the person still has the chat.
    assert (await _conversation(api, "telegram", "77")).handed_off is True


async def test_staff_reply_of_the_longest_allowed_length(api, chats):
    resp = await api.post("/api/chats/web/w1/reply", json={"text": "好" * 4000}, headers=STAFF)
    assert resp.status == 201


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/api/chats/telegram/77/reply", {"text": ""}, 422, "validation_failed"),
        ("/api/chats/telegram/77/reply", {"text": "   "}, 422, "validation_failed"),
        ("/api/chats/telegram/77/reply", {"text": "长" * 4001}, 422, "validation_failed"),
        ("/api/chats/telegram/77/reply", {"text": 42}, 422, "validation_failed"),
        ("/api/chats/telegram/77/reply", {}, 422, "validation_failed"),
        ("/api/chats/telegram/77/reply", "not json", 400, "malformed_json"),
        ("/api/chats/telegram/77/reply", ["text"], 400, "malformed_json"),
        ("/api/chats/telegram/nobody/reply", {"text": "您好"}, 404, "not_found"),
        ("/api/chats/hotline/77/reply", {"text": "您好"}, 404, "not_found"),
        ("/api/chats/hotline/77/reply", "not json", 404, "not_found"),
    ],
)
async def test_bad_staff_replies_write_and_send_nothing(api, chats, path, body, status, error):
    before = await _count_messages(api)
    if isinstance(body, str):
        resp = await api.post(path, data=body, headers=STAFF)
    else:
        resp = await api.post(path, json=body, headers=STAFF)
    assert resp.status == status
    assert (await resp.json())["error"] == error
    assert await _count_messages(api) == before
    assert api.pushes.sent == []


@pytest.mark.parametrize(
    ("channel", "chat", "speaker"), [("telegram", "77", "bot"), ("web", "w1", "system")]
)
async def test_hand_back_gives_the_chat_to_the_bot(api, chats, channel, chat, speaker):
    resp = await api.post(f"/api/chats/{channel}/{chat}/handback", headers=STAFF)
    assert resp.status == 200
    assert await resp.json() == {"handed_off": False}
    conv = await _conversation(api, channel, chat)
    assert conv.handed_off is False
    assert "handed_off_at" not in conv.state and conv.state["misses"] == 0
    if channel == "telegram":  # the rest of the state is kept as it was
        assert conv.state["ticket"] == chats["number"] and conv.state["verified"] is True
    last = (await _messages(api, channel, chat))[-1]
    assert (last.direction, last.speaker, last.text) == ("out", speaker, texts.HANDED_BACK)
    assert last.buttons == [{"title": b.title, "payload": b.payload} for b in texts.MENU]
    assert api.pushes.sent == [(channel, chat, Reply(texts.HANDED_BACK, texts.MENU))]
    waiting = await (await api.get("/api/chats/handoff", headers=STAFF)).json()
    assert (channel, chat) not in [(c["channel"], c["external_id"]) for c in waiting["chats"]]


async def test_hand_back_twice_tells_the_customer_once(api, chats):
    assert (await api.post("/api/chats/telegram/77/handback", headers=STAFF)).status == 200
    count = await _count_messages(api)
    again = await api.post("/api/chats/telegram/77/handback", headers=STAFF)
    assert again.status == 409
    assert (await again.json())["error"] == "not_handed_off"
    assert await _count_messages(api) == count
    assert len(api.pushes.sent) == 1


@pytest.mark.parametrize("path", ["/api/chats/web/nobody/handback", "/api/chats/sms/77/handback"])
async def test_hand_back_of_no_such_chat_is_404(api, chats, path):
    before = await _count_messages(api)
    resp = await api.post(path, headers=STAFF)
    assert resp.status == 404
    assert await _count_messages(api) == before


async def test_a_channel_refusing_the_push_is_a_502_and_the_transcript_keeps_it(api, chats):
    api.pushes.fail = RuntimeError("Forbidden: bot was blocked by the user")
    resp = await api.post("/api/chats/telegram/77/reply", json={"text": "您好"}, headers=STAFF)
    assert resp.status == 502
    body = await resp.json()
    assert body["error"] == "delivery_failed" and "blocked" in body["message"]
    assert (await _messages(api, "telegram", "77"))[-1].text == "您好"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/chats/handoff"),
        ("GET", "/api/chats/telegram/77/transcript"),
        ("POST", "/api/chats/telegram/77/reply"),
        ("POST", "/api/chats/telegram/77/handback"),
    ],
)
async def test_chat_endpoints_need_the_staff_token(api, chats, method, path):
    before = await _count_messages(api)
    resp = await api.request(method, path, json={"text": "您好"})
    assert resp.status == 401
    bad = await api.request(method, path, json={"text": "您好"}, headers={"Authorization": "x"})
    assert bad.status == 401
    assert await _count_messages(api) == before
    assert (await _conversation(api, "telegram", "77")).handed_off is True


async def test_the_composition_roots_push_reaches_telegram_only():
    """What backend.compose plugs into CHAT_PUSH: Telegram chats get the reply from the
    running channel; web chats poll; with no Telegram running the push is a no-op."""

    class FakeTelegram:
        def __init__(self):
            self.sent = []

        async def send(self, chat_id, reply):
            self.sent.append((chat_id, reply))

    app = web.Application()
    push = LiveChannels(app)
    await push.push("telegram", "77", Reply("您好"))  # not running: nothing to do
    app[TELEGRAM] = telegram = FakeTelegram()
    await push.push("web", "w1", Reply("您好"))
    await push.push("telegram", "77", Reply("您好", texts.MENU))
    assert telegram.sent == [("77", Reply("您好", texts.MENU))]
