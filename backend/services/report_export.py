"""The monthly report as a table people open in Excel: CSV (UTF-8 with a BOM, so Excel
reads the Chinese) and XLSX (openpyxl).

Both are made from the same rows (`rows`): section, item, value, each code shown by
its Chinese label (backend/services/texts.py). In the XLSX a rate is a number with a
percent format, so it sorts and sums; in the CSV it is written as a percentage.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from backend.services import texts
from backend.services.texts import label_zh

HEADER = ("类别", "项目", "数值")
COUNT, RATE, HOURS, INDEX, TEXT = "count", "rate", "hours", "index", "text"
_FORMATS = {COUNT: "0", RATE: "0.0%", HOURS: "0.00", INDEX: "0.0", TEXT: "@"}


@dataclass(frozen=True)
class Row:
    section: str
    item: str
    value: float | int | str | None
    unit: str = COUNT

    def text(self) -> str:
        """The value as the CSV shows it ('' when there is nothing to divide)."""
        if self.value is None:
            return ""
        if self.unit == RATE:
            return f"{self.value * 100:.1f}%"
        return str(self.value)


def title(report: dict[str, Any]) -> str:
    year, month = report["month"].split("-")
    return f"{year}年{int(month)}月售后服务月报"


def rows(report: dict[str, Any]) -> list[Row]:
    return list(_rows(report))


def _rows(report: dict[str, Any]) -> Iterator[Row]:
    frozen = report.get("frozen_at")
    yield Row("报表", "月份", report["month"], TEXT)
    yield Row("报表", "时区", report["timezone"], TEXT)
    yield Row("报表", "计算时间", report["generated_at"], TEXT)
    yield Row("报表", "存档时间", frozen or "未存档（按当前数据实时计算）", TEXT)

    tickets = report["tickets"]
    yield Row("工单", "登记总数", tickets["total"])
    yield Row("工单", "未结", tickets["open"])
    yield Row("工单", "已结单", tickets["closed"])
    yield Row("工单", "已取消", tickets["cancelled"])
    for kind, n in tickets["by_kind"].items():
        yield Row("工单类型", label_zh(texts.KIND_ZH, kind), n)
    for category, n in tickets["by_category"].items():
        yield Row("服务类别", label_zh(texts.CATEGORY_LABEL_ZH, category), n)
    for region, n in tickets["by_region"].items():
        yield Row("区域", label_zh({}, region), n)
    for tech in tickets["by_technician"]:
        yield Row("师傅工单数", tech["name"] or "未派工", tech["tickets"])

    times = report["times"]
    yield Row("服务时长", "登记到上门平均小时数", times["avg_hours_to_site"], HOURS)
    yield Row("服务时长", "已上门工单数", times["reached_site"])
    yield Row("服务时长", "登记到处理完成平均小时数", times["avg_hours_to_resolution"], HOURS)
    yield Row("服务时长", "已处理完成工单数", times["resolved"])

    for clock, figures in report["sla"].items():
        name = label_zh(texts.CLOCK_ZH, clock)
        yield Row("SLA 达标率", f"{name} 达标率", figures["hit_rate"], RATE)
        yield Row("SLA 达标率", f"{name} 达标数", figures["hit"])
        yield Row("SLA 达标率", f"{name} 超时数", figures["missed"])

    complaints = report["complaints"]
    yield Row("投诉", "投诉总数", complaints["total"])
    for cause, share in complaints["by_cause"].items():
        yield Row("投诉原因", label_zh({}, cause), share["count"])
    for dept, share in complaints["by_department"].items():
        yield Row("责任部门", label_zh({}, dept), share["count"])

    satisfaction = report["satisfaction"]
    yield from _survey_rows("满意度", "全部", satisfaction["overall"])
    for tech in satisfaction["by_technician"]:
        yield from _survey_rows("满意度（按师傅）", tech["name"] or "未派工", tech)
    for region, figures in satisfaction["by_region"].items():
        yield from _survey_rows("满意度（按区域）", label_zh({}, region), figures)

    revisit = report["warranty_revisit"]
    yield Row("保修期内返修", "返修率", revisit["rate"], RATE)
    yield Row("保修期内返修", "保修期内上门处理数", revisit["resolved"])
    yield Row("保修期内返修", "返修数", revisit["revisited"])


def _survey_rows(section: str, who: str, figures: dict[str, Any]) -> Iterator[Row]:
    yield Row(section, f"{who} 满意度指数", figures["satisfaction_index"], INDEX)
    yield Row(section, f"{who} 回访回复率", figures["response_rate"], RATE)
    yield Row(section, f"{who} 已回复", figures["answered"])
    yield Row(section, f"{who} 已发出回访", figures["asked"])


def to_csv(report: dict[str, Any]) -> bytes:
    """UTF-8 with a byte-order mark: Excel then opens the Chinese as Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows((row.section, row.item, row.text()) for row in rows(report))
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(report: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = report["month"]
    sheet.append([title(report)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows(report):
        sheet.append([row.section, row.item, row.value])
        if row.value is not None:
            sheet.cell(sheet.max_row, 3).number_format = _FORMATS[row.unit]
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
