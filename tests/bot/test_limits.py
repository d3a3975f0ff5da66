"""Abuse limits against the running app (composition root, real store on SQLite and
PostgreSQL, the real PTB client against the fake Bot API): floods from one chat, one
REST sender and one address are refused politely (REST: 429 with Retry-After), and a
refused message leaves nothing behind: no transcript row, no state, no ticket, no outbox
row. The clock is the app's injected one: time moves when the test says."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from backend.services import texts as desk_texts
from backend.store.tables import ChannelIdentity, Conversation, Message, Notification, Ticket
from tests.bot.harness import STAFF, joined
from tests.fixtures.db import opened
from tests.store.seed import seed_units

URL = "/webhooks/rest/webhook"


async def _rows(db) -> dict[str, int]:
    async with opened(db) as s:
        return {
            t.__tablename__: (await s.execute(select(func.count()).select_from(t))).scalar()
            for t in (Message, Conversation, Ticket, Notification, ChannelIdentity)
        }


async def _say(client, sender: str, text: str = "你好", headers=None):
    return await client.post(URL, json={"sender": sender, "message": text}, headers=headers)


async def test_a_flood_from_one_rest_sender_gets_429_and_leaves_nothing(stack_factory):
    async with stack_factory(limits=True) as stack:
        client = stack.client
        for _ in range(10):  # the burst: a customer tapping quickly is never stopped
            assert (await _say(client, "flooder")).status == 200
        before = await _rows(stack.desk.db)
        resp = await _say(client, "flooder", "我要报修")
        assert resp.status == 429
        assert int(resp.headers["Retry-After"]) == 2  # 30 a minute: a token every 2 s
        body = await resp.json()
        assert body["error"] == "rate_limited" and body["message"] == desk_texts.TOO_MANY_MESSAGES
        assert await _rows(stack.desk.db) == before  # nothing written for it
        assert (await _say(client, "someone-else")).status == 200  # others go on
        stack.clock.advance(seconds=2)
        assert (await _say(client, "flooder")).status == 200  # one token back


async def test_a_flood_from_one_address_is_limited_across_senders(stack_factory):
    async with stack_factory(limits=True, address_rate=60, address_burst=5) as stack:
        for i in range(5):
            assert (await _say(stack.client, f"sender-{i}")).status == 200
        before = await _rows(stack.desk.db)
        resp = await _say(stack.client, "sender-new")
        assert resp.status == 429 and int(resp.headers["Retry-After"]) == 1
        assert await _rows(stack.desk.db) == before


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(stack_factory):
    """An attacker rotating X-Forwarded-For does not escape the address limit; behind
    our own proxy the header names the customer, read from the right (a client can
    prepend what it likes)."""
    async with stack_factory(limits=True, address_rate=60, address_burst=3) as stack:
        for i in range(3):
            fake = {"X-Forwarded-For": f"203.0.113.{i}"}
            assert (await _say(stack.client, f"s{i}", headers=fake)).status == 200
        fake = {"X-Forwarded-For": "203.0.113.99"}
        assert (await _say(stack.client, "s9", headers=fake)).status == 429  # the peer counts

    proxied = {"limits": True, "address_rate": 60, "address_burst": 3}
    async with stack_factory(trusted_proxies="127.0.0.1/32", **proxied) as stack:
        for i in range(3):
            via = {"X-Forwarded-For": f"6.6.6.6, 198.51.100.{i}"}
            assert (await _say(stack.client, f"c{i}", headers=via)).status == 200
        one = {"X-Forwarded-For": "198.51.100.7"}
        for i in range(3):
            assert (await _say(stack.client, f"d{i}", headers=one)).status == 200
        assert (await _say(stack.client, "d9", headers=one)).status == 429
        spoofed = {"X-Forwarded-For": "1.1.1.1, 198.51.100.7"}  # the real hop is the last
        assert (await _say(stack.client, "d10", headers=spoofed)).status == 429


async def test_a_telegram_flood_is_told_once_and_leaves_nothing(stack_factory, fake_tg):
    async with stack_factory(fake=fake_tg, limits=True) as stack:
        d = stack.driver("telegram", 7001)
        for _ in range(10):
            assert (await d.say("你好")) != []
        before = await _rows(stack.desk.db)
        r = await d.say("你好")
        assert joined(r) == desk_texts.TOO_MANY_MESSAGES
        assert await d.say("你好") == []  # told once per flood, not once per message
        assert await _rows(stack.desk.db) == before
        stack.clock.advance(seconds=2)
        r = await d.say("你好")
        assert r and desk_texts.TOO_MANY_MESSAGES not in joined(r)  # answered again


async def _file_repair(d, n: int) -> str:
    await d.say("你好")
    await d.tap("我要报修")
    await d.say(f"空调不制冷第{n}次")
    await d.say("KFR-35GW")
    await d.say("朝阳区建国路88号")
    await d.say("138 1234 5678")
    await d.say("明天上午")
    return joined(await d.say("确认"))


async def test_tickets_per_phone_a_day_are_counted_in_the_store(stack_factory):
    """The limit holds across chats (the phone) and across a restart (the store)."""
    settings = {"limits": True, "chat_burst": 1000, "tickets_per_day": 2}
    async with stack_factory(**settings) as stack:
        assert "单号：" in await _file_repair(stack.driver("web", 1), 1)
        await stack.restart()
        assert "单号：" in await _file_repair(stack.driver("web", 2), 2)
        before = await _rows(stack.desk.db)
        third = await _file_repair(stack.driver("web", 3), 3)  # another chat, same phone
        assert "今天已经提交了 2 张工单" in third and "单号：" not in third
        async with opened(stack.desk.db) as s:
            assert (await s.execute(select(func.count()).select_from(Ticket))).scalar() == 2
            outbox = (await s.execute(select(func.count()).select_from(Notification))).scalar()
        assert outbox == before["notifications"]
        stack.clock.advance(hours=24, seconds=1)
        assert "单号：" in await _file_repair(stack.driver("web", 3), 4)


async def test_hand_offs_per_chat_an_hour_are_limited(stack_factory):
    settings = {"limits": True, "chat_burst": 1000, "handoffs_per_hour": 1}
    async with stack_factory(**settings) as stack:
        d = stack.driver("web", 50)
        assert "人工" in joined(await d.say("/request_human"))
        async with opened(stack.desk.db) as s:  # staff hand it back
            await s.execute(update(Conversation).values(handed_off=False))
        r = await d.say("/request_human")
        assert desk_texts.TOO_MANY_HANDOFFS in joined(r)
        waiting = await stack.client.get(
            "/api/chats/handoff", headers={"Authorization": "Bearer test-staff"}
        )
        assert d.chat not in await waiting.text()  # the queue is not filled by one chat


async def _refusals(client) -> dict[str, float]:
    """aftercare_limit_refusals_total per limit, as /metrics serves it."""
    resp = await client.get("/metrics")
    assert resp.status == 200
    families = text_string_to_metric_families(await resp.text())
    return {
        sample.labels["limit"]: sample.value
        for family in families
        if family.name == "aftercare_limit_refusals"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


async def test_every_refusal_is_counted_per_limit_on_its_own_apps_metrics(stack_factory):
    """A flood from one chat and from one address, a ticket over the day's limit, a
    hand-off over the hour's and a serious complaint filed again: each is one refusal of
    its limit in /metrics, and another app running beside it (same process, same store)
    counts none of them."""
    settings = {
        "limits": True,
        "trusted_proxies": "127.0.0.1/32",  # the address flood names its address
        "address_rate": 60,
        "address_burst": 40,  # the test's own other traffic stays under it
        "tickets_per_day": 1,
        "handoffs_per_hour": 1,
    }
    async with stack_factory(**settings) as stack, stack_factory(**settings) as other:
        client = stack.client
        await seed_units(stack.desk)  # a supervisor to page (below)
        assert await _refusals(client) == {}
        for _ in range(10):
            assert (await _say(client, "flooder")).status == 200
        assert (await _say(client, "flooder")).status == 429

        nat = {"X-Forwarded-For": "198.51.100.7"}
        for i in range(40):
            assert (await _say(client, f"nat-{i}", headers=nat)).status == 200
        assert (await _say(client, "nat-last", headers=nat)).status == 429

        assert "单号：" in await _file_repair(stack.driver("web", 1), 1)
        assert "今天已经提交了 1 张工单" in await _file_repair(stack.driver("web", 2), 2)

        d = stack.driver("web", 50)
        assert "人工" in joined(await d.say("/request_human"))
        async with opened(stack.desk.db) as s:  # staff hand it back
            await s.execute(update(Conversation).values(handed_off=False))
        assert desk_texts.TOO_MANY_HANDOFFS in joined(await d.say("/request_human"))

        serious = {"kind": "complaint", "description": "师傅弄坏了地板", "severity": "serious"}
        serious["phone"] = "13912345678"
        for _ in range(2):  # filed again within the hour: paged once
            resp = await client.post("/api/tickets", json=serious, headers=STAFF)
            assert resp.status == 201, await resp.text()

        assert await _refusals(client) == {
            "chat": 1,
            "address": 1,
            "tickets": 1,
            "handoff": 1,
            "supervisor_page": 1,
        }
        assert await _refusals(other.client) == {}  # its own registry: nothing refused there
