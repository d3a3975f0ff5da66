"""The outbox's delivery port: what a channel sender gets and what it reports back.

Pure values and one Protocol, no store and no framework, so the channel senders in bot/
(Telegram) implement the port without importing backend.store or the scheduler.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Claimed:
    """One claimed notice, detached from any session."""

    id: int
    key: str
    ticket_id: int | None
    channel: str
    chat_id: str
    audience: str
    kind: str
    payload: dict
    attempts: int
    lease_until: datetime  # also the claim's token: only its holder may record a result
    fresh_until: float  # time.monotonic() after which the lease may have run out

    def still_mine(self) -> bool:
        """False once the lease may have expired: another dispatcher may hold it now."""
        return time.monotonic() < self.fresh_until

    @property
    def text(self) -> str:
        return self.payload.get("text", "")

    @property
    def buttons(self) -> list[dict]:
        return list(self.payload.get("buttons") or ())


# ---- what a sender reports back --------------------------------------------------------
@dataclass(frozen=True)
class Delivered:
    message_id: str


@dataclass(frozen=True)
class RetryLater:
    error: str
    after: float | None = None  # seconds the channel asked us to wait (429 retry_after)
    counts: bool = True  # False: not the row's fault (rate limit, lease ran out)


@dataclass(frozen=True)
class Blocked:
    """The user blocked the bot (403): stop sending to this chat."""

    error: str


@dataclass(frozen=True)
class Rejected:
    """The channel refuses this notice for good (400): retrying cannot help."""

    error: str


Outcome = Delivered | RetryLater | Blocked | Rejected


class Sender(Protocol):
    """The port the dispatcher pushes a channel's notices through (Telegram's is
    bot/senders/telegram.py). `send` reports an Outcome and never raises on purpose; the
    dispatcher records the outcome in its own short transaction right after.

    A channel whose "delivery" is a row in our own store (the web chat's transcript) is
    not a Sender: the dispatcher delivers it with a service function inside the
    transaction that records the result (`outbox.IN_STORE`), so it happens exactly once.
    """

    channel: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def send(self, notice: Claimed) -> Outcome: ...
