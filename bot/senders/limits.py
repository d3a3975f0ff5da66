"""Telegram's send limits, enforced on our side so we never earn a 429.

PTB's AIORateLimiter has no per-private-chat limit and does not retry by default, so
this is our own: sends spaced evenly at `per_window` per `window` seconds overall (no
bursts), at least `per_chat` seconds between two sends to one chat, and a global pause
after a 429.

Even spacing rather than a sliding window of 30: a burst of 30 requests opens new
connections and reaches Telegram smeared over tens of milliseconds, so the 31st, timed
a second after the first, can land inside the same server second. The window is also a
little longer than a second, so a request that leaves late by up to ~20 ms is still safe.
"""

from __future__ import annotations

import asyncio
import time

_CATCH_UP = 0.0  # no catch-up: measured, even 3 ms of it let jitter cause a 429


class RateLimiter:
    def __init__(
        self,
        per_window: int = 30,
        window: float = 1.02,
        per_chat: float = 1.05,
        *,
        clock=time.monotonic,
    ):
        self.per_window = per_window
        self.window = window
        self.per_chat = per_chat
        self._clock = clock
        self.interval = window / per_window
        self._next_global = 0.0
        self._global = asyncio.Lock()  # FIFO: waiting senders are served in order
        self._chats: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # senders holding or waiting for a chat's lock
        self._chat_last: dict[str, float] = {}
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until retry_after has passed."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def slot(self, chat_id: str) -> ChatSlot:
        """Wait for a send slot: `async with limiter.slot(chat): await send(...)`."""
        return ChatSlot(self, chat_id)

    async def _acquire(self, chat_id: str) -> None:
        lock = self._chats.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            await lock.acquire()
        except BaseException:
            self._forget(chat_id)
            raise
        try:
            last = self._chat_last.get(chat_id)
            if last is not None:
                await self._sleep_until(last + self.per_chat)
            async with self._global:
                # Re-checked after each sleep: a 429 may have paused us meanwhile.
                while (wait := self._global_wait()) > 0:  # noqa: ASYNC110 - a deadline, not an event
                    await asyncio.sleep(wait)
                now = self._clock()
                # From the planned slot, not from `now`: the event loop wakes us a little
                # late every time, and counting from `now` would add that to every gap
                # (28 msg/s instead of 29+). Catching up is capped so no burst can form.
                self._next_global = max(self._next_global, now - _CATCH_UP) + self.interval
                self._chat_last[chat_id] = now
        except BaseException:
            self._release(chat_id)
            raise

    def _global_wait(self) -> float:
        return max(self._next_global, self._paused_until) - self._clock()

    def _release(self, chat_id: str) -> None:
        self._chats[chat_id].release()
        self._forget(chat_id)

    def _forget(self, chat_id: str) -> None:
        """Drop an idle chat's lock, and old send times, so memory stays bounded."""
        self._users[chat_id] -= 1
        if self._users[chat_id] == 0:
            del self._users[chat_id], self._chats[chat_id]
        if len(self._chat_last) > 4096:
            horizon = self._clock() - self.per_chat
            for chat, at in list(self._chat_last.items()):
                if at < horizon:
                    del self._chat_last[chat]

    async def _sleep_until(self, moment: float) -> None:
        delay = moment - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)


class ChatSlot:
    """Held while a send to one chat is in flight, so the chat's sends never overlap."""

    def __init__(self, limiter: RateLimiter, chat_id: str):
        self._limiter = limiter
        self._chat_id = chat_id

    async def __aenter__(self) -> None:
        await self._limiter._acquire(self._chat_id)

    async def __aexit__(self, *exc) -> None:
        self._limiter._release(self._chat_id)
