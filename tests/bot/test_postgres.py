"""One full conversation per channel on PostgreSQL, the store the product runs on."""

from __future__ import annotations

import pytest

from tests.bot import scripts
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.mark.parametrize("channel", ["telegram", "web"])
async def test_repair_and_complaint_on_postgres(stack_factory, fake_tg, rasa, channel):
    async with stack_factory(fake=fake_tg, rasa=rasa) as stack:
        stack.seed = await seed_units(stack.desk)
        stack.clock = stack.desk.clock
        d = stack.driver(channel, 1001)
        number = await scripts.file_repair_in_one_message(d, stack)
        await scripts.transcript_linked(d, stack, number)
        await scripts.query_and_expedite(d, stack, number)
        await scripts.complaint(d, stack, concerning=number)
