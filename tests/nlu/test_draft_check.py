"""The checker a locked set's writers run on their drafts (nlu/draft_check.py)."""

from __future__ import annotations

from nlu import draft_check
from nlu.trainingdata import read_examples

FRESH = "隔壁老王家的猫今天第一次学会了开冰箱门我们全家都看呆了"


def test_lines_close_to_training_earlier_or_other_drafts_are_flagged(tmp_path, capsys):
    training_intent, training_line = read_examples()[0]
    other = tmp_path / "other.tsv"
    other.write_text("out_of_scope\t楼下奶茶店新出的芋泥波波到底好不好喝啊有人试过吗\n", "utf-8")
    own = tmp_path / "own.tsv"
    own.write_text(
        "# a comment line is not a row\n"
        f"{training_intent}\t{training_line}！\n"  # a training line up to punctuation
        f"out_of_scope\t{FRESH}\n"
        f"out_of_scope\t{FRESH}啊\n"  # a light rewording of an earlier line
        "out_of_scope\t楼下奶茶店新出的芋泥波波到底好不好喝啊有人试过没\n",  # of the other draft
        "utf-8",
    )
    assert draft_check.main([str(own), str(other)]) == 1
    out = capsys.readouterr()
    assert [line.split("\t")[0] for line in out.out.splitlines()] == ["1", "3", "4"]
    assert "3 of 4 lines flagged" in out.err


def test_a_clean_draft_passes(tmp_path):
    own = tmp_path / "own.tsv"
    own.write_text(f"out_of_scope\t{FRESH}\n", "utf-8")
    assert draft_check.main([str(own)]) == 0
