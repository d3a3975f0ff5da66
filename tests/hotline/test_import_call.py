"""Hotline calls become tickets exactly once (real store, both backends).

The NLU's verdicts are given as real `NluResult` values here so the rules are tested on
their own; tests/hotline/test_hotline_api.py runs the same path through the real model.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.kinds import TicketKind
from backend.domain.transcript import parse_plain
from backend.services.hotline import CallRecord, import_call
from backend.services.registration import Registration, register
from backend.store.tables import HotlineCall, Message, Notification, Ticket, TicketEvent
from nlu.client import Entity, NluResult
from tests.store.seed import all_of, count, one_of, seed_units

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def call(transcript: str, call_id: str = "call-1", **kw) -> CallRecord:
    return CallRecord(
        call_id=call_id,
        caller="13812345678",
        agent_id="A017",
        started_at=START,
        ended_at=None,
        turns=parse_plain(transcript),
        **kw,
    )


def said(intent: str, *entities: tuple[str, str]) -> NluResult:
    return NluResult(
        text="",
        intent=intent,
        confidence=0.99,
        entities=tuple(Entity(e, v, 0, len(v)) for e, v in entities),
    )


async def test_fault_call_creates_a_repair_for_the_callers_unit(desk):
    await seed_units(desk)
    record = call("客服:您好\n客户:空调不制冷了，序列号SNFREE0001\n客服:好的\n客户:谢谢")
    result = await import_call(
        desk, record, [said("report_fault", ("serial_number", "SNFREE0001")), said("thanks")]
    )
    assert result.created and result.kind == "repair" and result.number == "R2611-0001"
    ticket = await one_of(desk.db, select(Ticket))
    turns = await all_of(desk.db, select(Message).order_by(Message.id))
    assert ticket.category == "free" and ticket.channel == "hotline"
    assert ticket.contact_phone == "13812345678"
    assert [(m.speaker, m.intent) for m in turns] == [
        ("agent", None),
        ("customer", "report_fault"),
        ("agent", None),
        ("customer", "thanks"),
    ]


async def test_the_same_call_posted_twice_yields_one_ticket(desk):
    record = call("客户:洗衣机漏水，派个师傅来")
    verdicts = [said("report_fault")]
    first, second = await asyncio.gather(
        import_call(desk, record, verdicts), import_call(desk, record, verdicts)
    )
    again = await import_call(desk, record, verdicts)
    assert first.number == second.number == again.number
    assert sorted([first.duplicate, second.duplicate]) == [False, True] and again.duplicate
    assert await count(desk.db, Ticket) == 1
    assert await count(desk.db, HotlineCall) == 1
    assert await count(desk.db, Message) == 1


async def test_a_call_about_an_existing_ticket_is_attached_to_it(desk):
    existing = await register(
        desk, Registration(kind=TicketKind.REPAIR, description="不制冷", phone="13812345678")
    )
    record = call(f"客户:{existing.number} 到哪一步了")
    result = await import_call(desk, record, [said("query_status", ("ticket_id", existing.number))])
    assert (result.number, result.created) == (existing.number, False)
    assert await count(desk.db, Ticket) == 1


async def test_serious_complaint_words_raise_the_severity(desk):
    result = await import_call(
        desk, call("客户:师傅把墙打坏了，我要找媒体曝光"), [said("complain")]
    )
    ticket = await one_of(desk.db, select(Ticket))
    assert result.kind == "complaint" and ticket.severity == "serious"


async def test_unclear_call_is_refused_and_writes_nothing_unless_the_agent_names_a_kind(desk):
    with pytest.raises(ValidationFailed):
        await import_call(desk, call("客户:还在保修期吗"), [said("ask_warranty")])
    assert await count(desk.db, Ticket) == 0
    result = await import_call(
        desk, call("客户:还在保修期吗", kind=TicketKind.REPAIR), [said("ask_warranty")]
    )
    assert result.kind == "repair"


async def test_unknown_named_ticket_is_not_found_and_nothing_is_written(desk):
    with pytest.raises(NotFound):
        await import_call(desk, call("客户:R2611-0999 什么时候来"), [said("query_status")])
    assert await count(desk.db, HotlineCall) == 0


async def test_maintenance_call_books_the_date_said(desk):
    result = await import_call(
        desk,
        call("客户:想约个空调清洗，下周三"),
        [said("book_maintenance", ("visit_time", "下周三"))],
    )
    ticket = await one_of(desk.db, select(Ticket))
    assert result.kind == "maintenance" and ticket.requested_date.isoformat() == "2026-12-02"


async def _urge_call(desk, number: str, call_id: str):
    record = call(f"客户:我的单子 {number} 怎么还没人来，快点派人", call_id=call_id)
    return await import_call(desk, record, [said("expedite", ("ticket_id", number))])


async def test_an_urge_over_the_hotline_escalates_a_late_ticket(desk, clock):
    await seed_units(desk)  # 吴主管 on Telegram chat 9001
    number = (
        await register(desk, Registration(kind=TicketKind.REPAIR, description="不制冷"))
    ).number
    clock.advance(hours=6)  # past the on-site clock's warning point
    result = await _urge_call(desk, number, "call-late")
    assert (result.number, result.created) == (number, False)
    events = await all_of(desk.db, select(TicketEvent).order_by(TicketEvent.id))
    urges = [(e.actor, e.note) for e in events if e.action == "expedite"]
    assert urges == [("hotline:A017", "客户来电催单")]
    assert any(e.action == "escalated" for e in events)
    (alert,) = await all_of(desk.db, select(Notification).where(Notification.kind == "escalation"))
    assert alert.chat_id == "9001" and number in alert.payload["text"]


async def test_an_urge_over_the_hotline_on_an_early_ticket_is_only_recorded(desk):
    await seed_units(desk)
    number = (
        await register(desk, Registration(kind=TicketKind.REPAIR, description="不制冷"))
    ).number
    await _urge_call(desk, number, "call-early")
    events = await all_of(desk.db, select(TicketEvent))
    assert [e.actor for e in events if e.action == "expedite"] == ["hotline:A017"]
    assert not any(e.action == "escalated" for e in events)
    assert await count(desk.db, Notification) == 0
