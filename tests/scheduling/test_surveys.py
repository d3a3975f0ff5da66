"""The satisfaction survey end to end: resolution -> scheduled survey -> outbox ->
fake Telegram (or web transcript) -> button taps through handle_survey_input."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from backend.domain.kinds import Channel, TicketKind
from backend.services import surveys
from backend.services.registration import Registration, register
from backend.services.surveys import handle_survey_input
from backend.services.transitions import StatusChange, change_status
from backend.store.tables import Message, Survey, Ticket
from tests.fixtures.db import SHANGHAI
from tests.scheduling.helpers import add_staff, repair, resolve, rows
from tests.store.seed import all_of, one_of

CHAT = "4001"


async def _survey(desk) -> Survey:
    return await one_of(desk.db, select(Survey))


async def _ticket(desk, number: str) -> Ticket:
    return await one_of(desk.db, select(Ticket).where(Ticket.number == number))


def _buttons(sent) -> list[tuple[str, str]]:
    return [
        (b["text"], b["callback_data"]) for row in sent.reply_markup["inline_keyboard"] for b in row
    ]


async def _resolved_and_sent(desk, clock, dispatcher, fake, chat=CHAT, channel=Channel.TELEGRAM):
    tech = await add_staff(desk, "王师傅", "technician", None, region="朝阳")
    ticket = await repair(desk, chat, channel, region="朝阳")
    await resolve(desk, ticket.number, tech)
    clock.advance(hours=2)
    assert await surveys.send_due(desk) == 1
    await dispatcher.drain()
    return ticket


async def test_four_questions_comment_and_closing_on_telegram(desk, clock, fake, dispatcher):
    ticket = await _resolved_and_sent(desk, clock, dispatcher, fake)
    *_, ask = fake.messages_to(CHAT)
    assert "回访" in ask.text and "服务态度" in ask.text
    buttons = _buttons(ask)
    assert [t for t, _ in buttons] == ["很满意", "满意", "一般", "不满意"]

    # Taps arrive as callback data; each answer asks the next question.
    replies = await handle_survey_input(desk, "telegram", CHAT, buttons[0][1])
    assert "技术水平" in replies[-1].text
    for level, expect in (("satisfied", "到达及时性"), ("neutral", "承诺事项")):
        tap = replies[-1].buttons[["very_satisfied", "satisfied", "neutral"].index(level)]
        replies = await handle_survey_input(desk, "telegram", CHAT, tap.payload)
        assert expect in replies[-1].text
    replies = await handle_survey_input(desk, "telegram", CHAT, "很满意")  # typed, not tapped
    assert [b.title for b in replies[-1].buttons] == ["跳过"]  # the optional free text

    survey = await _survey(desk)
    assert (survey.status, survey.score) == ("answered", (100 + 80 + 60 + 100) / 4)
    replies = await handle_survey_input(desk, "telegram", CHAT, "师傅很专业，谢谢")
    assert "感谢" in replies[-1].text
    survey = await _survey(desk)
    assert survey.comment == "师傅很专业，谢谢" and survey.follow_up_ticket_id is None
    assert (await _ticket(desk, ticket.number)).status == "closed"
    await dispatcher.drain()
    assert "已结单" in fake.messages_to(CHAT)[-1].text
    # Afterwards the chat's words are no longer survey input.
    assert await handle_survey_input(desk, "telegram", CHAT, "空调又坏了") is None


async def test_a_dissatisfied_answer_opens_a_linked_follow_up_complaint(
    desk, clock, fake, dispatcher
):
    boss = await add_staff(desk, "李主管", "supervisor", "9001", region="朝阳")
    ticket = await _resolved_and_sent(desk, clock, dispatcher, fake)
    survey = await _survey(desk)

    replies = await handle_survey_input(
        desk, "telegram", CHAT, f"sv:{survey.id}:attitude:dissatisfied"
    )
    assert "投诉单 C" in replies[0].text and "技术水平" in replies[-1].text
    survey = await _survey(desk)
    follow_up = await _ticket_by_id(desk, survey.follow_up_ticket_id)
    original = await _ticket(desk, ticket.number)
    assert follow_up.kind == TicketKind.COMPLAINT.value
    assert follow_up.parent_id == original.id
    assert follow_up.technician_id == boss  # handled by the supervisor
    await dispatcher.drain()
    (alert,) = fake.messages_to("9001")
    assert follow_up.number in alert.text and ticket.number in alert.text
    # A double tap of the same answer changes nothing and opens nothing more.
    await handle_survey_input(desk, "telegram", CHAT, f"sv:{survey.id}:attitude:satisfied")
    assert (await _survey(desk)).attitude == "dissatisfied"


async def _ticket_by_id(desk, ticket_id: int) -> Ticket:
    return await desk.db.read(lambda s: s.get(Ticket, ticket_id))


async def test_reminder_once_then_expiry(desk, clock, fake, dispatcher):
    ticket = await _resolved_and_sent(desk, clock, dispatcher, fake)
    survey = await _survey(desk)
    await handle_survey_input(desk, "telegram", CHAT, f"sv:{survey.id}:attitude:satisfied")

    clock.advance(hours=23)
    assert await surveys.remind_and_expire(desk) == (0, 0)
    clock.advance(hours=1)
    assert await surveys.remind_and_expire(desk) == (1, 0)
    assert await surveys.remind_and_expire(desk) == (0, 0)  # only one reminder
    await dispatcher.drain()
    reminder = fake.messages_to(CHAT)[-1]
    assert reminder.text.startswith("温馨提醒") and "技术水平" in reminder.text  # where they left

    clock.advance(hours=24)
    assert await surveys.remind_and_expire(desk) == (0, 1)
    assert (await _survey(desk)).status == "expired"
    assert (await _ticket(desk, ticket.number)).status == "closed"  # closing timeout
    replies = await handle_survey_input(desk, "telegram", CHAT, f"sv:{survey.id}:skill:satisfied")
    assert "已结束" in replies[0].text
    assert (await _survey(desk)).skill is None


async def test_quiet_hours_hold_the_survey_and_its_reminder(desk, clock, fake, dispatcher):
    tech = await add_staff(desk, "王师傅", "technician", None)
    ticket = await repair(desk, CHAT)
    clock.set(datetime(2026, 11, 23, 19, 30, tzinfo=SHANGHAI))
    await resolve(desk, ticket.number, tech)  # +2 h = 21:30: quiet
    clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=SHANGHAI))
    assert await surveys.send_due(desk) == 0
    clock.set(datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI))
    assert await surveys.send_due(desk) == 0
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI))
    assert await surveys.send_due(desk) == 1
    await dispatcher.drain()
    assert "服务态度" in fake.messages_to(CHAT)[-1].text


async def test_web_chat_survey_with_a_complaint_in_the_comment(desk, clock, fake, dispatcher):
    session_id = "web-sess-7"
    ticket = await _resolved_and_sent(desk, clock, dispatcher, fake, session_id, Channel.WEB)
    stmt = select(Message).where(Message.external_id == session_id).order_by(Message.id)
    pushed = await all_of(desk.db, stmt)
    ask = pushed[-1]
    assert "服务态度" in ask.text and [b["title"] for b in ask.buttons][-1] == "不满意"
    for question in ("attitude", "skill", "punctuality", "promise"):
        tap = next(b for b in ask.buttons if b["title"] == "满意")["payload"]
        tap = tap.replace(":attitude:", f":{question}:")
        replies = await handle_survey_input(desk, "web", session_id, tap)
    assert replies[-1].buttons[0].title == "跳过"
    assert (await _survey(desk)).follow_up_ticket_id is None
    replies = await handle_survey_input(desk, "web", session_id, "师傅乱收费，我要投诉")
    survey = await _survey(desk)
    assert survey.follow_up_ticket_id is not None and "投诉单" in replies[0].text
    follow_up = await _ticket_by_id(desk, survey.follow_up_ticket_id)
    assert follow_up.parent_id == (await _ticket(desk, ticket.number)).id
    assert fake.messages_to(session_id) == []  # web notices never went to Telegram


async def test_answers_only_count_from_the_surveyed_chat(desk, clock, fake, dispatcher):
    await _resolved_and_sent(desk, clock, dispatcher, fake)
    survey = await _survey(desk)
    forged = await handle_survey_input(desk, "web", "intruder", f"sv:{survey.id}:attitude:neutral")
    assert "已结束" in forged[0].text
    assert (await _survey(desk)).attitude is None
    assert await handle_survey_input(desk, "telegram", "5555", "你好") is None


async def _resolved_complaint(desk, clock, dispatcher, chat: str) -> str:
    reg = Registration(
        kind=TicketKind.COMPLAINT,
        channel=Channel.TELEGRAM,
        external_id=chat,
        description="师傅迟到三小时",
        phone="13812345679",
    )
    number = (await register(desk, reg)).number
    for target in ("acknowledged", "investigating"):
        await change_status(desk, number, StatusChange(target))
    await change_status(desk, number, StatusChange("resolved", outcome="向客户道歉并补偿"))
    clock.advance(hours=2)
    assert await surveys.send_due(desk) == 1
    await dispatcher.drain()
    return number


async def test_complaint_accepted_closes_it(desk, clock, fake, dispatcher):
    number = await _resolved_complaint(desk, clock, dispatcher, "4100")
    ask = fake.messages_to("4100")[-1]
    assert "是否接受" in ask.text and [t for t, _ in _buttons(ask)] == ["接受", "不接受"]
    await handle_survey_input(desk, "telegram", "4100", _buttons(ask)[0][1])
    survey = await _survey(desk)
    assert (survey.status, survey.accepted) == ("answered", True)
    assert (await _ticket(desk, number)).status == "closed"


async def test_complaint_rejected_opens_a_new_linked_one(desk, clock, fake, dispatcher):
    number = await _resolved_complaint(desk, clock, dispatcher, "4200")
    ask = fake.messages_to("4200")[-1]
    replies = await handle_survey_input(desk, "telegram", "4200", _buttons(ask)[1][1])
    survey = await _survey(desk)
    assert survey.accepted is False and survey.follow_up_ticket_id is not None
    new = await _ticket_by_id(desk, survey.follow_up_ticket_id)
    assert new.number in replies[0].text
    assert new.parent_id == (await _ticket(desk, number)).id
    assert (await _ticket(desk, number)).status == "closed"
    again = await handle_survey_input(desk, "telegram", "4200", _buttons(ask)[1][1])
    assert "已完成" in again[0].text  # a second tap opens nothing more
    assert len(await rows(desk, kind="escalation")) == 0  # no supervisor has a chat here


async def test_unreachable_customer_is_not_left_scheduled(desk, clock):
    tech = await add_staff(desk, "王师傅", "technician", None)
    reg = Registration(
        kind=TicketKind.REPAIR, channel=Channel.HOTLINE, description="漏水", phone="13812345670"
    )
    number = (await register(desk, reg)).number
    await resolve(desk, number, tech)
    clock.advance(hours=2, minutes=1)
    assert await surveys.send_due(desk) == 0
    assert (await _survey(desk)).status == "unreachable"
