"""Read intent examples from the Rasa YAML training files without Rasa or PyYAML.

The app venv has neither; the benchmark's scikit-learn baseline and the tests need
the plain `(intent, text)` pairs, with entity annotations stripped back to the text
a customer typed. Only the subset of the format these files use is understood:
`- intent: NAME` followed by an `examples: |` block of `- text` lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from nlu import paths

# [text](entity) and [text]{"entity": ...}
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_INTENT = re.compile(r"^- intent:\s*(\S+)\s*$")
_EXAMPLE = re.compile(r"^\s+- (.*)$")


def strip_annotations(example: str) -> str:
    return _ANNOTATION.sub(r"\1", example)


def read_examples(data_dir: Path = paths.PROJECT_DIR / "data") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for path in sorted(data_dir.glob("*.yml")):
        intent = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("- "):
                match = _INTENT.match(line)
                intent = match.group(1) if match else None
                continue
            if intent and (match := _EXAMPLE.match(line)):
                pairs.append((intent, strip_annotations(match.group(1)).strip()))
    return pairs
