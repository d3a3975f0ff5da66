"""Remembering parses of short, frequent messages.

A parse is a pure function of the text and the served model, and chat traffic repeats
its short messages endlessly: 谢谢, 你好, 在吗, 报修, 查一下进度. Asking Rasa again
for those only queues them behind the messages that need it (Rasa parses one at a time
per process). Long messages (descriptions, addresses) rarely repeat word for word, so
only texts up to `max_chars` are kept, `size` of them at most, least recently used
dropped first. An entry lives `ttl` seconds, so a model swapped under a running app is
in force for every text within that time; failures are never kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

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
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self.hits = self.misses = 0

    def keeps(self, text: str) -> bool:
        return self.size > 0 and len(text) <= self.max_chars

    def get(self, text: str) -> V | None:
        entry = self._entries.get(text)
        if entry is None or entry[0] <= self._clock():
            if entry is not None:
                del self._entries[text]
            if self.keeps(text):
                self.misses += 1
            return None
        self._entries.move_to_end(text)
        self.hits += 1
        return entry[1]

    def put(self, text: str, value: V) -> None:
        if not self.keeps(text):
            return
        self._entries[text] = (self._clock() + self.ttl, value)
        self._entries.move_to_end(text)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
