"""Fixtures for the outbox, dispatcher and scheduled-notice tests."""

from __future__ import annotations

import pytest

from backend.scheduler.dispatcher import Dispatcher
from bot.senders.limits import RateLimiter
from bot.senders.telegram import TelegramSender, make_bot
from tests.fakes.bot_api import FakeBotApi


@pytest.fixture
async def fake():
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def telegram(fake):
    """The real PTB client against the fake; a short per-chat gap keeps tests quick
    (the limits themselves are tested with Telegram's real numbers)."""
    sender = TelegramSender(
        make_bot(fake.token, fake.base_url, timeout=5), RateLimiter(per_chat=0.01)
    )
    await sender.start()
    yield sender
    await sender.stop()


@pytest.fixture
def dispatcher(desk, telegram):
    return Dispatcher(desk, {"telegram": telegram})  # the web chat is delivered in store
