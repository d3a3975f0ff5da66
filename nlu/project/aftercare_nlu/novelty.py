"""How much of a message the training data has ever shown (pure Python, no Rasa).

Used by UnknownTextGuard: DIET's softmax is confident on input it has never seen
(keyboard mashing went to ask_warranty at 0.61), so confidence alone cannot say "I
don't know". The share of the message's characters and words that occur in the
training data can: real customer text, even with typos and new addresses, is made
of characters the data has; mashed keys and rare characters are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A unit is one CJK character, one Latin word, or one number (phones, codes and
# dates differ only in their digits, so every number is the same unit).
_UNITS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z]+|\d+")


def units(text: str) -> list[str]:
    return [u if not u.isdigit() else "0" for u in _UNITS.findall(text.lower())]


def vocabulary(texts: Iterable[str]) -> set[str]:
    return {gram for text in texts for gram in units(text)}


def known_share(text: str, vocab: set[str]) -> float:
    grams = units(text)
    if not grams:
        return 0.0
    return sum(gram in vocab for gram in grams) / len(grams)
