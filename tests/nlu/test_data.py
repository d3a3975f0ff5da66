"""The training data and the held-out split: coverage, separation, format."""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest

from nlu import metrics, paths
from nlu.trainingdata import read_examples, same_line_key, strip_annotations

SPEC_INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "report_fault", "complain",
    "query_status", "expedite", "cancel", "request_human", "ask_warranty",
    "book_maintenance", "inform", "out_of_scope",
}  # fmt: skip


def test_training_data_has_40_examples_for_every_spec_intent():
    counts = Counter(intent for intent, _ in read_examples())
    assert set(counts) == SPEC_INTENTS
    assert min(counts.values()) >= 40, counts


def test_test_split_has_15_lines_for_every_spec_intent():
    counts = Counter(intent for intent, _ in metrics.read_tsv(paths.TESTSET))
    assert set(counts) == SPEC_INTENTS
    assert min(counts.values()) >= 15, counts


def test_no_test_line_is_trained_on():
    trained = {same_line_key(text) for _, text in read_examples()}
    leaked = [text for _, text in metrics.read_tsv(paths.TESTSET) if same_line_key(text) in trained]
    assert leaked == []


def test_the_outside_chitchat_check_is_never_trained_on():
    # nlu/corpora/chatterbot.tsv is text other people wrote; it only measures.
    from nlu.corpora import chatterbot

    rows = metrics.read_tsv(chatterbot.OUT_TSV)
    assert len(rows) > 300 and {intent for intent, _ in rows} <= SPEC_INTENTS
    trained = {same_line_key(text) for _, text in read_examples()}
    assert [text for _, text in rows if same_line_key(text) in trained] == []


def test_annotations_are_stripped_to_the_typed_text():
    assert strip_annotations("单号[R2611-0007](ticket_id)到哪了") == "单号R2611-0007到哪了"
    assert strip_annotations('[明早]{"entity": "visit_time", "value": "明天上午"}来') == "明早来"


def test_read_tsv_skips_comments_and_rejects_bad_lines(tmp_path):
    good = tmp_path / "good.tsv"
    good.write_text("# comment\n\ngreet\t你好\ncancel\t取消吧\n", encoding="utf-8")
    assert metrics.read_tsv(good) == [("greet", "你好"), ("cancel", "取消吧")]
    bad = tmp_path / "bad.tsv"
    bad.write_text("greet 你好\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:1"):
        metrics.read_tsv(bad)


def test_every_annotation_sits_on_jieba_tokens_and_matches_its_regex():
    # Runs in the Rasa venv: jieba with our dictionary, Rasa's own YAML loader.
    proc = subprocess.run(
        [str(paths.rasa_venv() / "bin" / "python"), "-m", "aftercare_nlu.check_data"],
        cwd=paths.PROJECT_DIR,
        env=paths.rasa_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " 0 problems" in proc.stdout
