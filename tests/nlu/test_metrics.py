"""The scores `aftercare nlu eval` prints."""

from __future__ import annotations

import pytest

from nlu.metrics import score


def test_perfect_predictions_score_one():
    report = score(["a", "b", "b"], ["a", "b", "b"])
    assert report["accuracy"] == 1.0
    assert report["macro_f1"] == 1.0
    assert report["confusions"] == []


def test_per_intent_precision_recall_f1_and_confusions():
    gold = ["a", "a", "b", "b"]
    pred = ["a", "b", "b", "nlu_fallback"]
    report = score(gold, pred)
    assert report["accuracy"] == 0.5
    assert report["per_intent"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
    }
    assert report["per_intent"]["b"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["macro_f1"] == pytest.approx((0.6667 + 0.5) / 2, abs=1e-4)
    assert {"gold": "b", "predicted": "nlu_fallback", "count": 1} in report["confusions"]


def test_unavailable_predictions_count_as_wrong():
    report = score(["a"], [None])
    assert report["accuracy"] == 0.0
    assert report["confusions"][0]["predicted"] == "<unavailable>"
