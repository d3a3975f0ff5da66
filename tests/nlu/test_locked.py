"""The locked test set stays locked: read by the final evaluation only, never trained on."""

from __future__ import annotations

import subprocess

import pytest

from nlu import lockedset, paths
from nlu.trainingdata import read_examples
from tests.nlu.test_data import SPEC_INTENTS

# The only files that may name the locked directory or its accessor.
ALLOWED = {
    "nlu/lockedset.py",  # the accessor
    "bench/nlu_accuracy.py",  # the final evaluation, its one caller
    "tests/nlu/test_locked.py",  # this guard
    "nlu/README.md",  # says how it is used
}
NEEDLES = ("nlu/locked/", "LOCKED_DIR", "read_locked", "customer.tsv", "chitchat.tsv")


def test_only_the_final_evaluation_may_read_the_locked_set():
    with pytest.raises(lockedset.LockedSetError):
        lockedset.read_locked("customer")
    with pytest.raises(lockedset.LockedSetError):
        lockedset.read_locked("chitchat")


def test_no_other_file_names_the_locked_set():
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    offenders = []
    for name in tracked:
        if name in ALLOWED or name.startswith("nlu/locked/"):
            continue
        path = paths.REPO_ROOT / name
        if path.suffix not in {".py", ".md", ".yml", ".yaml", ".toml", ".txt", ".cfg", ""}:
            continue
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [f"{name}: {n}" for n in NEEDLES if n in text]
    assert offenders == []


def test_locked_lines_are_not_training_lines():
    assert lockedset.overlaps(text for _, text in read_examples()) == 0


def test_locked_sets_are_sizeable_and_use_spec_intents():
    sizes = lockedset.sizes()
    assert sizes["customer"] >= 150 and sizes["chitchat"] >= 150, sizes
    assert lockedset.intents() <= SPEC_INTENTS
    assert lockedset.intents("customer") == SPEC_INTENTS
