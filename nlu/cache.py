"""Remembering parses of short, frequent messages.

A parse is a pure function of the text and the served model, and chat traffic repeats
its short messages endlessly: 谢谢, 你好, 在吗, 报修, 查一下进度. Asking Rasa again
for those only queues them behind the messages that need it (Rasa parses one at a time
per process). Long messages (descriptions, addresses) rarely repeat word for word, so
only texts up to `max_chars` are kept, `size` of them at most, least recently used
dropped first. An entry lives `ttl` seconds, so a model swapped under a running app is
in force for every text within that time; failures are never kept (the client puts only
parses it got).

The keeping is cachetools' TTLCache (least recently used first, an entry gone once its
time is up); what stays here is which texts are worth keeping and the hit counts the
chat benchmark reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from cachetools import TTLCache

V = TypeVar("V")


class ParseCache(Generic[V]):
    def __init__(
        self,
        size: int = 2048,
        *,
        max_chars: int = 12,
        ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size, self.max_chars, self.ttl = size, max_chars, ttl
        # TTLCache refuses a maxsize of 0 on the first put; size 0 keeps nothing anyway.
        self._entries: TTLCache[str, V] = TTLCache(max(size, 1), ttl, timer=clock)
        self.hits = self.misses = 0

    def keeps(self, text: str) -> bool:
        return self.size > 0 and len(text) <= self.max_chars

    def get(self, text: str) -> V | None:
        if not self.keeps(text):
            return None  # never kept, so no miss either
        value = self._entries.get(text)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, text: str, value: V) -> None:
        if self.keeps(text):
            self._entries[text] = value

    def clear(self) -> None:
        """Forget every parse (the served model changed)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
