"""Pushing outbox notices to Telegram with the real python-telegram-bot client.

Failures are sorted into what the dispatcher should do next: 429 -> obey retry_after
(pause every send, then retry the row), 5xx / timeouts / network -> retry with backoff,
403 -> the user blocked us: stop this chat only, 400 -> this notice can never go.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from backend.services.delivery import Blocked, Claimed, Delivered, Outcome, Rejected, RetryLater
from bot.senders.limits import RateLimiter

log = logging.getLogger(__name__)

# Level buttons are short (很满意 / 满意 / 一般 / 不满意): one row; longer ones stack.
_ROW_TITLE_MAX = 4
_ROW_MAX = 4


def keyboard(buttons: list[dict]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b["title"], callback_data=b["payload"]) for b in buttons]
    if len(keys) <= _ROW_MAX and all(len(b["title"]) <= _ROW_TITLE_MAX for b in buttons):
        return InlineKeyboardMarkup([keys])
    return InlineKeyboardMarkup([[k] for k in keys])


def make_bot(token: str, base_url: str, *, connections: int = 64, timeout: float = 20.0) -> Bot:
    """A Bot whose connection pool fits the dispatcher's concurrency (PTB's default is 1)."""
    request = HTTPXRequest(
        connection_pool_size=connections,
        pool_timeout=timeout,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
    )
    return Bot(token, base_url=base_url, request=request)


class TelegramSender:
    channel = "telegram"

    def __init__(self, bot: Bot, limiter: RateLimiter | None = None):
        self.bot = bot
        self.limiter = limiter or RateLimiter()

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def send(self, notice: Claimed) -> Outcome:
        async with self.limiter.slot(notice.chat_id):
            # Waiting for a slot can be long after a 429; past the lease another
            # dispatcher may have taken the row, and sending now could double it.
            if not notice.still_mine():
                return RetryLater("lease ran out before sending", after=0, counts=False)
            try:
                message = await self.bot.send_message(
                    chat_id=notice.chat_id,
                    text=notice.text,
                    reply_markup=keyboard(notice.buttons),
                )
            except RetryAfter as exc:
                seconds = _seconds(exc.retry_after)
                self.limiter.pause(seconds)
                log.warning("telegram 429: pausing sends for %ss", seconds)
                return RetryLater(f"429 retry after {seconds}s", after=seconds, counts=False)
            except Forbidden as exc:
                log.info("telegram 403 for notice %s: chat blocked", notice.id)
                return Blocked(str(exc))
            except BadRequest as exc:
                log.warning("telegram refused notice %s: %s", notice.id, exc)
                return Rejected(str(exc))
            except TelegramError as exc:  # NetworkError, TimedOut, 5xx, bad token
                return RetryLater(f"{type(exc).__name__}: {exc}")
            except OSError as exc:
                return RetryLater(f"{type(exc).__name__}: {exc}")
        return Delivered(str(message.message_id))


def _seconds(retry_after) -> float:
    # PTB 22 gives an int or a timedelta, depending on PTB_TIMEDELTA.
    if hasattr(retry_after, "total_seconds"):
        return retry_after.total_seconds()
    return float(retry_after)
