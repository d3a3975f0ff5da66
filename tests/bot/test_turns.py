"""How a turn is handled: answers read without NLU (see test_direct.py), the keyword
fallback keeping what was said, survey input typed in the chat, UTF-8 REST replies and
read-only store work."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from backend.domain.kinds import Channel
from backend.services import surveys
from backend.store.tables import Survey, Ticket
from tests.bot.harness import joined
from tests.fixtures.db import opened
from tests.scheduling.helpers import add_staff, repair, resolve
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


class CountingNlu:
    """The real NLU client, counting which texts were sent to it."""

    def __init__(self, inner):
        self.inner, self.texts = inner, []

    async def parse(self, text: str):
        self.texts.append(text)
        return await self.inner.parse(text)


# ---- answers a step reads by itself -----------------------------------------------------
@pytest.mark.parametrize("channel", ["telegram", "web"])
async def test_structured_answers_skip_nlu_and_interruptions_do_not(
    stack_factory, fake_tg, rasa, channel
):
    async with stack_factory(fake=fake_tg, rasa=rasa) as stack:
        await seed_units(stack.desk)
        nlu = stack.engine.nlu = CountingNlu(stack.engine.nlu)
        d = stack.driver(channel, 1101)
        r = await d.say("洗衣机漏水了，麻烦派人来修")
        assert "型号" in joined(r)
        r = await d.say("SNPAID000003")
        assert "地址" in joined(r)
        r = await d.say("海淀区中关村大街1号")
        assert "联系电话" in joined(r)
        r = await d.say("13700001111")
        assert "什么时间上门" in joined(r)
        r = await d.say("后天下午")
        assert "请核对" in joined(r) and "后天下午" in joined(r)
        r = await d.say("确认")
        assert "单号" in joined(r)
        assert nlu.texts == ["洗衣机漏水了，麻烦派人来修"]
        t = (await _tickets(stack))[0]
        assert (t.serial_number, t.contact_phone) == ("SNPAID000003", "13700001111")

        # In the middle of a form, a cancel still cancels (keyword check -> NLU).
        await d.say("我要报修")
        await d.say("热水器不出热水")
        r = await d.say("取消吧")
        assert "已取消本次报修" in joined(r) and nlu.texts[-1] == "取消吧"
        assert len(await _tickets(stack)) == 1


async def _tickets(stack) -> list[Ticket]:
    async with opened(stack.desk.db) as s:
        return list((await s.execute(select(Ticket).order_by(Ticket.id))).scalars())


# ---- NLU down: what was said is not asked again --------------------------------------
@pytest.mark.parametrize("channel", ["telegram", "web"])
async def test_rasa_down_keeps_the_first_message_as_the_description(
    stack_factory, fake_tg, channel
):
    async with stack_factory(fake=fake_tg, rasa=None) as stack:  # NLU at a closed port
        d = stack.driver(channel, 1201)
        r = await d.say("空调不制冷了")
        assert "描述一下故障" not in joined(r)
        assert "型号" in joined(r)  # the next thing not yet said
        r = await d.say("空调不制冷了")  # said again at the product question
        text = joined(r)
        assert "没能识别出型号" not in text and "描述一下故障" not in text
        assert "已记在故障描述里" in text and "型号" in text
        r = await d.say("外机也漏水了")  # more about the fault: kept too
        assert "型号" in joined(r)
        r = await d.tap("不清楚型号")
        assert "地址" in joined(r)
        await d.say("朝阳区建国路88号")
        await d.say("13812345678")
        r = await d.tap("尽快安排")
        assert "请核对" in joined(r)
        r = await d.say("没问题")  # a yes, not a new description ("问题")
        assert "单号" in joined(r)
        (t,) = await _tickets(stack)
        assert t.description == "空调不制冷了；外机也漏水了"


# ---- surveys typed in the chat ------------------------------------------------------------
async def test_survey_answers_and_comment_typed_in_the_web_chat(stack_factory, clock):
    async with stack_factory(rasa=None) as stack:
        desk = stack.desk
        d = stack.driver("web", 1301)
        await d.open()  # the page: its session
        tech = await add_staff(desk, "王师傅", "technician", None, region="朝阳")
        ticket = await repair(desk, d.chat, Channel.WEB, region="朝阳")
        await resolve(desk, ticket.number, tech)
        clock.advance(hours=2)
        assert await surveys.send_due(desk) == 1
        r = await d.say("很满意")  # typed, not tapped: the survey takes it, not the bot
        assert "技术水平" in joined(r)
        for _ in range(3):
            r = await d.press(d.last[-1].buttons[0][1])
        assert [t for t, _ in d.last[-1].buttons] == ["跳过"]
        r = await d.say("师傅很专业")  # the optional comment
        assert "感谢" in joined(r)
        async with opened(desk.db) as s:
            survey = (await s.execute(select(Survey))).scalar_one()
        assert (survey.status, survey.comment) == ("answered", "师傅很专业")
        r = await d.say("你好")  # the survey is over: the bot answers again
        assert "暂时不可用" in joined(r)


# ---- REST wire format ---------------------------------------------------------------------
async def test_rest_replies_are_utf8_json(stack_factory):
    async with stack_factory(rasa=None) as stack:
        resp = await stack.client.post(
            "/webhooks/rest/webhook", json={"sender": "u1", "message": "你好"}
        )
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        raw = await resp.read()
        assert "\\u" not in raw.decode("ascii", "replace") and "暂时不可用".encode() in raw
        body = json.loads(raw.decode("utf-8"))
        assert body[0]["recipient_id"] == "u1" and body[0]["buttons"][0]["payload"].startswith("/")
