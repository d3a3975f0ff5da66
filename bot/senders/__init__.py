"""Channel senders the outbox dispatcher pushes notices through (Telegram, web chat)."""

from __future__ import annotations

from backend.config import Settings
from bot.senders.telegram import TelegramSender, make_bot
from bot.senders.web import WebSender


def default_senders(settings: Settings) -> dict:
    """The web chat always; Telegram when a bot token is configured."""
    senders: dict = {"web": WebSender()}
    if settings.telegram_token:
        bot = make_bot(settings.telegram_token, settings.telegram_api_url)
        senders["telegram"] = TelegramSender(bot)
    return senders
