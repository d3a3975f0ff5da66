"""A tapped button reads as its title in transcripts, never as its payload code."""

from __future__ import annotations

from backend.services.tapped import as_read


def test_a_tap_reads_as_the_title_of_the_button_offered_last():
    lines = [
        ("out", "请核对", [{"title": "确认提交", "payload": "/affirm"}]),
        ("in", "/affirm", None),
        ("out", "什么时间上门？", [{"title": "尽快安排", "payload": "/skip"}]),
        ("in", "/skip", None),
        ("in", "/affirm", None),  # not offered last: the intent's own name
        ("in", "/use_unit_address", None),  # the chat's own payload
        ("in", "明天上午", None),
        ("in", "/nonsense", None),
    ]
    assert [pressed for _, pressed in as_read(lines)] == [
        None,
        "确认提交",
        None,
        "尽快安排",
        "肯定 / 确认",
        "使用登记地址",
        None,
        None,
    ]


def test_odd_buttons_are_ignored():
    junk = [{"title": "好"}, "junk", {"payload": "/a", "title": ""}]
    lines = [("out", "x", junk), ("in", "/a", None)]
    assert [p for _, p in as_read(lines)] == [None, None]
