"""Erasure and retention run against the whole app (built by the composition root) with
a fake Telegram and the NLU down: the data is made by real chats, not inserted by hand.
The chat fixtures are the bot tests' own."""

from tests.bot.conftest import fake_tg, short_long_polls, stack_factory  # noqa: F401
