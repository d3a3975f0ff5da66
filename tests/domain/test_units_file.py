"""Reading the units-sold CSV (backend/domain/units_file.py): plain Python, no store."""

from __future__ import annotations

from datetime import date

import pytest

from backend.domain.fields import FIELDS
from backend.domain.units_file import HEADER, BadUnitsFile, read_units
from tests.units.csvfiles import GOOD_ROWS, csv_of


def _errors(data: bytes) -> dict[int, str]:
    with pytest.raises(BadUnitsFile) as refused:
        read_units(data)
    return {e.line: e.reason for e in refused.value.errors}


def test_a_clean_file_is_read_with_canonical_values():
    rows = read_units(csv_of(*GOOD_ROWS, bom=True))  # a spreadsheet's byte-order mark
    assert [r.serial_number for r in rows] == ["SN-A0001", "SN-A0002", "SN-A0003", "SN-A0004"]
    assert [r.line for r in rows] == [2, 3, 4, 5]
    first, second, third, fourth = rows
    assert first.contract_end is None and first.abroad is False and first.region_class == "city"
    assert second.customer_phone == "13987654321"  # spaces gone, as the chat stores it
    assert second.contract_end == date(2027, 3, 8)
    assert third.customer_name is None
    assert fourth.product_name == "中央空调, 商用" and fourth.customer_phone == "18600001111"
    assert fourth.abroad is True and fourth.region_class == "remote"


def test_every_bad_row_is_reported_with_its_line_and_reason():
    bad = [
        GOOD_ROWS[0],
        "SN-B1,KFR,空调,2025-13-01,2028-06-01,,13812345678,王,北京,北京,city,false",
        "SN-B2,KFR,空调,2025/06/01,2028-06-01,,13812345678,王,北京,北京,city,false",
        "SN-B3,KFR,空调,2025-06-01,2024-06-01,,13812345678,王,北京,北京,city,false",
        "SN-B4,KFR,空调,2025-06-01,2028-06-01,,12345,王,北京,北京,city,false",
        "SN-B5,KFR,空调,2025-06-01,2028-06-01,,13812345678,王,北京,北京,downtown,false",
        "SN-B6,KFR,空调,2025-06-01,2028-06-01,,13812345678,王,北京,北京,city,yes",
        ",KFR,,2025-06-01,,,13812345678,王,北京,北京,city,false",
        "SN-B8,KFR,空调,2025-06-01,2028-06-01",
        "sn-a0001,KFR,空调,2025-06-01,2028-06-01,,13812345678,王,北京,北京,city,false",
        "",  # a blank line is no row
        "SN-B9,KFR,空调,2025-06-01,2028-06-01,2020-01-01,,王,北京,北京,city,false",
        "SN-B10,KFR,空调,２０２５-06-01,2028-06-01,,13812345678,王,北京,北京,city,false",
    ]
    errors = _errors(csv_of(*bad))
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14]
    assert "purchase_date 不是有效日期" in errors[3] and "2025-13-01" in errors[3]
    assert "YYYY-MM-DD" in errors[4]
    assert "warranty_end 早于 purchase_date" in errors[5]
    assert "customer_phone 不是有效的电话号码：12345" in errors[6]
    assert "region_class 应为 city、suburb 或 remote" in errors[7]
    assert "abroad 应为 true 或 false" in errors[8]
    assert all(f"{c} 不能为空" in errors[9] for c in ("serial_number", "product_name"))
    assert "warranty_end 不能为空" in errors[9]
    assert "应有 12 列，实有 5 列" in errors[10]
    assert "与第 2 行重复" in errors[11]  # serial numbers match regardless of case
    assert "contract_end 早于 purchase_date" in errors[13]
    assert "customer_phone 不能为空" in errors[13]
    assert "purchase_date 不是有效日期" in errors[14]  # full-width digits are not ISO


@pytest.mark.parametrize(
    "column,field",
    [
        ("serial_number", "serial_number"),
        ("model", "product_model"),
        ("product_name", "product_name"),
        ("customer_name", "name"),
        ("address", "address"),
        ("region", "region"),
    ],
)
def test_a_value_longer_than_its_column_is_a_bad_row(column, field):
    values = dict(zip(HEADER, GOOD_ROWS[0].split(","), strict=True))
    values[column] = "长" * (FIELDS[field].size + 1)
    errors = _errors(csv_of(GOOD_ROWS[1], ",".join(values[h] for h in HEADER)))
    assert list(errors) == [3]
    assert f"{column} 超过 {FIELDS[field].size} 个字符" in errors[3]


def test_a_wrong_header_an_empty_file_and_no_rows_are_refused():
    wrong = ",".join(h for h in HEADER if h != "abroad")
    assert "表头应为 serial_number,model," in _errors(csv_of(*GOOD_ROWS, header=wrong))[1]
    assert _errors(b"") == {1: "文件是空的"}
    assert _errors(csv_of()) == {2: "表头之后没有数据行"}


def test_a_file_not_in_utf8_is_refused_with_the_line():
    data = csv_of(*GOOD_ROWS).decode().replace("李先生", "李").encode("utf-8")
    data = data.replace("李".encode(), "李".encode("gbk"))
    assert "UTF-8" in _errors(data)[3]


def test_line_numbers_count_the_lines_of_a_quoted_value():
    spanning = GOOD_ROWS[0].replace("北京市朝阳区建国路88号", '"北京市朝阳区\n建国路88号"')
    bad = GOOD_ROWS[1].replace("city", "town")
    errors = _errors(csv_of(spanning, bad))
    assert list(errors) == [4]  # the first row takes lines 2 and 3
