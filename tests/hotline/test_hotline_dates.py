"""The hotline reads a customer's "3号" with the same domain reader as the chat
(backend/domain/dates.py): the nearest 3rd not in the past. Real store, both backends."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from backend.domain.transcript import parse_plain
from backend.services.hotline import CallRecord, import_call
from backend.store.tables import Ticket
from nlu.client import Entity, NluResult
from tests.fixtures.db import SHANGHAI, opened

NOV_25 = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def booking(transcript: str, *entities: tuple[str, str]) -> tuple[CallRecord, list[NluResult]]:
    turns = parse_plain(transcript)
    record = CallRecord(
        call_id="call-3",
        caller="13812345678",
        agent_id="A017",
        started_at=NOV_25,
        ended_at=None,
        turns=turns,
    )
    verdict = NluResult(
        text="",
        intent="book_maintenance",
        confidence=0.99,
        entities=tuple(Entity(e, v, 0, len(v)) for e, v in entities),
    )
    return record, [verdict] * sum(t.speaker == "customer" for t in turns)


@pytest.mark.parametrize(
    ("transcript", "entities"),
    [
        # the NLU tagged the day: its words are read
        ("客服:您好\n客户:想约个空调清洗，3号上门吧", [("visit_time", "3号")]),
        # it did not: the customer's words are read; the house number is no day
        ("客户:家里空调要清洗\n客户:地址朝阳区建国路88号，3号上门吧", []),
    ],
)
async def test_3hao_said_on_november_25th_is_december_3rd(desk, transcript, entities):
    desk.clock.set(NOV_25)
    record, verdicts = booking(transcript, *entities)
    result = await import_call(desk, record, verdicts)
    async with opened(desk.db) as s:
        ticket = (await s.execute(select(Ticket))).scalar_one()
    assert result.kind == "maintenance"
    assert ticket.requested_date == date(2026, 12, 3)
