"""Token buckets: how often one sender, address or agent may do something.

A bucket holds up to `burst` tokens and gains `rate` tokens a second; each action takes
one. A customer tapping buttons quickly spends the burst and is never stopped, a script
runs dry after `burst` actions and then gets one every 1/rate seconds. The buckets here
refuse instead of waiting (unlike aiolimiter's leaky bucket, whose `acquire` waits, and
`limits`, which offers fixed and moving windows but no token bucket): the caller
answers at once and says when to try again (HTTP `Retry-After`).

In-memory and per process on purpose: they stop floods, which arrive at one process;
what must hold across processes and restarts (tickets a day) is counted in the store.
Plain Python: the clock is given (seconds, e.g. `desk.now().timestamp()`), so tests
move time instead of sleeping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_KEYS = 50_000  # beyond this, buckets that are full again (idle senders) are dropped


@dataclass(frozen=True)
class Rate:
    """`per` actions per `seconds`, at most `burst` at once."""

    per: float
    seconds: float
    burst: float

    @property
    def per_second(self) -> float:
        return self.per / self.seconds


class Buckets:
    """One token bucket per key (a chat, an address, an agent), all at one `Rate`."""

    def __init__(self, rate: Rate):
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str, now: float) -> float:
        """Take a token for `key`: 0.0 when it was there, else the seconds until one is."""
        tokens = self._level(key, now)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate.per_second

    def _level(self, key: str, now: float) -> float:
        if len(self._buckets) > MAX_KEYS:
            self._prune(now)
        tokens, at = self._buckets.get(key, (self.rate.burst, now))
        return min(self.rate.burst, tokens + max(0.0, now - at) * self.rate.per_second)

    def _prune(self, now: float) -> None:
        refill = self.rate.burst / self.rate.per_second
        for key, (_, at) in list(self._buckets.items()):
            if now - at >= refill:  # full again: forgetting it changes nothing
                del self._buckets[key]


def retry_after(seconds: float) -> int:
    """Whole seconds for an HTTP `Retry-After` header (at least 1)."""
    return max(1, math.ceil(seconds))
