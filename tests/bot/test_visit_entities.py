"""A visit time read from DIET is kept only when it can be a time: a stray Latin word that
DIET tagged (abc typed at the phone question) must not fill the slot and skip the question."""

from __future__ import annotations

import pytest

from bot.dialogue.slots import visit_entities
from nlu.client import Entity, NluResult


def _said(text: str, value: str) -> NluResult:
    start = text.index(value)
    entity = Entity("visit_time", value, start, start + len(value))
    return NluResult(text, "inform", 0.9, (entity,))


@pytest.mark.parametrize("value", ["abc", "asdf", "ok"])
async def test_a_latin_word_is_not_a_visit_time(value):
    assert await visit_entities(None, _said(f"{value}", value)) is None


@pytest.mark.parametrize("value", ["明天下午", "周末", "随时", "9点以后", "１０点"])
async def test_times_are_kept(value):
    assert await visit_entities(None, _said(f"{value}都行", value)) == value
