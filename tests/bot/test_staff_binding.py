"""A staff member binds their Telegram through the admin's one-time `/start` link, with the
real PTB client against the fake Bot API and the whole app as `aftercare run` builds it:
the link binds the chat that opens it (Staff.telegram_chat_id), once; reused, expired,
guessed or opened in a group it binds nothing; an SLA escalation then reaches that chat
through the outbox. A customer's own `/start` stays the greeting."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from backend.services import sla_watch
from backend.store.tables import AuditLog, SlaClock, Staff, Ticket
from tests.fixtures.staff import USERNAMES, headers
from tests.scheduling.helpers import repair
from tests.store.seed import all_of, one_of

ADMIN = headers("admin")


async def _link(stack, role: str) -> str:
    resp = await stack.client.post(
        f"/api/admin/staff/{USERNAMES[role]}/telegram-link", headers=ADMIN
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    url = urlparse(body["url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "t.me", "/aftercare_bot")  # getMe
    (token,) = parse_qs(url.query)["start"]
    return token


async def _chat_of(stack, role: str) -> str | None:
    stmt = select(Staff).where(Staff.username == USERNAMES[role])
    return (await one_of(stack.desk.db, stmt)).telegram_chat_id


@pytest.fixture
def stack(stack_factory, fake_tg):
    return stack_factory(fake=fake_tg)


async def test_the_link_binds_the_chat_once_and_escalations_reach_it(stack, fake_tg, clock):
    async with stack as s:
        token = await _link(s, "supervisor")
        supervisor = s.driver("telegram", 880001)
        (reply,) = await supervisor.say(f"/start {token}")
        assert "绑定成功" in reply.text and "测试主管" in reply.text
        assert await _chat_of(s, "supervisor") == "880001"

        # The same link again, from another chat: nothing is bound, the person is told.
        intruder = s.driver("telegram", 880002)
        (reply,) = await intruder.say(f"/start {token}")
        assert "链接已失效" in reply.text
        assert await _chat_of(s, "supervisor") == "880001"
        (reply,) = await supervisor.say(f"/start {token}")
        assert "链接已失效" in reply.text

        bound = await all_of(
            s.desk.db, select(AuditLog).where(AuditLog.action == "account.telegram_bind")
        )
        assert [e.actor for e in bound] == [f"staff:{USERNAMES['supervisor']}"]

        # An SLA escalation now goes to that chat, through the outbox and the Bot API.
        ticket = await repair(s.desk, "990001")
        of_ticket = select(SlaClock).join(Ticket, Ticket.id == SlaClock.ticket_id)
        sla = await one_of(s.desk.db, of_ticket.where(Ticket.number == ticket.number))
        clock.set(sla.due_at)
        assert (await sla_watch.scan(s.desk))["breached"] == 1
        sent = await fake_tg.wait_for("880001", 3)  # bound, link spent, and the escalation
        assert ticket.number in sent[-1].text and "催办" in sent[-1].text
        assert fake_tg.messages_to("880002")[-1].text.startswith("抱歉")  # nothing else


async def test_an_expired_or_replaced_or_guessed_link_binds_nothing(stack, clock):
    async with stack as s:
        old = await _link(s, "technician")
        clock.advance(hours=25)
        chat = s.driver("telegram", 880011)
        (reply,) = await chat.say(f"/start {old}")
        assert "链接已失效" in reply.text
        first = await _link(s, "technician")
        second = await _link(s, "technician")  # replaces the first, still unused
        (reply,) = await chat.say(f"/start {first}")
        assert "链接已失效" in reply.text
        (reply,) = await chat.say("/start bind_" + "A" * 32)  # a guess
        assert "链接已失效" in reply.text
        assert await _chat_of(s, "technician") is None
        (reply,) = await chat.say(f"/start {second}")
        assert "绑定成功" in reply.text
        assert await _chat_of(s, "technician") == "880011"


async def test_a_link_opened_in_a_group_binds_nothing(stack, fake_tg):
    async with stack as s:
        token = await _link(s, "dispatcher")
        before = len(fake_tg.messages_to(-770001))
        update = await fake_tg.user_says(-770001, f"/start {token}", chat_type="group")
        (reply,) = await fake_tg.wait_for(-770001, before + 1)
        assert "私聊" in reply.text and update["update_id"]
        assert await _chat_of(s, "dispatcher") is None
        chat = s.driver("telegram", 880021)
        (reply,) = await chat.say(f"/start {token}")  # still good in the private chat
        assert "绑定成功" in reply.text


async def test_one_chat_is_one_persons(stack):
    async with stack as s:
        chat = s.driver("telegram", 880031)
        await chat.say(f"/start {await _link(s, 'dispatcher')}")
        await chat.say(f"/start {await _link(s, 'supervisor')}")
        assert await _chat_of(s, "supervisor") == "880031"
        assert await _chat_of(s, "dispatcher") is None


async def test_a_customers_start_is_still_the_greeting(stack):
    async with stack as s:
        customer = s.driver("telegram", 880041)
        replies = await customer.say("/start promo2026")
        assert replies and "链接" not in replies[0].text
        replies = await customer.say("/start")
        assert replies and "链接" not in replies[0].text


async def test_a_disabled_account_gets_no_link_and_its_link_stops(stack):
    async with stack as s:
        token = await _link(s, "agent")
        resp = await s.client.post(f"/api/admin/staff/{USERNAMES['agent']}/disable", headers=ADMIN)
        assert resp.status == 200
        (reply,) = await s.driver("telegram", 880051).say(f"/start {token}")
        assert "链接已失效" in reply.text
        assert await _chat_of(s, "agent") is None
        resp = await s.client.post(
            f"/api/admin/staff/{USERNAMES['agent']}/telegram-link", headers=ADMIN
        )
        assert resp.status == 422


async def test_only_an_admin_creates_links(stack):
    async with stack as s:
        for role in ("supervisor", "dispatcher", "technician"):
            resp = await s.client.post(
                f"/api/admin/staff/{USERNAMES['technician']}/telegram-link",
                headers=headers(role),
            )
            assert resp.status == 403, role
