"""Telegram's send limits, enforced on our side so we never earn a 429.

PTB's AIORateLimiter has no per-private-chat limit and does not retry by default, so
this is our own: about `per_window` sends per second overall, at least `per_chat` seconds
between two sends to one chat, and a global pause after a 429.

Telegram counts requests when they *arrive*, which we cannot see: a request arrives
somewhere between the moment we start it and the moment its answer is back. So every
window is measured from answers, which is safe whatever the network does:
- overall: a send may start only while fewer than `per_window` requests are in flight or
  were answered within the last `window` seconds (a request answered earlier arrived
  earlier, so it cannot share a window with one that starts now);
- per chat: the next send to a chat starts `per_chat` seconds after the previous answer.
On top of that, starts are spaced evenly (no bursts), counted from the planned slot so
a late wake-up of the event loop is caught up instead of lowering the rate.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

_CATCH_UP = 0.25  # how far behind plan spacing may catch up; the window bounds bursts
_POLL = 0.005  # while the window is full of requests still in flight


class RateLimiter:
    def __init__(
        self,
        per_window: int = 30,
        window: float = 1.0,
        per_chat: float = 1.0,
        *,
        clock=time.monotonic,
    ):
        self.per_window = per_window
        self.window = window
        self.per_chat = per_chat
        self._clock = clock
        # A little faster than the window allows, so the window is what binds.
        self.interval = window / (per_window + 0.5)
        self._next_global = 0.0
        self._inflight = 0
        self._answered: deque[float] = deque()  # answer times within the last window
        self._global = asyncio.Lock()  # FIFO: waiting senders are served in order
        self._chats: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # senders holding or waiting for a chat's lock
        self._chat_last: dict[str, float] = {}  # when the chat's last answer came back
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
                self._next_global = max(self._next_global, now - _CATCH_UP) + self.interval
                self._inflight += 1
        except BaseException:
            self._release(chat_id, sent=False)
            raise

    def _global_wait(self) -> float:
        now = self._clock()
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        ready = max(self._next_global, self._paused_until)
        if self._inflight + len(self._answered) >= self.per_window:
            ready = max(ready, self._answered[0] + self.window if self._answered else now + _POLL)
        return ready - now

    def _release(self, chat_id: str, *, sent: bool) -> None:
        if sent:
            answered = self._clock()
            self._inflight -= 1
            self._answered.append(answered)
            self._chat_last[chat_id] = answered
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
        self._limiter._release(self._chat_id, sent=True)
