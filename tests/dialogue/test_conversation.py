"""Conversations through the engine with a scripted NLU and the real store: no Rasa."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from backend.domain.kinds import Channel, TicketKind
from backend.services.chat_api import Registration
from backend.store.tables import ChannelIdentity, Conversation, Customer, Message, Ticket
from bot.dialogue import texts as T
from bot.dialogue.state import VERSION
from tests.store.seed import seed_units


async def _count(desk, table) -> int:
    return await desk.db.read(lambda s: s.execute(select(func.count()).select_from(table)).scalar())


async def test_a_repair_told_step_by_step_is_filed(chat, nlu, desk):
    nlu.means("空调不制冷了", "report_fault")
    await chat.say("空调不制冷了")
    assert "型号" in chat.text  # the fault is known: the product is asked next
    await chat.say("KFR-99X")  # a code is read without NLU
    await chat.say("北京市朝阳区建国路88号3单元502")
    await chat.say("13812345678")
    await chat.tap("尽快安排")
    assert "请核对" in chat.text and "空调不制冷了" in chat.text
    await chat.say("确认")
    assert "R" in chat.text and await _count(desk, Ticket) == 1
    assert nlu.asked == ["空调不制冷了"]  # every other answer was read directly
    number = await desk.db.read(lambda s: s.execute(select(Ticket.number)).scalar())
    linked = await desk.db.read(
        lambda s: s.execute(
            select(func.count()).select_from(Message).where(Message.ticket_id.is_not(None))
        ).scalar()
    )
    assert number in chat.text and linked >= 10  # the form's transcript joined the ticket


async def test_the_loop_guard_never_asks_a_fourth_time(chat, nlu):
    """Seen before: the severity question nine times in a row."""
    nlu.means("我要投诉", "complain").means("你们师傅迟到了三个小时", "complain")
    await chat.say("我要投诉")
    await chat.say("你们师傅迟到了三个小时")
    await chat.tap("不涉及具体工单")
    asked = [chat.text]
    for _ in range(3):
        await chat.say("这个怎么说呢")  # neither a severity nor anything NLU knows
        asked.append(chat.text)
    assert sum(T.ASK_SEVERITY in a for a in asked) == 3  # asked three times, no more
    assert T.ASK_SEVERITY not in asked[3]
    assert "/inform" in "".join(chat.payloads)  # the fourth time: the choices as buttons
    await chat.say("还是说不清")
    replies = chat.text
    assert "人工" in replies and T.ASK_SEVERITY not in replies
    assert await chat.say("有人吗") == []  # handed to a person: the bot is silent


async def test_a_slot_without_choices_offers_a_person(chat, nlu):
    nlu.means("洗衣机漏水", "report_fault")
    await chat.say("洗衣机漏水")
    await chat.tap("不清楚型号")
    for _ in range(3):
        await chat.say("在家")  # not an address
    assert T.ASK_ADDRESS not in chat.text
    assert "/request_human" in chat.payloads and "/cancel" in chat.payloads


async def test_a_conversation_row_in_the_old_format_still_loads(chat, nlu, desk):
    """A row written before the state was versioned: flat keys, mid-form."""
    old_state = {
        "flow": "repair",
        "slots": {
            "description": "冰箱不制冷",
            "product": {"serial": None, "model": None, "unit_id": None, "label": "型号不详"},
            "address": "北京市海淀区中关村大街12号",
        },
        "asking": "phone",
        "editing": False,
        "misses": 1,
        "form_started_after": 0,
        "verified": False,
    }
    row = {
        "channel": "web",
        "external_id": chat.chat_id,
        "state": old_state,
        "handed_off": False,
        "updated_at": desk.now(),
    }
    await desk.db.write(lambda s: s.execute(insert(Conversation), [row]))
    await chat.say("13912345678")
    assert "请核对" in chat.text or T.ASK_VISIT_TIME in chat.text
    await chat.tap("尽快安排")
    assert "冰箱不制冷" in chat.text and "中关村大街12号" in chat.text
    stored = await desk.db.read(lambda s: s.execute(select(Conversation.state)).scalar())
    assert stored["v"] == VERSION and stored["form"]["slots"]["phone"] == "13912345678"


async def test_ownership_is_a_query_even_past_a_thousand_tickets(chat, chat_desk, desk, nlu):
    """The chat's tickets used to be found by loading 1,000 rows and filtering in Python:
    the customer's oldest ticket was invisible behind a thousand newer ones."""
    await seed_units(desk)
    filed = await chat_desk.register(
        Registration(TicketKind.REPAIR, Channel.WEB, chat.chat_id, description="空调漏水")
    )
    ident = await desk.db.read(
        lambda s: s.execute(
            select(ChannelIdentity.id).where(ChannelIdentity.external_id == chat.chat_id)
        ).scalar()
    )
    now = desk.now()
    rows = [
        {
            "number": f"R9912-{i:04d}",
            "kind": "repair",
            "status": "new",
            "channel": "web",
            "identity_id": ident,
            "description": "x",
            "registered_at": now,
            "updated_at": now,
        }
        for i in range(1, 1101)
    ]
    await desk.db.write(lambda s: s.execute(insert(Ticket), rows))
    own = await chat_desk.own_ticket("web", chat.chat_id, filed.number, verified=False)
    assert own is not None and own.number == filed.number
    stranger = await chat_desk.own_ticket("web", "someone-else", filed.number, verified=False)
    assert stranger is None
    mine = await chat_desk.tickets_of("web", chat.chat_id, verified=False, limit=3)
    assert len(mine) == 3
    nlu.means(f"{filed.number}到哪一步了", "query_status", ticket_id=filed.number)
    await chat.say(f"{filed.number}到哪一步了")
    assert filed.number in chat.text and "没有找到" not in chat.text
    customers = await _count(desk, Customer)
    assert customers == 2  # seeded + this chat's; nothing else was bound


async def test_an_update_id_is_dropped_only_when_seen_not_when_lower(engine, nlu, desk):
    """Telegram may restart update ids at a random, lower value after a week."""
    from bot.dialogue.engine import Input

    nlu.means("你好", "greet").means("谢谢", "thanks")
    assert await engine.handle("telegram", "42", Input("你好", update_id=900))
    assert await engine.handle("telegram", "42", Input("你好", update_id=900)) == []  # a repeat
    replies = await engine.handle("telegram", "42", Input("谢谢", update_id=17))  # lower, new
    assert replies and "不客气" in replies[0].text
    assert await engine.handle("telegram", "42", Input("谢谢", update_id=17)) == []
    incoming = await desk.db.read(
        lambda s: s.execute(select(Message.text).where(Message.direction == "in")).scalars().all()
    )
    assert incoming == ["你好", "谢谢"]
