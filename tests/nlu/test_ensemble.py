"""The intent ensemble's arithmetic (aftercare_nlu.linear, pure scikit-learn)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from nlu import paths
from tests.nlu import rasa_script

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


# Fits the real linear model on the training data, then compares the serving fast path
# with predict_proba on every training and test sentence plus edge cases. Run as a
# script so it can use the Rasa venv's scikit-learn (the version that serves), which
# may compute differently from the app venv's.
_FAST_PATH_CHECK = """
import importlib.util, json
from nlu import metrics, paths, trainingdata
spec = importlib.util.spec_from_file_location(
    "aftercare_linear", paths.PROJECT_DIR / "aftercare_nlu" / "linear.py")
linear = importlib.util.module_from_spec(spec)
spec.loader.exec_module(linear)
examples = trainingdata.read_examples()
model = linear.build().fit([t for _, t in examples], [i for i, _ in examples])
fast = linear.fast_path(model)
texts = [t for _, t in examples] + [t for _, t in metrics.read_tsv(paths.TESTSET)]
texts += ["", "   ", "zzzz qqqq", "空调  不制冷\t了", "ＡＢＣ 工单 TK2024-0001，电话13812345678"]
worst = 0.0
for text, expected in zip(texts, linear.probabilities(model, texts), strict=True):
    got = fast(text)
    assert list(got) == list(expected), text
    worst = max(worst, max(abs(got[c] - expected[c]) for c in expected))
print(json.dumps({"texts": len(texts), "max_abs_diff": worst}))
"""


@pytest.mark.parametrize("venv", ["app", "rasa"])
def test_fast_path_equals_predict_proba(venv):
    python = sys.executable if venv == "app" else str(paths.rasa_venv() / "bin" / "python")
    proc = subprocess.run(
        [python, "-c", _FAST_PATH_CHECK],
        cwd=paths.REPO_ROOT,
        env=paths.rasa_env(serving=True),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["texts"] > 1500
    assert result["max_abs_diff"] < 1e-9


def test_fast_path_is_only_offered_for_the_pipeline_it_reproduces():
    texts = ["空调不制冷", "取消报修", "转人工"]
    labels = ["report_fault", "cancel", "request_human"]
    assert linear.fast_path(linear.build().fit(texts, labels)) is not None
    binary = linear.build().fit(texts[:2], labels[:2])
    assert linear.fast_path(binary) is None  # two classes: a sigmoid, not the softmax
    plain = linear.build()
    plain.set_params(tfidf__sublinear_tf=False)
    assert linear.fast_path(plain.fit(texts, labels)) is None


def test_options_come_from_the_ensemble_step_of_config_yml():
    assert linear.options({"name": "aftercare_nlu.IntentEnsemble"}) == {
        "c": 10.0,
        "max_ngram": 4,
        "class_weight": None,
        "min_df": 1,
    }
    step = {"C": 3, "max_ngram": 5, "class_weight": "balanced", "min_df": 3}
    assert linear.options(step) == {
        "c": 3.0,
        "max_ngram": 5,
        "class_weight": "balanced",
        "min_df": 3,
    }
    model = linear.build(**linear.options(step))
    assert model.named_steps["logreg"].C == 3.0
    assert model.named_steps["logreg"].class_weight == "balanced"
    assert model.named_steps["tfidf"].ngram_range == (1, 5)
    assert model.named_steps["tfidf"].min_df == 3


def test_min_df_drops_rare_ngrams_and_keeps_the_pickle_small():
    texts = ["空调不制冷", "空调不制热", "空调漏水", "取消报修", "取消预约", "转人工", "人工客服"]
    labels = ["report_fault"] * 3 + ["cancel"] * 2 + ["request_human"] * 2
    model = linear.fit(linear.build(min_df=2), texts, labels)
    vocabulary = model.named_steps["tfidf"].vocabulary_
    assert "空调" in vocabulary and "取消" in vocabulary
    assert "漏水" not in vocabulary  # in one example only
    # scikit-learn would keep every dropped n-gram in the pickle as stop_words_
    assert model.named_steps["tfidf"].stop_words_ is None
    assert linear.fast_path(model) is not None


def test_class_weights_keep_the_fast_path_exact():
    texts = ["空调不制冷", "冰箱不制冷了", "洗衣机漏水", "取消报修", "转人工", "我要人工客服"]
    labels = ["report_fault"] * 3 + ["cancel"] + ["request_human"] * 2
    model = linear.build(class_weight="balanced").fit(texts, labels)
    fast = linear.fast_path(model)
    assert fast is not None
    for text, expected in zip(texts, linear.probabilities(model, texts), strict=True):
        got = fast(text)
        assert max(abs(got[c] - expected[c]) for c in expected) < 1e-12


# Run in the Rasa venv (crossval loads the data with Rasa): one fold per retired
# locked set, holding out exactly that file's lines and training on all the others.
_RETIRED_FOLDS_CHECK = """
import json
from pathlib import Path
from rasa.shared.nlu.training_data.loading import load_data
from aftercare_nlu import crossval
examples = load_data("data").intent_examples
folds = crossval.retired_folds(examples, Path("data"))
out = []
for name, train, held in folds:
    assert sorted(train + held) == list(range(len(examples))), name
    texts = {ex.get("text") for ex in load_data(f"data/{name}.yml").intent_examples}
    assert {examples[i].get("text") for i in held} == texts, name
    out.append([name, len(held)])
