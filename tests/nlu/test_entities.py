"""Entities from the real model: values and character spans inside sentences."""

from __future__ import annotations

import pytest

from nlu.client import Entity


def span(text: str, value: str, entity: str, normalised: str | None = None) -> Entity:
    start = text.index(value)
    return Entity(entity, normalised or value, start, start + len(value))


CODED = [
    ("我的单号是R2611-0007，师傅几点到", [("R2611-0007", "ticket_id")]),
    ("c2610-0012这个投诉处理得怎么样了", [("c2610-0012", "ticket_id", "C2610-0012")]),
    ("麻烦催一下M2611-0003的保养", [("M2611-0003", "ticket_id")]),
    ("空调坏了，电话13912345678，尽快来", [("13912345678", "phone")]),
    ("打我座机010-12345678或者手机18800001111", [
        ("010-12345678", "phone"), ("18800001111", "phone")]),
    ("有事打400-800-1234找我们公司前台", [("400-800-1234", "phone")]),
    ("型号KFR-35GW/BpR3的挂机漏水了", [("KFR-35GW/BpR3", "product_model")]),
    ("冰箱BCD-256WDPM冷藏室不冷", [("BCD-256WDPM", "product_model")]),
    ("机身上的序列号是6E0212345678AB9C777，帮我查保修", [
        ("6E0212345678AB9C777", "serial_number")]),
    ("型号XQG100-HBD14126L，SN码DA3K5Q2B7H9L09876，洗衣机不排水，电话15811112222", [
        ("XQG100-HBD14126L", "product_model"),
        ("DA3K5Q2B7H9L09876", "serial_number"),
        ("15811112222", "phone"),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CODED, ids=[t for t, _ in CODED])
async def test_coded_entities_have_exact_values_and_spans(nlu, text, expected):
    result = await nlu.parse(text)
    coded = [e for e in result.entities if e.entity not in {"address", "visit_time"}]
    assert coded == [span(text, *item) for item in expected]


async def test_each_entity_comes_back_once(nlu):
    # DIET is trained on the coded entities too; EntityOwnership keeps the regex's.
    result = await nlu.parse("工单R2611-0021，电话13812345678，型号BCD-470WDPG")
    assert sorted(e.entity for e in result.entities) == ["phone", "product_model", "ticket_id"]


async def test_plain_numbers_and_words_are_not_codes(nlu):
    result = await nlu.parse("空调用了3年了，2023年买的，1.5匹，wi-fi连不上")
    assert [e for e in result.entities if e.entity != "visit_time"] == []


async def test_address_and_visit_time_from_diet(nlu):
    text = "地址是北京市朝阳区建国路93号，明天下午在家"
    result = await nlu.parse(text)
    assert result.intent == "inform"
    by_type = {e.entity: e for e in result.entities}
    assert by_type["address"] == span(text, "北京市朝阳区建国路93号", "address")
    assert by_type["visit_time"] == span(text, "明天下午", "visit_time")


async def test_visit_time_synonyms_are_normalised(nlu):
    text = "明早"
    result = await nlu.parse(text)
    assert Entity("visit_time", "明天上午", 0, 2) in result.entities
