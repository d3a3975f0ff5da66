"""The fake answers the real PTB client the way Telegram would (checked with PTB itself)."""

import pytest
from telegram import Bot
from telegram.error import Forbidden, RetryAfter

from tests.fakes.bot_api import FakeBotApi, Fault


@pytest.fixture
async def fake():
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


async def test_ptb_sends_and_receives(fake):
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        assert (await bot.get_me()).username == "aftercare_bot"
        await fake.user_says(77, "空调不制冷")
        (update,) = await bot.get_updates(timeout=1)
        assert update.message.text == "空调不制冷"
        msg = await bot.send_message(77, "您好")
        assert msg.message_id > 0
    assert [s.text for s in fake.messages_to(77)] == ["您好"]


async def test_faults_reach_ptb_as_its_own_errors(fake):
    fake.faults.append(Fault(429, retry_after=3))
    fake.faults.append(Fault(403, chat_id="78"))
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(RetryAfter) as err:
            await bot.send_message(77, "x")
        assert err.value.retry_after in (3, 3.0) or err.value.retry_after.total_seconds() == 3
        with pytest.raises(Forbidden):
            await bot.send_message(78, "x")
        await bot.send_message(77, "ok now")
