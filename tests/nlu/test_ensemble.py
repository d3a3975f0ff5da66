"""The intent ensemble's arithmetic (aftercare_nlu.linear, pure scikit-learn)."""

from __future__ import annotations

import importlib.util

import pytest

from nlu import paths

pytest.importorskip("sklearn")


def _linear():
    # Loaded by path: the aftercare_nlu package itself imports rasa (Rasa venv only).
    spec = importlib.util.spec_from_file_location(
        "aftercare_linear", paths.PROJECT_DIR / "aftercare_nlu" / "linear.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


linear = _linear()


def test_weight_zero_is_diet_and_weight_one_is_the_linear_model():
    diet = {"a": 0.9, "b": 0.1}
    lin = {"a": 0.2, "b": 0.8}
    assert linear.combine(diet, lin, 0.0)[0] == ("a", 0.9)
    assert linear.combine(diet, lin, 1.0)[0] == ("b", 0.8)


def test_mixture_is_a_distribution_sorted_best_first():
    ranking = linear.combine({"a": 0.7, "b": 0.2, "c": 0.1}, {"a": 0.2, "b": 0.5, "c": 0.3}, 0.5)
    assert [name for name, _ in ranking] == ["a", "b", "c"]
    assert sum(p for _, p in ranking) == pytest.approx(1.0)
    assert ranking[0][1] == pytest.approx(0.45)


def test_temperature_flattens_an_overconfident_diet():
    diet = {"wrong": 0.999, "right": 0.001}
    lin = {"wrong": 0.1, "right": 0.9}
    assert linear.combine(diet, lin, 0.5)[0][0] == "wrong"
    assert linear.combine(diet, lin, 0.5, diet_temperature=5.0)[0][0] == "right"


def test_a_low_linear_temperature_sharpens_the_linear_model():
    ranking = dict(linear.combine({"a": 0.5, "b": 0.5}, {"a": 0.6, "b": 0.4}, 1.0, 1.0, 0.5))
    assert ranking["a"] == pytest.approx(0.36 / 0.52)


def test_linear_model_is_deterministic():
    texts = ["空调不制冷", "冰箱不制冷了", "取消报修", "不修了 取消吧", "转人工", "我要人工客服"]
    labels = ["report_fault", "report_fault", "cancel", "cancel", "request_human", "request_human"]
    first = linear.probabilities(linear.build().fit(texts, labels), ["空调取消"])
    second = linear.probabilities(linear.build().fit(texts, labels), ["空调取消"])
    assert first == second
    assert set(first[0]) == set(labels)
