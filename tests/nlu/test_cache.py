"""The parse cache on its own (nlu/cache.py); the client's use of it is in test_client.py."""

from __future__ import annotations

from nlu.cache import ParseCache


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_short_texts_are_kept_and_long_ones_not():
    cache = ParseCache(8, max_chars=4)
    cache.put("谢谢", "thanks")
    cache.put("洗衣机漏水了", "report_fault")
    assert cache.get("谢谢") == "thanks"
    assert cache.get("洗衣机漏水了") is None
    assert (cache.hits, cache.misses, len(cache)) == (1, 0, 1)  # a long text is no miss


def test_least_recently_used_goes_first():
    cache = ParseCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_entries_expire():
    clock = Clock()
    cache = ParseCache(8, ttl=600, clock=clock)
    cache.put("你好", "greet")
    clock.now = 599.9
    assert cache.get("你好") == "greet"
    clock.now = 600.0
    assert cache.get("你好") is None and len(cache) == 0


def test_size_zero_keeps_nothing():
    cache = ParseCache(0)
    cache.put("你好", "greet")
    assert cache.get("你好") is None and len(cache) == 0


def test_putting_again_restarts_the_time_and_size_is_the_limit():
    clock = Clock()
    cache = ParseCache(2, ttl=600, clock=clock)
    cache.put("你好", "greet")
    clock.now = 500.0
    cache.put("你好", "greet")  # parsed again: lives 600 s from now
    clock.now = 1000.0
    assert cache.get("你好") == "greet"
    for text in ("a", "b", "c"):
        cache.put(text, text)
    assert len(cache) == 2 and cache.get("你好") is None
