"""The locked test set: read by the final evaluation only.

`nlu/locked/customer.tsv` (service intents, SPEC section 2) and
`nlu/locked/chitchat.tsv` (greetings, goodbyes, thanks, small talk) are written
after each freeze of the training data, by writers who never see it, in other voices
than the training lines; a line too close to a training line is replaced before any
model sees the set. A set evaluated once is retired into training
(nlu/project/data/retired_*_locked.yml) and a new one written; nlu/README.md keeps
which freeze and which commit each set belongs to, so this file does not repeat it.
Tuning uses cross-validation on the training data (bench.nlu_cv,
bench.nlu_accuracy's CV part); nothing may look at these files while choosing data
or settings, or they stop measuring what a new customer types.

Enforced two ways: `read_locked` refuses any caller but `bench.nlu_accuracy` (the
final evaluation), and tests/nlu/test_locked.py fails when any other file in the
repository names the locked directory or calls `read_locked`. `overlaps` lets a
test check that no locked line is trained on without handing the lines out.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from pathlib import Path

from nlu import metrics, paths

LOCKED_DIR = paths.REPO_ROOT / "nlu" / "locked"
SETS = ("customer", "chitchat")
ALLOWED_CALLER = "bench.nlu_accuracy"
_PUNCT = str.maketrans("", "", " ，,。.！!？?～~、…")


class LockedSetError(PermissionError):
    pass


def _path(name: str) -> Path:
    if name not in SETS:
        raise KeyError(name)
    return LOCKED_DIR / f"{name}.tsv"


def read_locked(name: str) -> list[tuple[str, str]]:
    """(intent, text) rows of one locked set; only bench.nlu_accuracy may call this."""
    frame = inspect.currentframe()
    caller = frame.f_back.f_globals if frame and frame.f_back else {}
    module = caller.get("__name__")
    source = Path(caller.get("__file__") or "").resolve()
    allowed_file = (paths.REPO_ROOT / "bench" / "nlu_accuracy.py").resolve()
    if module != ALLOWED_CALLER and source != allowed_file:
        raise LockedSetError(f"the locked set is for {ALLOWED_CALLER} only, not {module}")
    return metrics.read_tsv(_path(name))


def normalise(text: str) -> str:
    return text.translate(_PUNCT).lower()


def bigrams(text: str) -> set[str]:
    text = normalise(text)
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


NEAR = 0.8


def near_any(grams: set[str], others: Iterable[set[str]], near: float = NEAR) -> bool:
    """True when `grams` shares at least `near` of its character bigrams (Jaccard) with
    one of `others`: equal up to punctuation and case, or a light rewording."""
    return any(len(grams & g) / len(grams | g) >= near for g in others)


def overlaps(texts: Iterable[str], near: float = NEAR) -> int:
    """How many locked lines equal (up to punctuation and case) one of `texts`, or
    share at least `near` of their character bigrams with one (Jaccard): a locked line
    must not be a light rewording of a training line either."""
    given = [bigrams(t) for t in texts]
    count = 0
    for name in SETS:
        for _, text in metrics.read_tsv(_path(name)):
            if near_any(bigrams(text), given, near):
                count += 1
    return count


def intents(name: str | None = None) -> set[str]:
    """The intents a locked set (or both) uses, for the tests' sanity checks."""
    names = SETS if name is None else (name,)
    return {intent for n in names for intent, _ in metrics.read_tsv(_path(n))}


def sizes() -> dict[str, int]:
    return {name: len(metrics.read_tsv(_path(name))) for name in SETS}
