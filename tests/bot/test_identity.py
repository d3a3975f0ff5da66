"""Customers are who they say they are: each attack of issue 11 replayed against the
running app (built by the composition root) and the real store, and refused.

A stranger with a guessable serial number or someone's ticket number, a second client
with the first one's session string, a phone number typed into a chat, a Telegram group
sharing a contact: none of them sees an address, a phone, a name, a technician or a
timeline that is not theirs, and none of them receives anyone else's notices.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import aiohttp
import pytest
from sqlalchemy import select

from backend.domain.kinds import Channel, TicketKind
from backend.domain.survey import LABELS_ZH
from backend.services import surveys
from backend.services.registration import register
from backend.services.transitions import StatusChange, assign, change_status
from backend.services.values import Registration
from backend.store.tables import ChannelIdentity, Message, Notification, Ticket
from bot.channels.sessions import COOKIE
from tests.bot.harness import joined
from tests.bot.scripts import verify_by_sms
from tests.fixtures.db import opened
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

OWNER_PHONE = "13812345678"  # the seeded customer 王女士, unit SNFREE0001 at 建国路88号
SECRETS = ("建国路", "王女士", OWNER_PHONE, "刘师傅", "KFR-35GW/BpR3", "2028")


def _nothing_of_the_owner(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} shown to a stranger: {text!r}"


@pytest.fixture
async def stack(stack_factory, fake_tg, rasa):
    async with stack_factory(fake=fake_tg, rasa=rasa) as stack:
        stack.seed = await seed_units(stack.desk)
        yield stack


async def _owners_ticket(stack) -> str:
    """The owner's repair, filed on the hotline and dispatched to 刘师傅."""
    reg = Registration(
        kind=TicketKind.REPAIR,
        channel=Channel.HOTLINE,
        description="空调不制冷",
        phone=OWNER_PHONE,
        serial_number="SNFREE0001",
        actor="agent",
    )
    number = (await register(stack.desk, reg)).number
    await assign(stack.desk, number, stack.seed["technician"])
    return number


@pytest.mark.parametrize("channel", ["web", "telegram"])
async def test_a_stranger_with_a_serial_files_a_repair_but_sees_nothing_of_the_unit(stack, channel):
    d = stack.driver(channel, 1101)
    said = [await d.say("我要报修"), await d.say("空调不制冷")]
    said.append(r := await d.say("SNFREE0001"))
    assert "详细地址" in joined(r)  # asked, not offered the registered one
    said.append(await d.say("海淀区中关村大街1号"))
    said.append(r := await d.say("13700001111"))
    said.append(r := await d.tap("尽快安排"))
    assert "请核对" in joined(r) and "SNFREE0001" in joined(r)
    said.append(r := await d.tap("确认提交"))
    assert "单号" in joined(r)
    for replies in said:
        _nothing_of_the_owner(joined(replies))
        assert "保修期内，" not in joined(replies)  # nor whether the unit is under warranty
    async with opened(stack.desk.db) as s:
        t = (await s.execute(select(Ticket))).scalar_one()
        ident = (await s.execute(select(ChannelIdentity))).scalar_one()
    # the unit's warranty category is applied silently; the typed address is the visit's
    assert (t.category, t.address) == ("free", "海淀区中关村大街1号")
    assert ident.customer_id is None and ident.verified_at is None  # a typed phone binds nothing


