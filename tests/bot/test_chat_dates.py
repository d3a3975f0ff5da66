"""The chat reads a customer's "3号" with the same domain reader as the hotline
(backend/domain/dates.py): on 2026-11-25 it is 2026-12-03, not 2027-11-03. A maintenance
booking through the REST channel, the real Rasa model and the real store (SQLite)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.bot import scripts
from tests.fixtures.db import SHANGHAI
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def test_3hao_said_on_november_25th_books_december_3rd(stack_factory, rasa):
    async with stack_factory(rasa=rasa) as stack:
        await seed_units(stack.desk)
        stack.desk.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
        d = stack.driver("web", 525)
        await d.say("想约个保养")
        r = await d.say("SNFREE0001")
        assert "哪一天" in scripts.joined(r)
        # the 25th itself is the nearest "25号" (today is not in the past), and the chat
        # books no visit for today: it asks for another day
        r = await d.say("25号")
        assert "换一天" in scripts.joined(r)
        r = await d.say("3号")
        # a chat that has not verified is never shown a unit's registered address
        assert "详细地址" in scripts.joined(r) and "区" not in scripts.joined(r).split("。")[1]
        r = await d.say("朝阳区建国路88号")
        assert "联系电话" in scripts.joined(r)
        r = await d.say("13812345678")
        assert "2026年12月3日" in scripts.joined(r)
        r = await d.tap("确认提交")
        number = scripts.number_in(scripts.joined(r), "M")
        assert (await scripts.ticket(stack, number)).requested_date == date(2026, 12, 3)
