"""Scripted conversations, one per flow, shared by the Telegram and REST channel tests.

Each script plays the customer through a driver (tests/bot/harness.py) and checks what
the bot answers and what ended up in the store.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from backend.services.transitions import assign
from backend.store.tables import Conversation, Message, Notification, Ticket
from tests.bot.harness import STAFF, Driver, Stack, joined
from tests.fakes.sms import RecordingSms
from tests.fixtures.db import opened


async def verify_by_sms(d: Driver, stack: Stack, phone: str = "13812345678") -> None:
    """The chat proves it is the customer of `phone` with a texted code."""
    if not isinstance(stack.desk.sms, RecordingSms):
        stack.desk.sms = RecordingSms()
    r = await d.say("验证手机号")
    assert "手机号" in joined(r)
    r = await d.say(phone)
    assert "验证码已发送" in joined(r) and phone not in joined(r)  # shown masked
    r = await d.say(stack.desk.sms.last_code(phone))
    assert "验证成功" in joined(r), joined(r)


def number_in(text: str, kind: str = "RCM") -> str:
    """The first ticket number of that kind (an outbox push about another ticket may
    arrive in the same turn on Telegram)."""
    m = re.search(rf"[{kind}]\d{{4}}-\d{{4}}", text)
    assert m, f"no ticket number in {text!r}"
    return m.group(0)


async def ticket(stack: Stack, number: str) -> Ticket:
    async with opened(stack.desk.db) as s:
        return (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one()


async def file_repair_in_one_message(d: Driver, stack: Stack) -> str:
    """Everything said at once; a correction at the summary; a free in-warranty unit."""
    r = await d.say("空调不制冷了，型号KFR-35GW/BpR3，地址朝阳区建国路88号，电话13812345678")
    assert "什么时间上门" in joined(r)  # product, fault, address and phone not asked again
    r = await d.say("明天上午")
    text = joined(r)
    assert "请核对" in text and "13812345678" in text and "明天上午" in text
    r = await d.say("地址改成朝阳区建国路99号")
    assert "已为您更新" in joined(r) and "建国路99号" in joined(r)
    r = await d.tap("确认提交")
    text = joined(r)
    number = number_in(text, "R")
    assert number.startswith("R2611-")
    # a chat that has not verified is not told the category (the phone's unit gives it)
    assert "客服核实产品信息后告知" in text and "保修期内，免费服务" not in text
    assert "6 个工作小时" in text
    t = await ticket(stack, number)
    assert (t.kind, t.category, t.address, t.contact_phone) == (
        "repair",
        "free",
        "朝阳区建国路99号",
        "13812345678",
    )
    assert t.description.startswith("空调不制冷")
    return number


async def repair_step_by_step(d: Driver, stack: Stack) -> str:
    """Asked one by one, with an aside, nonsense, a question mid-form and a paid unit."""
    r = await d.say("我要报修")
    assert "描述一下故障" in joined(r)
    r = await d.say("洗衣机漏水")
    assert "型号" in joined(r)
    r = await d.say("SNPAID000003")
    assert "地址" in joined(r)
    r = await d.say("今天天气怎么样")
    assert "帮不上忙" in joined(r) and "继续刚才的报修" in joined(r) and "地址" in joined(r)
    r = await d.say("海淀区中关村大街1号")
    assert "联系电话" in joined(r)
    r = await d.say("abc")
    assert "号码好像不对" in joined(r)
    r = await d.say("13700001111")
    assert "什么时间上门" in joined(r)
    r = await d.say("还在保修期吗")
    assert "有偿服务" in joined(r) and "什么时间上门" in joined(r)
    r = await d.tap("尽快安排")
    # the typed serial as typed: nothing of the unit it names (product, owner, address)
    assert "请核对" in joined(r) and "SNPAID000003" in joined(r) and "XQG100" not in joined(r)
    r = await d.say("asdfgh")
    assert "确认提交" in joined(r)  # nonsense at the summary submits nothing
    assert "单号" not in joined(r)
    r = await d.say("确认")
    text = joined(r)
    number = number_in(text, "R")
    assert "客服核实产品信息后告知" in text and "24 小时" in text
    t = await ticket(stack, number)  # the unit's category and region applied silently
    assert (t.category, t.region_class, t.serial_number) == ("paid", "remote", "SNPAID000003")
    return number


async def complaint(d: Driver, stack: Stack, concerning: str | None = None) -> str:
    r = await d.say("师傅态度太差了，我要投诉")
    assert "哪张工单" in joined(r)
    if concerning:
        r = await d.tap(concerning)
    else:
        r = await d.tap("不涉及具体工单")
    assert "严重程度" in joined(r)
    r = await d.tap("严重")
    if "请核对" not in joined(r):
        assert "联系电话" in joined(r)
        r = await d.say("13812345678")
    assert "请核对" in joined(r) and "态度太差" in joined(r)
    r = await d.tap("确认提交")
    text = joined(r)
    number = number_in(text, "C")
    assert number.startswith("C2611-") and "24 小时" in text and "主管" in text, text
    t = await ticket(stack, number)
    assert t.severity == "serious"
    if concerning:
        parent = await ticket(stack, concerning)
        assert t.parent_id == parent.id
    async with opened(stack.desk.db) as s:
        escalations = (
            (
                await s.execute(
                    select(Notification).where(
                        Notification.ticket_id == t.id, Notification.audience == "staff"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert escalations, "a serious complaint is escalated at once"
    return number


async def query_and_expedite(d: Driver, stack: Stack, number: str) -> None:
    r = await d.say(f"{number} 到哪一步了")
    assert number in joined(r) and "已受理" in joined(r) and "登记" in joined(r)
    await assign(stack.desk, number, stack.seed["technician"])
    r = await d.say("我的工单到哪了")
    assert "已派工" in joined(r) and "刘师傅" in joined(r)
    r = await d.say("R2611-0999 到哪一步了")
    assert "没有在您的记录里找到" in joined(r)
    r = await d.say("帮我催一下")
    assert "已帮您催促" in joined(r) and "上报主管" not in joined(r)
    stack.clock.advance(hours=5)  # past the 80% warning point of the 6-hour clock
    r = await d.say("能不能快点，都等半天了")
    assert "已帮您催促" in joined(r) and "上报主管" in joined(r)
    t = await ticket(stack, number)
    async with opened(stack.desk.db) as s:
        rows = (
            (
                await s.execute(
                    select(Notification).where(
                        Notification.ticket_id == t.id, Notification.kind == "escalation"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert rows


async def cancel_form_then_ticket(d: Driver, stack: Stack) -> None:
    r = await d.say("我要报修")
    r = await d.say("热水器不出热水了")
    assert "型号" in joined(r)
    r = await d.say("取消吧")
    assert "已取消本次报修" in joined(r)
    async with opened(stack.desk.db) as s:
        assert (await s.execute(select(Ticket))).first() is None
    number = await file_repair_in_one_message(d, stack)
    r = await d.say("撤销刚才的报修")
    assert "确定要取消工单" in joined(r) and number in joined(r)
    r = await d.say("是的")
    assert "已为您取消" in joined(r)
    assert (await ticket(stack, number)).status == "cancelled"
    r = await d.say("取消")
    assert "没有正在办理" in joined(r)


async def handoff_and_back(d: Driver, stack: Stack) -> None:
    r = await d.say("你好")
    assert "您好" in joined(r)
    r = await d.say("转人工")
    assert "人工客服" in joined(r)
    r = await d.say("我的空调一直响")
    assert r == [], "the bot stays silent while a person has the chat"
    client = stack.client
    resp = await client.get("/api/chats/handoff", headers=STAFF)
    chats = (await resp.json())["chats"]
    assert [(c["channel"], c["external_id"]) for c in chats] == [(d.channel, d.chat)]
    resp = await client.get(f"/api/chats/{d.channel}/{d.chat}/transcript", headers=STAFF)
    body = await resp.json()
    said = [(m["speaker"], m["text"]) for m in body["messages"]]
    assert ("customer", "转人工") in said and ("customer", "我的空调一直响") in said
    assert body["handed_off"] is True
    resp = await client.post(
        f"/api/chats/{d.channel}/{d.chat}/reply",
        headers=STAFF,
        json={"text": "您好，我是客服小李，马上帮您看看。"},
    )
    assert resp.status == 201
    resp = await client.post(f"/api/chats/{d.channel}/{d.chat}/handback", headers=STAFF)
    assert resp.status == 200
    delivered = await staff_side_messages(d, stack)
    assert "您好，我是客服小李，马上帮您看看。" in delivered
    assert any("智能助手继续" in t for t in delivered)
    r = await d.say("谢谢")
    assert "不客气" in joined(r)
    resp = await client.get("/api/chats/handoff", headers=STAFF)
    assert (await resp.json())["chats"] == []
    resp = await client.get("/api/chats/handoff")
    assert resp.status == 401


async def staff_side_messages(d: Driver, stack: Stack) -> list[str]:
    """What staff and the system pushed to the chat (Telegram: sent; web: the poll)."""
    if d.channel == "telegram":
        return [s.text for s in stack.fake.messages_to(d.chat)]
    return [m["text"] for m in (await d.pushed(after=1))["messages"]]


async def two_misses_hand_off(d: Driver, stack: Stack) -> None:
    r = await d.say("xyzzy")
    assert "没太理解" in joined(r) and any(d.last[0].buttons)
    r = await d.say("jkl;")
    assert "转接人工客服" in joined(r)
    async with opened(stack.desk.db) as s:
        conv = (
            await s.execute(select(Conversation).where(Conversation.external_id == d.chat))
        ).scalar_one()
    assert conv.handed_off


async def warranty(d: Driver, stack: Stack) -> None:
    r = await d.say("还在保修期吗")
    assert "序列号" in joined(r)
    r = await d.say("SNCONTRACT02")  # a stranger: the same answer, whether it exists or not
    assert "验证身份" in joined(r) and "保养合同" not in joined(r)
    await d.say("还在保修期吗")
    unknown = await d.say("SN2019000099")  # no such unit
    assert [s.text for s in unknown] == [s.text for s in r]
    await verify_by_sms(d, stack)
    r = await d.say("还在保修期吗")  # the verified customer's one unit answers it
    assert "保修期内" in joined(r) and "2028-06-01" in joined(r)
    r = await d.say("上门要收费吗")  # still their one unit: free
    assert "保修期内" in joined(r) and "维修免费" in joined(r)


async def maintenance(d: Driver, stack: Stack) -> str:
    await verify_by_sms(d, stack)  # their own unit's address is used once verified
    r = await d.say("想约个保养")
    assert "型号" in joined(r)
    r = await d.say("SNFREE0001")
    assert "哪一天" in joined(r)  # the unit's address is known: not asked
    r = await d.tap("2026年11月24日")
    text = joined(r)  # the verified phone is not asked again
    assert "请核对" in text and "北京市朝阳区建国路88号" in text and "2026年11月24日" in text
    r = await d.tap("确认提交")
    number = number_in(joined(r), "M")
    assert number.startswith("M2611-")
    t = await ticket(stack, number)
    assert str(t.requested_date) == "2026-11-24" and t.category == "free"
    return number


async def chit_chat(d: Driver, stack: Stack) -> None:
    r = await d.say("你好")
    assert "您好" in joined(r) and len(d.last[-1].buttons) >= 5
    r = await d.say("好的")
    assert "还有什么可以帮您" in joined(r)
    r = await d.say("不对")
    assert "还有什么可以帮您" in joined(r)
    r = await d.say("今天天气怎么样")
    assert "帮不上忙" in joined(r)
    r = await d.say("谢谢")
    assert "不客气" in joined(r)
    r = await d.say("再见")
    assert "再见" in joined(r)


async def interruption_switch_and_back(d: Driver, stack: Stack) -> None:
    """A new intent mid-form: a query is answered and the form goes on; a complaint
    replaces the repair; a greeting does not lose the place."""
    r = await d.say("我要报修")
    r = await d.say("冰箱不制冷")
    assert "型号" in joined(r)
    r = await d.say("你好")
    assert "继续刚才的报修" in joined(r) and "型号" in joined(r)
    r = await d.say("我要投诉")
    assert "先不办了" in joined(r) and "具体发生了什么" in joined(r)


async def transcript_linked(d: Driver, stack: Stack, number: str) -> None:
    t = await ticket(stack, number)
    async with opened(stack.desk.db) as s:
        rows = (
            (
                await s.execute(
                    select(Message).where(Message.external_id == d.chat, Message.ticket_id == t.id)
                )
            )
            .scalars()
            .all()
        )
    speakers = {m.speaker for m in rows}
    assert {"customer", "bot"} <= speakers and len(rows) >= 4