@pytest.mark.parametrize("channel", ["web", "telegram"])
async def test_a_stranger_with_someones_ticket_number_gets_no_timeline_and_cannot_act(
    stack, channel
):
    number = await _owners_ticket(stack)
    d = stack.driver(channel, 1102)
    for text in (f"{number} 到哪一步了", f"帮我催一下 {number}", f"取消工单 {number}"):
        r = await d.say(text)
        _nothing_of_the_owner(joined(r))
        assert "已派工" not in joined(r) and "已帮您催促" not in joined(r)
        assert "确定要取消" not in joined(r)
    r = await d.press(f'/confirm_cancel{{"ticket_id":"{number}"}}')  # a forged button
    assert "已为您取消" not in joined(r)
    r = await d.press(f'/expedite{{"ticket_id":"{number}"}}')
    assert "已帮您催促" not in joined(r)
    async with opened(stack.desk.db) as s:
        t = (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        expedites = (
            await s.execute(select(Notification).where(Notification.kind == "escalation"))
        ).all()
    assert t.status == "dispatched" and expedites == []
    # verified as the owner, the same chat sees it as today
    await verify_by_sms(d, stack, OWNER_PHONE)
    r = await d.say(f"{number} 到哪一步了")
    assert "已派工" in joined(r) and "刘师傅" in joined(r)


async def test_a_second_client_with_the_first_ones_session_string_gets_nothing(stack):
    first = stack.driver("web", 1)
    await first.say("我要报修")
    await first.say("洗衣机漏水")
    await first.say("XQG100")
    await first.say("海淀区中关村大街1号")
    await first.say("13700001111")
    await first.tap("尽快安排")
    r = await first.tap("确认提交")
    assert "单号" in joined(r)
    session = first.chat
    async with opened(stack.desk.db) as s:  # a notice pushed to the first session
        s.add(
            Message(
                channel="web",
                external_id=session,
                direction="out",
                speaker="system",
                text="您的报修单状态更新：已派工，师傅电话 13911110001。",
                at=stack.desk.now(),
            )
        )
    client = stack.client
    # the old page's way: the session string in the URL
    resp = await client.get("/chat/messages", params={"session": session, "after": "0"})
    assert resp.status in (400, 401) and "师傅" not in await resp.text()
    # a cookie the server did not issue (the session string with any signature)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as other:
        for forged in (session, f"{session}.AAAA", f"{session}.{session}"):
            headers = {"Cookie": f"{COOKIE}={forged}"}
            resp = await other.get(client.make_url("/chat/messages?after=0"), headers=headers)
            assert resp.status == 401 and "师傅" not in await resp.text()
            resp = await other.post(
                client.make_url("/chat/send"), json={"message": "我的工单到哪了"}, headers=headers
            )
            assert resp.status == 401
    # the REST channel with the session string as its sender: its own namespace
    resp = await client.post(
        "/webhooks/rest/webhook", json={"sender": session, "message": "我的工单到哪了"}
    )
    assert resp.status == 200
    text = json.dumps(await resp.json(), ensure_ascii=False)
    assert "R2611" not in text and "已受理" not in text
    resp = await client.post(
        "/webhooks/rest/webhook", json={"sender": session, "message": "取消工单"}
    )
    assert "确定要取消" not in json.dumps(await resp.json(), ensure_ascii=False)
    # a second browser gets its own session, with nothing of the first one's
    second = stack.driver("web", 2)
    r = await second.say("我的工单到哪了")
    assert second.chat != session and "R2611" not in joined(r)
    assert (await second.pushed(after=0))["messages"] == []
    # ... and the first one still has its own
    assert "师傅" in joined_pushed(await first.pushed(after=0))


def joined_pushed(page: dict) -> str:
    return "\n".join(m["text"] for m in page["messages"])


async def test_a_typed_phone_binds_nothing_and_receives_no_other_tickets_notices(stack):
    d = stack.driver("web", 3)
    phone = "13900002222"  # a new customer: the chat used to be bound to them
    await d.say("我要报修")
    await d.say("洗衣机漏水")
    await d.say("XQG100")
    await d.say("海淀区中关村大街1号")
    await d.say(phone)
    await d.tap("尽快安排")
    r = await d.tap("确认提交")
    own = [w for w in joined(r).split() if w.startswith("R2611")]
    async with opened(stack.desk.db) as s:
        ident = (
            await s.execute(select(ChannelIdentity).where(ChannelIdentity.external_id == d.chat))
        ).scalar_one()
    assert ident.customer_id is None and ident.verified_at is None
    # later the real owner of the phone calls the hotline; staff cancel that ticket
    reg = Registration(
        kind=TicketKind.REPAIR,
        channel=Channel.HOTLINE,
        description="热水器不出热水",
        phone=phone,
        address="朝阳区望京街10号",
        actor="agent",
    )
    number = (await register(stack.desk, reg)).number
    await change_status(stack.desk, number, StatusChange("cancelled", actor="staff"))
    async with opened(stack.desk.db) as s:
        hotline = (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        to_chat = (
            await s.execute(
                select(Notification).where(
                    Notification.ticket_id == hotline.id, Notification.chat_id == d.chat
                )
            )
        ).all()
    assert to_chat == []
    assert number not in joined_pushed(await d.pushed(after=0))
    r = await d.say("我的工单到哪了")  # its own ticket only
    assert number not in joined(r) and "望京" not in joined(r)
    assert own == [] or own[0] != number


async def test_a_telegram_group_can_never_become_verified(stack, fake_tg):
    group, member = -5001, 7001
    update = await fake_tg.user_shares_contact(
        group, "+8613812345678", user_id=member, chat_type="group"
    )
    await _handled(stack, update["update_id"])
    assert "群聊" in fake_tg.messages_to(group)[-1].text
    update = await fake_tg.user_says(group, "验证手机号", user_id=member, chat_type="group")
    await _handled(stack, update["update_id"])
    assert "群聊" in fake_tg.messages_to(group)[-1].text
    async with opened(stack.desk.db) as s:
        idents = (await s.execute(select(ChannelIdentity))).scalars().all()
    assert all(i.customer_id is None and i.verified_at is None for i in idents)
    # the same member in a private chat: their own contact verifies
    d = stack.driver("telegram", member)
    r = await d.share_phone("+8613812345678")
    assert "已绑定手机号 13812345678" in joined(r)


async def _handled(stack, update_id: int) -> None:
    from bot.channels.keys import TELEGRAM

    for _ in range(3000):  # until the bot handled it (not a timing assertion)
        if update_id in stack.app[TELEGRAM].processed:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"update {update_id} never handled")


async def test_a_survey_pushed_to_the_web_chat_carries_its_buttons(stack):
    d = stack.driver("web", 4)
    await d.say("我要报修")
    await d.say("洗衣机漏水")
    await d.say("XQG100")
    await d.say("海淀区中关村大街1号")
    await d.say("13700001111")
    await d.tap("尽快安排")
    r = await d.tap("确认提交")
    number = next(
        w for w in joined(r).replace("：", " ").replace("。", " ").split() if w.startswith("R2611")
    )
    start = (await d.pushed(after=None))["last"]
    desk = stack.desk
    await change_status(
        desk, number, StatusChange("dispatched", technician_id=stack.seed["technician"])
    )
    await change_status(desk, number, StatusChange("on_site"))
    await change_status(desk, number, StatusChange("resolved"))
    desk.clock.advance(hours=3)
    assert await surveys.send_due(desk) == 1
    survey = None
    for _ in range(3000):  # the app's dispatcher writes it into the transcript
        page = await d.pushed(after=start)
        survey = next((m for m in page["messages"] if "服务态度" in m["text"]), None)
        if survey is not None:
            break
        await asyncio.sleep(0.01)
    assert survey is not None, "the survey question never reached the web chat"
    titles = [b["title"] for b in survey["buttons"]]
    assert titles == list(LABELS_ZH.values()) and len(titles) == 4, titles
    r = await d.press(survey["buttons"][0]["payload"])  # the page sends a tapped payload
    assert r and "技术" in joined(r)


def host_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


async def test_a_host_site_identity_binds_the_session_only_with_the_right_hash(stack_factory, rasa):
    async with stack_factory(rasa=rasa, identity_secret="host-s3cret") as stack:
        stack.seed = await seed_units(stack.desk)
        number = await _owners_ticket(stack)
        d = stack.driver("web", 5)
        http = await d.open()
        body = {"user_id": OWNER_PHONE, "identifier_hash": host_hash("wrong", OWNER_PHONE)}
        async with http.post(d.url("/chat/identify"), json=body) as resp:
            assert resp.status == 403
        r = await d.say(f"{number} 到哪一步了")
        assert "刘师傅" not in joined(r) and "已派工" not in joined(r)
        body["identifier_hash"] = host_hash("host-s3cret", OWNER_PHONE)
        async with http.post(d.url("/chat/identify"), json=body) as resp:
            assert resp.status == 200 and (await resp.json()) == {"verified": True}
        r = await d.say(f"{number} 到哪一步了")
        assert "已派工" in joined(r) and "刘师傅" in joined(r)
        async with opened(stack.desk.db) as s:
            ident = (
                await s.execute(
                    select(ChannelIdentity).where(ChannelIdentity.external_id == d.chat)
                )
            ).scalar_one()
        assert ident.customer_id == stack.seed["customer"] and ident.verified_at is not None


async def test_host_identity_is_off_without_its_secret(stack):
    d = stack.driver("web", 6)
    http = await d.open()
    body = {"user_id": OWNER_PHONE, "identifier_hash": host_hash("", OWNER_PHONE)}
    async with http.post(d.url("/chat/identify"), json=body) as resp:
        assert resp.status == 404


async def test_the_rest_channel_needs_its_secret(stack_factory):
    async with stack_factory(rest_secret="rest-s3cret") as stack:
        client = stack.client
        payload = {"sender": "crm-1", "message": "你好"}
        assert (await client.post("/webhooks/rest/webhook", json=payload)).status == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (
            await client.post("/webhooks/rest/webhook", json=payload, headers=wrong)
        ).status == 401
        ok = {"Authorization": "Bearer rest-s3cret"}
        resp = await client.post("/webhooks/rest/webhook", json=payload, headers=ok)
        assert resp.status == 200 and (await resp.json())[0]["recipient_id"] == "crm-1"
        raw = json.dumps(payload).encode()
        sig = hmac.new(b"rest-s3cret", raw, hashlib.sha256).hexdigest()
        signed = {"Content-Type": "application/json", "X-Aftercare-Signature": f"sha256={sig}"}
        resp = await client.post("/webhooks/rest/webhook", data=raw, headers=signed)
        assert resp.status == 200
        tampered = raw.replace(b"crm-1", b"crm-2")
        resp = await client.post("/webhooks/rest/webhook", data=tampered, headers=signed)
        assert resp.status == 401
        async with opened(stack.desk.db) as s:
            chats = set((await s.execute(select(Message.external_id))).scalars())
        assert chats == {"rest:crm-1"}  # the REST namespace, never a web chat session
    async with stack_factory(host="0.0.0.0") as stack:  # beyond loopback, no secret: refused
        resp = await stack.client.post("/webhooks/rest/webhook", json=payload)
        assert resp.status == 401
