"""The manufacturer's units-sold file (`aftercare units import FILE.csv`): read and checked
here, with no store, so a bad file is refused whole before anything is written.

UTF-8 CSV (a byte-order mark, as spreadsheet programs write one, is allowed) with the
header exactly `HEADER`; one unit sold per row: ISO dates (`contract_end` may be empty),
`region_class` city / suburb / remote, `abroad` true / false, the customer's phone in any
form the desk accepts (stored canonical). Every bad row is reported with its line number
(the header is line 1; a quoted value spanning lines counts its lines) and the reasons,
in Chinese for the staff who fix the file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from backend.domain import fields
from backend.domain.contact import normalise_phone
from backend.domain.errors import ValidationFailed
from backend.domain.kinds import RegionClass

HEADER = (
    "serial_number",
    "model",
    "product_name",
    "purchase_date",
    "warranty_end",
    "contract_end",
    "customer_phone",
    "customer_name",
    "address",
    "region",
    "region_class",
    "abroad",
)
# (column index, the stored column's size from backend/domain/fields.py)
_SIZES = [
    (HEADER.index(column), fields.size(field))
    for column, field in {
        "serial_number": "serial_number",
        "model": "product_model",
        "product_name": "product_name",
        "customer_name": "name",
        "address": "address",
        "region": "region",
    }.items()
]
_REQUIRED = [
    HEADER.index(c)
    for c in ("serial_number", "model", "product_name", "purchase_date", "warranty_end")
]
_REGION_CLASSES = frozenset(r.value for r in RegionClass)
_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}")  # the common case, without normalising
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only
_BOOL = {"true": True, "false": False}
MAX_REPORTED = 1000  # a file wrong throughout: the first thousand rows say enough


@dataclass(frozen=True)
class UnitRow:
    """One checked row, the values as they are stored."""

    line: int
    serial_number: str
    model: str
    product_name: str
    purchase_date: date
    warranty_end: date
    contract_end: date | None
    customer_phone: str
    customer_name: str | None
    address: str | None
    region: str | None
    region_class: str
    abroad: bool


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.reason}"


class BadUnitsFile(ValidationFailed):
    """The file is refused whole: `errors` names every bad row (line and reasons)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"文件有 {len(errors)} 处错误，未导入任何数据")


def read_units(data: bytes) -> list[UnitRow]:
    """Every row of the file checked; BadUnitsFile listing all the bad ones otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadUnitsFile([RowError(_line_of(data, exc.start), "不是 UTF-8 编码的文本")]) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[RowError] = []
    rows: list[UnitRow] = []
    first_line: dict[str, int] = {}  # serial number -> the line that has it first
    try:
        header = next(reader, None)
        if header is None:
            raise BadUnitsFile([RowError(1, "文件是空的")])
        if tuple(h.strip() for h in header) != HEADER:
            raise BadUnitsFile([RowError(1, f"表头应为 {','.join(HEADER)}")])
        for record in reader:
            line = reader.line_num
            if not any(v.strip() for v in record):
                continue  # a blank line (a trailing newline, an empty row)
            row, reasons = _check(line, record)
            serial = record[0].strip().upper() if record else ""
            if serial:  # the store matches serial numbers regardless of case
                seen = first_line.setdefault(serial, line)
                if seen != line:
                    reasons.append(f"序列号 {record[0].strip()} 与第 {seen} 行重复")
            if reasons:
                errors.append(RowError(line, "；".join(reasons)))
                if len(errors) >= MAX_REPORTED:
                    break
            else:
                rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, f"CSV 格式错误（{exc}），请检查引号"))
    if errors:
        raise BadUnitsFile(errors)
    if not rows:
        raise BadUnitsFile([RowError(2, "表头之后没有数据行")])
    return rows


def _check(line: int, record: list[str]) -> tuple[UnitRow | None, list[str]]:
    # Plain locals, not a dict per row: 100,000 rows are read in about a second.
    if len(record) != len(HEADER):
        return None, [f"应有 {len(HEADER)} 列，实有 {len(record)} 列"]
    v = [value.strip() for value in record]
    serial, model, product, bought_s, warranty_s, contract_s, phone_s, name = v[:8]
    address, region, region_class, abroad_s = v[8:]
    reasons = [f"{HEADER[i]} 不能为空" for i in _REQUIRED if not v[i]]
    for i, size in _SIZES:
        if len(v[i]) > size:
            reasons.append(f"{HEADER[i]} 超过 {size} 个字符")
    bought = _date(bought_s, "purchase_date", reasons)
    warranty = _date(warranty_s, "warranty_end", reasons)
    contract = _date(contract_s, "contract_end", reasons)
    phone = phone_s if _PLAIN_MOBILE.fullmatch(phone_s) else normalise_phone(phone_s)
    if phone is None:
        reasons.append(
            f"customer_phone 不是有效的电话号码：{phone_s}"
            if phone_s
            else "customer_phone 不能为空"
        )
    if region_class not in _REGION_CLASSES:
        reasons.append(f"region_class 应为 city、suburb 或 remote，而不是 {region_class!r}")
    abroad = _BOOL.get(abroad_s.lower())
    if abroad is None:
        reasons.append(f"abroad 应为 true 或 false，而不是 {abroad_s!r}")
    if bought and warranty and warranty < bought:
        reasons.append("warranty_end 早于 purchase_date")
    if bought and contract and contract < bought:
        reasons.append("contract_end 早于 purchase_date")
    if reasons:
        return None, reasons
    row = UnitRow(
        line=line,
        serial_number=serial,
        model=model,
        product_name=product,
        purchase_date=bought,
        warranty_end=warranty,
        contract_end=contract,
        customer_phone=phone,
        customer_name=name or None,
        address=address or None,
        region=region or None,
        region_class=region_class,
        abroad=abroad,
    )
    return row, []


def _date(value: str, name: str, reasons: list[str]) -> date | None:
    if not value:
        return None  # required ones are reported as empty already
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    reasons.append(f"{name} 不是有效日期（应为 YYYY-MM-DD）：{value}")
    return None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
