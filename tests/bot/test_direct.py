"""Which messages a form step reads by itself, without an NLU call (bot/dialogue/direct.py)."""

from __future__ import annotations

import pytest

from bot.dialogue.direct import direct
from bot.dialogue.flows import FLOWS
from bot.dialogue.state import ConversationState

FORM = {"flow": "repair", "slots": {"description": "空调不制冷"}}
FLOW_OF = {"requested_date": "maintenance", "concerning": "complaint", "severity": "complaint"}


def asked(asking: str) -> ConversationState:
    """A form of the flow that has slot `asking` (a row in today's format), asking it."""
    return ConversationState.from_json(
        {**FORM, "flow": FLOW_OF.get(asking, "repair"), "asking": asking}
    )


@pytest.mark.parametrize(
    ("asking", "said"),
    [
        ("phone", "13812345678"),
        ("phone", "我的电话是 138 1234 5678。"),
        ("phone", "010-62345678"),
        ("product", "KFR-35GW/BpR3"),
        ("product", "序列号SNPAID000003"),
        ("requested_date", "下周三"),
        ("requested_date", "12月5日吧"),
        ("visit_time", "明天上午"),
        ("visit_time", "周六下午3点以后"),
        ("concerning", "R2611-0001"),
        ("address", "朝阳区建国路88号3单元502"),
        ("address", "我家在海淀区中关村大街12号院5号楼"),
        ("address", "地址是 上海市浦东新区世纪大道100号"),
        ("confirm", "确认"),
        ("confirm", "好的。"),
    ],
)
def test_direct_answers(asking, said):
    result = direct(asked(asking), said, FLOWS)
    assert result is not None and result.intent == ("affirm" if asking == "confirm" else "inform")


@pytest.mark.parametrize(
    ("asking", "said"),
    [
        ("phone", "取消吧 13812345678"),  # an interruption: NLU decides
        ("phone", "转人工"),
        ("phone", "13812345678，晚上别打"),  # more than the value
        ("product", "空调不制冷了"),
        ("product", "我要投诉 KFR-35GW"),
        ("product", "13812345678"),  # a phone number is no model
        ("requested_date", "下周三不行，我要取消"),
        ("visit_time", "师傅态度太差了"),
        ("address", "朝阳区建国路88号，电话13812345678"),  # more than the address
        ("address", "朝阳区建国路88号，明天上午来"),
        ("address", "不修了，建国路88号那个取消"),  # an interruption
        ("address", "我要投诉上次去建国路的师傅"),
        ("address", "在家"),  # not an address: the step asks again, NLU first
        ("description", "洗衣机漏水"),
        ("confirm", "地址改成朝阳区建国路99号"),
        ("confirm", "确认取消"),
    ],
)
def test_not_direct_answers(asking, said):
    assert direct(asked(asking), said, FLOWS) is None


def test_direct_outside_a_form():
    assert (
        direct(ConversationState.from_json({}), "R2611-0001", FLOWS) is not None
    )  # a bare ticket number: its status
    assert direct(ConversationState.from_json({}), "你好", FLOWS) is None
    assert (
        direct(ConversationState.from_json({}), "SNPAID000003", FLOWS) is None
    )  # nobody asked for a unit
    assert (
        direct(
            ConversationState.from_json({"pending": {"action": "warranty"}}), "SNPAID000003", FLOWS
        )
        is not None
    )
