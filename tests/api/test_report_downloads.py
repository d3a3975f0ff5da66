"""The monthly report's downloads and the 12-month trend over HTTP, on the seeded October
of tests/store/test_reports.py: the CSV and the XLSX carry the JSON's figures under
Chinese labels, a bad month is refused before any work."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.api.conftest import STAFF
from tests.fixtures.staff import headers
from tests.store.test_reports import seed

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CODES = ("on_site", "complaint", "repair", "unspecified", "satisfaction")


@pytest.fixture
async def october(api, clock):
    await seed(api.desk.db)
    clock.set(NOW)
    resp = await api.get("/api/reports/monthly?month=2026-10", headers=STAFF)
    assert resp.status == 200
    return await resp.json()


def _by_item(rows, section: str) -> dict[str, str]:
    return {item: value for sec, item, value in rows if sec == section}


async def test_the_csv_opens_in_excel_as_chinese_with_the_reports_figures(api, october):
    resp = await api.get("/api/reports/monthly.csv?month=2026-10", headers=STAFF)
    assert resp.status == 200
    assert resp.content_type == "text/csv"
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="aftercare-report-2026-10.csv"'
    )
    body = await resp.read()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["类别", "项目", "数值"]
    sla = _by_item(rows, "SLA 达标率")
    hit_rate = october["sla"]["on_site"]["hit_rate"]
    assert sla["上门时限 达标率"] == f"{hit_rate * 100:.1f}%"
    assert sla["上门时限 超时数"] == str(october["sla"]["on_site"]["missed"])
    labels = {"repair": "报修", "complaint": "投诉", "maintenance": "保养预约"}
    assert _by_item(rows, "工单类型") == {
        labels[kind]: str(n) for kind, n in october["tickets"]["by_kind"].items()
    }
    assert _by_item(rows, "工单")["登记总数"] == str(october["tickets"]["total"])
    text = body.decode("utf-8-sig")
    for code in CODES:  # every internal code shown by its label
        assert f",{code}," not in text and f"{code} " not in text


async def test_the_xlsx_has_the_reports_numbers_as_numbers(api, october):
    resp = await api.get("/api/reports/monthly.xlsx?month=2026-10", headers=STAFF)
    assert resp.status == 200
    assert resp.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(await resp.read())).active
    assert sheet["A1"].value == "2026年10月售后服务月报"
    cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert cells[("SLA 达标率", "上门时限 达标率")] == october["sla"]["on_site"]["hit_rate"]
    overall = october["satisfaction"]["overall"]
    assert cells[("满意度", "全部 满意度指数")] == overall["satisfaction_index"]
    assert cells[("保修期内返修", "返修率")] == october["warranty_revisit"]["rate"]
    assert cells[("投诉", "投诉总数")] == october["complaints"]["total"]
    rate_cell = next(
        row[2] for row in sheet.iter_rows(min_row=3) if row[1].value == "上门时限 达标率"
    )
    assert rate_cell.number_format == "0.0%"


async def test_the_trend_is_twelve_months_ending_with_the_month(api, october):
    resp = await api.get("/api/reports/trend?month=2026-10", headers=STAFF)
    assert resp.status == 200
    trend = await resp.json()
    months = [p["month"] for p in trend["months"]]
    assert months[0] == "2025-11" and months[-1] == "2026-10" and len(months) == 12
    last = trend["months"][-1]
    assert last["sla_hit_rate"] == {c: f["hit_rate"] for c, f in october["sla"].items()}
    assert last["satisfaction_index"] == october["satisfaction"]["overall"]["satisfaction_index"]
    assert last["warranty_revisit_rate"] == october["warranty_revisit"]["rate"]
    assert last["complaints_by_cause"] == {
        cause: s["count"] for cause, s in october["complaints"]["by_cause"].items()
    }
    september = trend["months"][-2]
    assert september["satisfaction_index"] == 80.0 and september["response_rate"] == 0.5


@pytest.mark.parametrize("path", ["monthly.csv", "monthly.xlsx", "trend"])
@pytest.mark.parametrize("month", ["", "2026-13", "十月"])
async def test_a_bad_month_is_refused(api, path, month):
    resp = await api.get(f"/api/reports/{path}", params={"month": month}, headers=STAFF)
    assert resp.status == 422
    assert (await resp.json())["error"] == "validation_failed"


@pytest.mark.parametrize("path", ["monthly.csv", "monthly.xlsx", "trend"])
async def test_no_token_no_report(api, path):
    resp = await api.get(f"/api/reports/{path}?month=2026-10")
    assert resp.status == 401


async def test_every_download_is_in_the_audit_log_with_who_took_it(api, october):
    for suffix in ("csv", "xlsx"):
        resp = await api.get(f"/api/reports/monthly.{suffix}?month=2026-10", headers=STAFF)
        assert resp.status == 200
    log = await api.get("/api/admin/audit?action=export*", headers=headers("admin"))
    assert log.status == 200
    entries = (await log.json())["entries"]
    assert [(e["action"], e["subject"], e["detail"]["format"]) for e in entries] == [
        ("export.monthly_report", "report:2026-10", "xlsx"),
        ("export.monthly_report", "report:2026-10", "csv"),
    ]
    assert {e["actor"] for e in entries} == {"staff:test-supervisor"}
