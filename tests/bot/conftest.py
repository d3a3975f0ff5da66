"""Chat test fixtures: the app built by the composition root, a fake Telegram Bot API,
the real Rasa server (tests/fixtures/rasa.py), and the real store (SQLite unless a test
asks for PostgreSQL)."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from tests.bot.harness import running, settings_for
from tests.console.conftest import browser  # noqa: F401  (one browser fixture for all pages)
from tests.fakes.bot_api import FakeBotApi


@pytest.fixture(autouse=True)
def short_long_polls(monkeypatch):
    """Stopping the app waits for the running getUpdates; keep those short in tests."""
    from bot.channels.telegram import TelegramChannel

    monkeypatch.setattr(TelegramChannel, "POLL_TIMEOUT", 1)


@pytest.fixture
async def fake_tg():
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def rasa(request):
    """The real Rasa server. DEV_RASA_URL/DEV_RASA_TOKEN point at an already running one."""
    if os.environ.get("DEV_RASA_URL"):
        return SimpleNamespace(url=os.environ["DEV_RASA_URL"], token=os.environ["DEV_RASA_TOKEN"])
    return request.getfixturevalue("rasa_server")


@pytest.fixture
def stack_factory(db, clock, tmp_path):
    """`async with stack_factory(fake=..., rasa=...) as stack:` a running app."""

    def make(*, fake=None, rasa=None, **extra):
        settings = settings_for(
            db.url,
            fake,
            rasa.url if rasa else None,
            rasa.token if rasa else "x",
            tmp_path,
            **extra,
        )
        return running(settings, clock, fake)

    return make
