"""Hotline transcripts, parsed without any I/O (customers' dates: test_dates.py)."""

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.transcript import Turn, call_kind, parse_plain, parse_turns


def test_plain_transcript_with_both_colon_forms_and_continuation_lines():
    turns = parse_plain(
        "客服：您好，请问有什么可以帮您？\n客户: 空调不制冷了\n还有异响\n\n客服:好的"
    )
    assert turns == [
        Turn("agent", "您好，请问有什么可以帮您？"),
        Turn("customer", "空调不制冷了 还有异响"),
        Turn("agent", "好的"),
    ]


@pytest.mark.parametrize(
    "text",
    ["没有前缀的第一行\n客户:你好", "客服:只有客服在说话", ""],
)
def test_plain_transcript_refused_when_unusable(text):
    with pytest.raises(ValidationFailed):
        parse_plain(text)


def test_tagged_turns_accept_chinese_speaker_names():
    turns = parse_turns(
        [{"speaker": "客户", "text": " 洗衣机漏水 "}, {"speaker": "agent", "text": "好"}]
    )
    assert turns == [Turn("customer", "洗衣机漏水"), Turn("agent", "好")]
    with pytest.raises(ValidationFailed):
        parse_turns([{"speaker": "boss", "text": "x"}])
    with pytest.raises(ValidationFailed):
        parse_turns([{"speaker": "customer", "text": 5}])


def test_call_kind_prefers_complaint_over_repair():
    assert call_kind(["greet", "report_fault", "complain"]) == "complaint"
    assert call_kind(["report_fault", "inform"]) == "repair"
    assert call_kind(["book_maintenance"]) == "maintenance"
    assert call_kind(["query_status", "thanks"]) is None