print(json.dumps(out))
"""


def test_retired_folds_hold_out_one_retired_locked_set_each():
    folds = rasa_script.run(_RETIRED_FOLDS_CHECK, cwd=paths.PROJECT_DIR)
    retired = sorted(p.stem for p in (paths.PROJECT_DIR / "data").glob("retired_*_locked.yml"))
    assert [name for name, _ in folds] == retired
    assert len(retired) >= 5
    assert all(size > 300 for _, size in folds)


_CHOSEN_FOLDS_CHECK = """
import json
from pathlib import Path
from rasa.shared.nlu.training_data.loading import load_data
from aftercare_nlu import crossval
examples = load_data("data").intent_examples
print(json.dumps([name for name, _, _ in crossval.retired_folds(
    examples, Path("data"), ["fifth", "sixth", "no_such_set"])]))
"""


def test_retired_folds_can_be_limited_to_named_sets():
    # bench.nlu_cv --sets=fifth,sixth: a cheaper comparison of two pipelines.
    chosen = rasa_script.run(_CHOSEN_FOLDS_CHECK, cwd=paths.PROJECT_DIR)
    assert chosen == ["retired_fifth_locked", "retired_sixth_locked"]


_ENTITY_SCORES_CHECK = """
import json
from aftercare_nlu import crossval
text = "地址北京市朝阳区建国路93号，明天下午在家"
gold = [["address", 2, 14], ["visit_time", 15, 19]]
records = [
    # right address; the time tagged as an address is relabelled, so right too
    {"gold": "inform", "gold_entities": gold, "entities": crossval.free_text_spans(
        [{"entity": "address", "start": 2, "end": 14},
         {"entity": "address", "start": 15, "end": 19}], text)},
    # a booking line, nothing annotated: a digit run tagged as the time is dropped,
    # a real time counts as found outside inform
    {"gold": "book_maintenance", "gold_entities": [], "entities": crossval.free_text_spans(
        [{"entity": "visit_time", "start": 0, "end": 4},
         {"entity": "visit_time", "start": 5, "end": 9}], "1234 周六上午")},
    # a missed address
    {"gold": "inform", "gold_entities": [["address", 0, 6]], "entities": []},
]
print(json.dumps(crossval.entity_scores(records)))
"""


def test_cross_validation_scores_addresses_and_visit_times():
    # Data and DIET settings are not chosen on intents alone (round 8's data raised the
    # intent scores while DIET found addresses and times where there were none).
    scores = rasa_script.run(_ENTITY_SCORES_CHECK, cwd=paths.PROJECT_DIR)
    assert scores["address"] == {
        "gold": 2, "found": 1, "right": 1, "precision": 1.0, "recall": 0.5, "f1": 0.6667,
        "false_outside_inform": 0,
    }  # fmt: skip
    assert scores["visit_time"] == {
        "gold": 1, "found": 2, "right": 1, "precision": 0.5, "recall": 1.0, "f1": 0.6667,
        "false_outside_inform": 1,
    }  # fmt: skip
