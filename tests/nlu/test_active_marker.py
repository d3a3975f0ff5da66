"""The active marker and the gate's comparison, without Rasa."""

from __future__ import annotations

from nlu import activation, paths

ACTIVE = {
    "locked": {"customer": {"macro_f1": 0.95, "accuracy": 0.95}, "chitchat": {"accuracy": 0.98}},
    "cv": {"folds": 3, "macro_f1": 0.88, "accuracy": 0.88},
}


def test_not_lower_anywhere_passes_and_any_lower_figure_is_named():
    assert activation.worse(ACTIVE, ACTIVE) == []
    lower = {**ACTIVE, "cv": {"folds": 3, "macro_f1": 0.879, "accuracy": 0.9}}
    assert activation.worse(lower, ACTIVE) == ["cv.macro_f1: 0.879 < 0.88"]
    assert activation.worse({"locked": ACTIVE["locked"]}, ACTIVE) == [
        "cv.macro_f1: None < 0.88",
        "cv.accuracy: None < 0.88",
    ]


def test_a_models_dir_without_marker_serves_the_model_of_the_current_inputs(tmp_path):
    assert paths.current_model(tmp_path) == tmp_path / f"{paths.model_name()}.tar.gz"
    assert activation.accepted(tmp_path) == (f"{paths.model_name()}.tar.gz",)


def test_during_a_switch_both_models_are_accepted_and_after_it_only_the_new(tmp_path):
    old, new = tmp_path / "nlu-old.tar.gz", tmp_path / "nlu-new.tar.gz"
    activation.activate(tmp_path, old, ACTIVE)
    activation.begin_switch(tmp_path, new)
    assert activation.accepted(tmp_path) == ("nlu-old.tar.gz", "nlu-new.tar.gz")
    activation.activate(tmp_path, new, ACTIVE)
    assert activation.accepted(tmp_path) == ("nlu-new.tar.gz",)
    marker = activation.read(tmp_path)
    assert marker["previous"] == "nlu-old.tar.gz" and marker["scores"] == ACTIVE
    activation.begin_switch(tmp_path, old)
    activation.abort_switch(tmp_path)
    assert activation.accepted(tmp_path) == ("nlu-new.tar.gz",)
