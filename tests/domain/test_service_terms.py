"""The price list and service wording file (backend/domain/service_terms.py): the shipped
one loads; a bad one is refused with the file and the key named."""

from __future__ import annotations

import pytest

from backend.domain.service_terms import WORDING, ServiceTerms, ServiceTermsError

GOOD = """
[prices]
items = [{ name = "上门费", price = "30 元/次" }]
note = "配件另计。"

[wording]
paid_notice = "（有偿服务）{prices}"
warranty_free = "{product}保修至 {until}。"
warranty_contract = "{product}合同至 {until}。"
warranty_paid = "{product}已过保。{prices}"
warranty_unknown = "查不到记录。{prices}"
"""


def test_the_shipped_file_loads_and_fills_every_text():
    terms = ServiceTerms.load()
    assert terms.price_list.startswith("收费标准：上门费 50 元/次")
    assert set(terms.wording) == set(WORDING)
    assert "收费标准" in terms.say("warranty_paid", product="洗衣机")
    assert terms.say("warranty_free", product="空调", until="2028-06-01").startswith("空调")


def test_a_file_of_ones_own_is_used(tmp_path):
    path = tmp_path / "service.toml"
    path.write_text(GOOD, "utf-8")
    terms = ServiceTerms.load(path)
    assert terms.price_list == "收费标准：上门费 30 元/次；配件另计。"
    assert terms.say("paid_notice") == "（有偿服务）收费标准：上门费 30 元/次；配件另计。"


@pytest.mark.parametrize(
    "change,named",
    [
        (("[wording]", "[wording]\nextra = 'x'"), "[wording]: unknown key extra"),
        (
            ('warranty_unknown = "查不到记录。{prices}"\n', ""),
            "[wording]: missing warranty_unknown",
        ),
        (("{product}已过保。", "{model}已过保。"), "wording.warranty_paid: unknown placeholder"),
        (("保修至 {until}", "保修至 {until"), "wording.warranty_free: a { or }"),
        (('items = [{ name = "上门费", price = "30 元/次" }]', "items = []"), "prices.items"),
        (('price = "30 元/次"', 'price = ""'), "prices.items[1]"),
        (("[prices]", "[prices"), "not valid TOML"),
        (('note = "配件另计。"\n', ""), "[prices]: missing note"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(tmp_path, change, named):
    path = tmp_path / "service.toml"
    path.write_text(GOOD.replace(*change), "utf-8")
    with pytest.raises(ServiceTermsError) as refused:
        ServiceTerms.load(path)
    assert str(path) in str(refused.value) and named in str(refused.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ServiceTermsError, match="cannot be read"):
        ServiceTerms.load(tmp_path / "nope.toml")
