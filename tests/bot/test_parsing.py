"""Reading slot values out of text (bot/dialogue/parsing.py)."""

from __future__ import annotations

from bot.dialogue.flows import FLOWS, _description_from
from bot.dialogue.parsing import address_span
from bot.dialogue.steps import flow_told
from nlu.client import Entity, NluResult


def _at(text: str, piece: str, entity: str = "address") -> Entity:
    start = text.index(piece)
    return Entity(entity, piece, start, start + len(piece))


def test_address_is_the_whole_clause_when_nlu_tags_pieces():
    text = "洗衣机进水很慢，地址丰台区望京西路130号4单元2304，型号CXW-260，电话15166045381"
    entities = [
        _at(text, "丰台区"),
        _at(text, "西路130号4单元2304"),
        _at(text, "CXW-260", "product_model"),
        _at(text, "15166045381", "phone"),
    ]
    start, end = address_span(text, entities)
    assert text[start:end] == "丰台区望京西路130号4单元2304"
    nlu = NluResult(text, "report_fault", 0.9, tuple(entities))
    assert _description_from(nlu) == "洗衣机进水很慢"


def test_address_skips_a_stray_tag_and_stops_at_the_next_entity():
    text = "油烟机吸力变小了，电话15684475481，型号BCD-470WDPG，地址西城区科技园路52号"
    entities = [_at(text, "15684475481", "phone"), _at(text, "型号"), _at(text, "西城区科技园路")]
    start, end = address_span(text, entities)
    assert text[start:end] == "西城区科技园路52号"
    text = "我家在朝阳区建国路88号电话13812345678"
    entities = [_at(text, "朝阳区建国路88号"), _at(text, "13812345678", "phone")]
    start, end = address_span(text, entities)
    assert text[start:end] == "朝阳区建国路88号"
    assert address_span("型号不清楚", [_at("型号不清楚", "型号")]) is None
    text = "地址改成朝阳区建国路99号"
    start, end = address_span(text, [_at(text, "朝阳区建国路99号")])
    assert text[start:end] == "朝阳区建国路99号"


def test_details_with_a_fault_start_a_repair_even_as_inform():
    text = "油烟机灯不亮了，地址海淀区学院路3号，型号XQG100-B14，电话19741518215"
    entities = (_at(text, "海淀区学院路3号"), _at(text, "XQG100-B14", "product_model"))
    assert flow_told(FLOWS, NluResult(text, "inform", 0.99, entities)) is FLOWS.get("repair")
    assert flow_told(FLOWS, NluResult(text, "nlu_fallback", 0.3, entities)) is FLOWS.get("repair")
    text = "型号XQG100-B14，地址海淀区学院路3号"  # details only: nothing to start
    entities = (_at(text, "海淀区学院路3号"), _at(text, "XQG100-B14", "product_model"))
    assert flow_told(FLOWS, NluResult(text, "inform", 0.99, entities)) is None
