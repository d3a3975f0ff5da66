"""`aftercare nlu train / eval` as a user runs them."""

from __future__ import annotations

import json
import shutil

from backend.cli import main
from nlu import paths


def test_train_skips_when_data_and_config_are_unchanged(capsys):
    # make test trained the current model before pytest started.
    assert paths.current_model().exists()
    assert main(["nlu", "train"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_model_name_follows_every_training_input(tmp_path):
    project = tmp_path / "nlu" / "project"
    shutil.copytree(paths.PROJECT_DIR, project, ignore=shutil.ignore_patterns("__pycache__"))
    before = paths.inputs_hash(project)
    assert paths.inputs_hash(project) == before  # stable
    for relative in ("data/chitchat.yml", "config.yml", "dict/aftercare.txt"):
        path = project / relative
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        changed = paths.inputs_hash(project)
        assert changed != before, relative
        before = changed


def test_eval_prints_one_json_report(rasa_server, tmp_path, capsys):
    tsv = tmp_path / "mini.tsv"
    tsv.write_text(
        "# a comment line\ncancel\t不用修了，取消吧\ngreet\t你好\nthanks\t取消吧\n",
        encoding="utf-8",
    )
    code = main(["nlu", "eval", str(tsv), "--url", rasa_server.url, f"--token={rasa_server.token}"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 3
    assert report["accuracy"] == round(2 / 3, 4)
    assert set(report["per_intent"]) == {"cancel", "greet", "thanks"}
    assert report["per_intent"]["thanks"]["support"] == 1
    assert report["confusions"] == [{"gold": "thanks", "predicted": "cancel", "count": 1}]
    assert {"macro_f1", "unavailable"} <= set(report)
