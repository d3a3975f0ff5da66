"""Channel senders the outbox dispatcher pushes notices through (the `Sender` port of
backend/services/delivery.py). The web chat has none: its notices are rows of its
transcript, written by the dispatcher through backend/services/webchat_delivery.py."""

from __future__ import annotations

from backend.config import Settings
from bot.senders.telegram import TelegramSender, make_bot


def default_senders(settings: Settings) -> dict:
    """Telegram when a bot token is configured (the web chat needs no sender)."""
    senders: dict = {}
    if settings.telegram_token:
        bot = make_bot(settings.telegram_token, settings.telegram_api_url)
        senders["telegram"] = TelegramSender(bot)
    return senders
