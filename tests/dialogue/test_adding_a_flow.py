"""README "Adding a flow", walked through: a new flow is a table, its texts and its
service call. The engine is not touched; it is handed the flows it runs."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from backend.domain.kinds import TicketKind
from backend.services.replies import Reply
from backend.store.tables import Ticket
from bot.dialogue.engine import Engine
from bot.dialogue.flows import FLOWS, register, registration
from bot.dialogue.form import Ctx, Flow, Invalid, Slot
from bot.dialogue.slots import ADDRESS, PHONE, PRODUCT, ask, prefill_known
from tests.dialogue.conftest import Chat

# 1. its texts (in a real flow: bot/dialogue/texts.py)
ASK_FLOOR = "请问安装在几楼？有没有电梯？"
BAD_FLOOR = "没听明白楼层，请告诉我是几楼，例如“5楼，有电梯”。"
DONE = "已为您预约安装，单号 {number}，师傅会提前联系您。"


# 2. a slot of its own: how it is read and recognised
async def floor_read(ctx: Ctx, text: str) -> str:
    if not re.search(r"\d+\s*楼|[一二三四五六七八九十]+楼", text):
        raise Invalid(BAD_FLOOR)
    return text.strip()[:50]


FLOOR = Slot(
    "floor",
    "安装楼层",
    ask(ASK_FLOOR),
    floor_read,
    words=("楼层", "几楼"),
    whole=lambda text: bool(re.fullmatch(r"\d{1,2}楼", text)),
)


# 3. its service call
async def installation_submit(ctx: Ctx) -> list[Reply]:
    product = ctx.slots.get("product") or {}
    reg = registration(
        ctx,
        TicketKind.MAINTENANCE,
        description=f"安装预约：{product.get('label')}，{ctx.slots['floor']}",
        requested_date=date(2026, 12, 8),
    )
    filed = await register(ctx, reg)  # files it, focuses the chat on it, links the transcript
    return [Reply(DONE.format(number=filed.number))]


# 4. the table
INSTALLATION = Flow(
    name="installation",
    title="安装预约",
    intent="book_installation",  # and its NLU examples in nlu/project/data
    kind=TicketKind.MAINTENANCE,
    slots=(PRODUCT, FLOOR, ADDRESS, PHONE),
    submit=installation_submit,
    filled=prefill_known,
)


@pytest.fixture
def chat(chat_desk, nlu) -> Chat:
    return Chat(Engine(chat_desk, nlu, flows=FLOWS.plus(INSTALLATION)))


async def test_a_new_flow_runs_on_the_unchanged_engine(chat, nlu, desk):
    nlu.means("我想预约安装新买的空调", "book_installation")
    await chat.say("我想预约安装新买的空调")
    assert "型号" in chat.text
    await chat.say("KFR-72LW")
    assert ASK_FLOOR in chat.text
    await chat.say("5楼")  # recognised by the slot itself: no NLU call
    await chat.say("北京市朝阳区建国路88号3单元502")
    await chat.say("13812345678")
    assert "【安装预约】" in chat.text and "安装楼层：5楼" in chat.text
    await chat.say("楼层写错了，应该是7楼")  # a correction names the slot by its words
    assert "安装楼层：7楼" in chat.text
    await chat.say("确认")
    description = await desk.db.read(lambda s: s.execute(select(Ticket.description)).scalar())
    assert "7楼" in description and "已为您预约安装" in chat.text
    assert nlu.asked == ["我想预约安装新买的空调", "楼层写错了，应该是7楼"]


async def test_a_new_slot_is_validated_and_guarded_like_any_other(chat, nlu):
    nlu.means("我想预约安装", "book_installation")
    await chat.say("我想预约安装")
    await chat.tap("不清楚型号")
    for _ in range(2):
        await chat.say("高层")
        assert BAD_FLOOR in chat.text
    await chat.say("高层")
    assert ASK_FLOOR not in chat.text and "/request_human" in chat.payloads
