"""Every value the dialogue stores is checked against its column before it gets there:
an over-long answer is a clear, polite reply and the question again; nothing is filed
with a cut value, and on PostgreSQL no DataError is ever raised (SQLite and PostgreSQL).
Driven field by field through the engine, the entry point every channel calls."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.domain.fields import size
from backend.services.chat import ChatService
from backend.services.limits import LimitPolicy, Limits
from backend.store.tables import Ticket
from bot.dialogue.engine import Engine
from tests.dialogue.conftest import Chat


async def _tickets(desk) -> int:
    return await desk.db.read(lambda s: s.execute(select(func.count(Ticket.id))).scalar())


async def _to(chat, nlu, slot: str) -> None:
    """A repair form, answered up to the question for `slot`."""
    nlu.means("空调不制冷了", "report_fault")
    await chat.say("我要报修") if slot == "description" else await chat.say("空调不制冷了")
    if slot == "description":
        return
    await chat.say("KFR-99X")
    if slot == "address":
        return
    await chat.say("北京市朝阳区建国路88号3单元502")
    await chat.say("13812345678")


def _long_address() -> str:
    return "北京市朝阳区建国路88号" + "幸福小区" * (size("address") // 4) + "3单元502"


@pytest.mark.parametrize(
    ("slot", "value", "label"),
    [
        ("description", "空调" + "不制冷" * (size("description") // 3 + 1), "故障"),
        ("address", None, "地址"),
        ("visit_time", "明天上午" + "或者下午" * (size("visit_time") // 4 + 1), "上门时间"),
    ],
)
async def test_an_over_long_answer_is_refused_politely(chat, nlu, desk, slot, value, label):
    nlu.means("我要报修", "report_fault")
    await _to(chat, nlu, slot)
    value = value or _long_address()
    await chat.say(value)
    assert "有点长了" in chat.text and str(size(slot)) in chat.text, chat.text
    assert await _tickets(desk) == 0


async def test_the_visit_time_at_its_size_is_filed(chat, nlu, desk):
    await _to(chat, nlu, "visit_time")
    exactly = "明" * size("visit_time")
    await chat.say(exactly)
    assert "请核对" in chat.text
    await chat.say("确认")
    assert await _tickets(desk) == 1
    stored = await desk.db.read(lambda s: s.execute(select(Ticket.visit_time)).scalar())
    assert stored == exactly


async def test_a_correction_in_words_is_checked_too(chat, nlu, desk):
    await _to(chat, nlu, "visit_time")
    await chat.say("明天上午")
    assert "请核对" in chat.text
    await chat.say("地址改成" + _long_address())
    assert "有点长了" in chat.text
    await chat.say("确认")
    stored = await desk.db.read(lambda s: s.execute(select(Ticket.address)).scalar())
    assert stored == "北京市朝阳区建国路88号3单元502"


async def test_tickets_a_day_per_chat_are_refused_politely(desk, nlu):
    desk.limits = Limits(LimitPolicy(tickets_per_day=1))
    chat = Chat(Engine(ChatService(desk), nlu), chat_id="chat-limited")
    for _ in range(2):
        await _to(chat, nlu, "visit_time")
        await chat.say("明天上午")
        await chat.say("确认")
        desk.clock.advance(minutes=5)
    assert "今天已经提交了 1 张工单" in chat.text
    assert "/report_fault" in chat.payloads  # the menu comes with it: nothing is stuck
    assert await _tickets(desk) == 1
