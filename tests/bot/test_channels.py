"""Channel behaviour: Rasa down, Telegram webhook mode (secret, repeated update ids),
the share-phone button, photos, long replies, the web chat page and REST input checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from backend.services.replies import Reply
from backend.store.tables import Attachment, ChannelIdentity, Customer, Message, Ticket
from bot.channels.keys import TELEGRAM
from bot.channels.telegram import SECRET_HEADER, split_text
from tests.bot.harness import joined
from tests.fixtures.db import opened
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("channel", ["telegram", "web"])
async def test_rasa_down_falls_back_to_buttons_and_still_files(stack_factory, fake_tg, channel):
    async with stack_factory(fake=fake_tg, rasa=None) as stack:  # NLU at a closed port
        d = stack.driver(channel, 601)
        r = await d.say("你好")
        assert "暂时不可用" in joined(r) and ("我要报修", "/report_fault") in r[-1].buttons
        r = await d.tap("我要报修")
        assert "描述一下故障" in joined(r)
        r = await d.say("空调不制冷")
        r = await d.say("KFR-35GW")
        assert "地址" in joined(r)
        r = await d.say("朝阳区建国路88号")
        r = await d.say("138 1234 5678")  # checked by regex without NLU
        assert "什么时间上门" in joined(r)
        r = await d.say("明天上午")
        assert "请核对" in joined(r)
        r = await d.say("确认")
        assert "单号：R2611-0001" in joined(r)
        async with opened(stack.desk.db) as s:
            t = (await s.execute(select(Ticket))).scalar_one()
        assert (t.contact_phone, t.product_model, t.description) == (
            "13812345678",
            "KFR-35GW",
            "空调不制冷",
        )


@pytest.fixture
async def webhook_stack(stack_factory, fake_tg, rasa):
    async with stack_factory(
        fake=fake_tg,
        rasa=rasa,
        telegram_webhook_url="https://bot.example.com/telegram/hook",
        telegram_webhook_secret="s3cret-token",
    ) as stack:
        yield stack


def _update(update_id: int, chat: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "text": text,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "客户"},
        },
    }


async def _handled(stack, update_id: int) -> None:
    import asyncio

    for _ in range(3000):
        if update_id in stack.app[TELEGRAM].processed:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"update {update_id} never handled")


async def test_webhook_checks_secret_and_drops_repeated_updates(webhook_stack, fake_tg):
    stack = webhook_stack
    assert fake_tg.webhook["url"] == "https://bot.example.com/telegram/hook"
    assert fake_tg.webhook["secret_token"] == "s3cret-token"
    client = stack.client
    bad = await client.post(
        "/telegram/hook", json=_update(10, 700, "你好"), headers={SECRET_HEADER: "wrong"}
    )
    assert bad.status == 403
    none = await client.post("/telegram/hook", json=_update(10, 700, "你好"))
    assert none.status == 403
    ok = {SECRET_HEADER: "s3cret-token"}
    assert (await client.post("/telegram/hook", json=_update(11, 700, "你好"), headers=ok)).ok
    await _handled(stack, 11)
    assert len(fake_tg.messages_to(700)) == 1
    # Telegram re-delivers an update it thinks was lost: answered once only.
    assert (await client.post("/telegram/hook", json=_update(11, 700, "你好"), headers=ok)).ok
    assert (await client.post("/telegram/hook", json=_update(12, 700, "谢谢"), headers=ok)).ok
    await _handled(stack, 12)
    texts = [s.text for s in fake_tg.messages_to(700)]
    assert len(texts) == 2 and "不客气" in texts[1]
    async with opened(stack.desk.db) as s:
        incoming = (
            (
                await s.execute(
                    select(Message.text).where(
                        Message.external_id == "700", Message.direction == "in"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert incoming == ["你好", "谢谢"]


async def test_share_phone_binds_only_own_contact(stack_factory, fake_tg, rasa):
    async with stack_factory(fake=fake_tg, rasa=rasa) as stack:
        seed = await seed_units(stack.desk)
        d = stack.driver("telegram", 801)
        r = await d.say("我的工单到哪了")
        assert "分享手机号" in joined(r)
        contact_kb = stack.fake.messages_to(801)[-1].reply_markup
        assert contact_kb["keyboard"][0][0]["request_contact"] is True
        r = await d.share_phone("+8613812345678", contact_user_id=999)  # someone else's
        assert "只能分享您本人的手机号" in joined(r)
        async with opened(stack.desk.db) as s:
            ident = (await s.execute(select(ChannelIdentity))).scalar_one_or_none()
        assert ident is None or ident.customer_id is None
        r = await d.share_phone("+8613812345678")
        assert "已绑定手机号 13812345678" in joined(r)
        async with opened(stack.desk.db) as s:
            ident = (await s.execute(select(ChannelIdentity))).scalar_one()
            assert ident.customer_id == seed["customer"]
            assert (await s.get(Customer, seed["customer"])).phone == "13812345678"
        r = await d.say("还在保修期吗")  # the bound customer's one unit answers it
        assert "保修期内" in joined(r) and "2028-06-01" in joined(r)


async def test_photos_are_stored_with_the_ticket(stack_factory, fake_tg, rasa):
    async with stack_factory(fake=fake_tg, rasa=rasa) as stack:
        d = stack.driver("telegram", 901)
        await d.say("洗衣机漏水，派个师傅来")
        r = await d.send_photo(b"\x89PNG leak")
        assert "照片已收到" in joined(r) and "型号" in joined(r)
        await d.say("XQG100")
        await d.say("海淀区中关村大街1号")
        await d.say("13700001111")
        await d.tap("尽快安排")
        r = await d.tap("确认提交")
        assert "单号" in joined(r)
        async with opened(stack.desk.db) as s:
            (att,) = (await s.execute(select(Attachment))).scalars().all()
            t = (await s.execute(select(Ticket))).scalar_one()
        assert att.ticket_id == t.id and att.kind == "photo" and att.file_ref == "photo-1"
        assert att.path and Path(att.path).read_bytes() == b"\x89PNG leak"  # noqa: ASYNC240


async def test_long_replies_are_split(stack_factory, fake_tg):
    assert [len(c) for c in split_text("字" * 9000)] == [4096, 4096, 808]
    lines = "\n".join(["一行内容" * 10] * 200)
    assert all(len(c) <= 4096 for c in split_text(lines))
    assert "".join(split_text(lines)).replace("\n", "") == lines.replace("\n", "")
    async with stack_factory(fake=fake_tg) as stack:
        await stack.app[TELEGRAM].send("77", Reply("长" * 5000))
        assert [len(s.text) for s in fake_tg.messages_to(77)] == [4096, 904]


async def test_web_chat_page_and_push_poll(stack_factory):
    async with stack_factory() as stack:
        page = await stack.client.get("/chat")
        assert page.status == 200 and "viewport" in await page.text()
        assert "/chat/send" in await page.text() and "session=" not in await page.text()
        d = stack.driver("web", 1)
        first = await d.pushed(after=None)
        assert first == {"messages": [], "last": 0}
        async with opened(stack.desk.db) as s:  # what the dispatcher writes for web
            s.add(
                Message(
                    channel="web",
                    external_id=d.chat,
                    direction="out",
                    speaker="system",
                    text="您的报修单 R2611-0001 状态更新：已派工。",
                    at=stack.desk.now(),
                )
            )
        got = await d.pushed(after=first["last"])
        assert [m["text"] for m in got["messages"]] == ["您的报修单 R2611-0001 状态更新：已派工。"]
        assert (await d.pushed(after=got["last"]))["messages"] == []
