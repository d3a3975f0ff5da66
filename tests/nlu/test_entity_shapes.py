"""DIET's free-text spans are checked for their type's shape (aftercare_nlu/entity_shapes.py,
loaded by path: the aftercare_nlu package imports rasa). Every address and visit time
annotated in the training data must pass, or the check would throw away right answers."""

from __future__ import annotations

import importlib.util
import re

import pytest

from nlu import paths

spec = importlib.util.spec_from_file_location(
    "aftercare_entity_shapes", paths.PROJECT_DIR / "aftercare_nlu" / "entity_shapes.py"
)
shapes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(shapes)

_SPAN = re.compile(r"\[([^\]]+)\]\((address|visit_time)(?::[^)]*)?\)")


def annotated() -> list[tuple[str, str]]:
    found = []
    for path in sorted((paths.PROJECT_DIR / "data").glob("*.yml")):
        found += [(m.group(2), m.group(1)) for m in _SPAN.finditer(path.read_text("utf-8"))]
    return found


def test_the_data_has_free_text_spans_to_check():
    kinds = {kind for kind, _ in annotated()}
    assert kinds == {"address", "visit_time"}
    assert len(annotated()) > 100


@pytest.mark.parametrize(("kind", "span"), sorted(set(annotated())))
def test_every_annotated_span_keeps_its_type(kind, span):
    assert shapes.shaped(kind, span) == kind
    assert shapes.trimmed(span, 0, len(span)) == (0, len(span))


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # round 9's 20-epoch DIET ended the address on the comma after it
        ("地址是北京市朝阳区建国路93号，明天下午在家", (3, 16), (3, 15)),
        ("周六上午吧 九点到十一点", (5, 12), (6, 12)),
        ("“明天”", (0, 4), (1, 3)),
        ("，，", (0, 2), (2, 2)),
    ],
)
def test_spans_lose_punctuation_and_spaces_at_their_ends(text, span, expected):
    assert shapes.trimmed(text, *span) == expected


@pytest.mark.parametrize(
    ("kind", "span", "expected"),
    [
        ("address", "明天下午", "visit_time"),  # round 8's model tagged this as the address
        ("address", "12号", "visit_time"),
        ("visit_time", "朝阳区建国路88号", "address"),
        ("address", "93号", "address"),  # a house number, not a date
        ("visit_time", "abc", None),  # typed at the phone question, tagged as the time
        ("visit_time", "１２３４５６７８", None),  # the digits of a full-width phone
        ("address", "１２３４５６７８", None),
        ("address", "13812345678", None),
        ("visit_time", "3年", None),
        ("address", "我家", None),
    ],
)
def test_spans_without_their_shape_are_relabelled_or_dropped(kind, span, expected):
    assert shapes.shaped(kind, span) == expected
