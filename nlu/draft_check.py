"""Check a draft evaluation set against the training data before any model sees it.

    .venv/bin/python -m nlu.draft_check OWN.tsv [OTHER.tsv ...]

A writer of a new locked set never opens the training data, so they cannot see which of
their lines a model has, in effect, already read. This prints the lines of OWN.tsv
(`intent<TAB>text`) that equal a training line or a line of the old split up to
punctuation and case, or share at least 80 % of their character bigrams with one
(Jaccard, as tests/nlu/test_locked.py checks the committed set), or with a line of the
other drafts or an earlier line of OWN; only the writer's own lines are printed, never
what they came close to, so the writer can rewrite them without reading the data.
Exit status 1 when any line is flagged.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nlu import metrics, paths
from nlu.lockedset import bigrams, near_any
from nlu.trainingdata import read_examples


def flagged(own: Path, others: list[Path]) -> list[tuple[int, str, str]]:
    reference = [bigrams(t) for _, t in read_examples()]
    reference += [bigrams(t) for _, t in metrics.read_tsv(paths.TESTSET)]
    reference += [bigrams(t) for p in others for _, t in metrics.read_tsv(p)]
    found, earlier = [], []
    for number, (intent, text) in enumerate(metrics.read_tsv(own), 1):
        grams = bigrams(text)
        if near_any(grams, reference) or near_any(grams, earlier):
            found.append((number, intent, text))
        earlier.append(grams)
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    own, others = Path(args[0]), [Path(a) for a in args[1:]]
    rows = metrics.read_tsv(own)
    found = flagged(own, others)
    for number, intent, text in found:
        print(f"{number}\t{intent}\t{text}")
    print(f"{len(found)} of {len(rows)} lines flagged", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
