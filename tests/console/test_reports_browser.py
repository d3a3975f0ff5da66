"""The supervisor's reports page in a real browser, on the seeded October of
tests/store/test_reports.py (hand-computed figures): the month's charts (server-drawn SVG)
with their tables, the XLSX downloaded through the page's own link carrying the same
figures (and recorded in the audit log), a frozen month saying when it was frozen, the
month picker, and a dispatcher refused the page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from backend.domain.permissions import Role
from backend.services import report_snapshots
from tests.console.conftest import screenshot, signed_in, url
from tests.fixtures.staff import headers
from tests.store.test_reports import seed

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


async def test_a_supervisor_sees_the_months_charts_and_downloads_its_xlsx(
    desk_stack, browser, clock, tmp_path
):
    clock.set(NOW)
    async with desk_stack() as stack:
        await seed(stack.desk.db)
        context, page = await signed_in(
            browser, stack, Role.SUPERVISOR, next_page="/console/reports"
        )
        # Last month by default: the desk's clock stands in November.
        await page.get_by_role("heading", name="2026年10月售后服务月报").wait_for()
        assert await page.input_value("#month") == "2026-10"
        await page.get_by_text("尚未存档").wait_for()

        # SLA: one bar per clock, each named by its label, with the table's numbers.
        sla = page.locator("svg.sla")
        assert await sla.get_attribute("role") == "img"
        assert await sla.locator("rect.bar").count() == 4
        labels = await sla.locator("text.label").all_text_contents()
        assert labels == ["上门时限", "修复时限", "投诉响应时限", "投诉结案时限"]
        assert await sla.locator("text.value").all_text_contents() == [
            "75.0%",
            "66.7%",
            "50.0%",
            "50.0%",
        ]
        row = page.locator("#sla tbody tr", has_text="上门时限")
        assert await row.locator("td").all_inner_texts() == ["3", "1", "75.0%"]

        # Satisfaction per technician names the seeded technicians, with their index.
        tech = page.locator("svg.tech-index")
        await tech.locator("text.label", has_text="王师傅").wait_for()
        assert "王师傅 50，" in await tech.get_attribute("aria-label")
        assert "李师傅 70" in await tech.get_attribute("aria-label")
        assert await page.locator("svg.region-index text.label").all_text_contents() == [
            "朝阳",
            "海淀",
        ]
        causes = page.locator("svg.causes text.label")
        assert await causes.all_text_contents() == ["维修延误", "技术人员态度", "未填写"]
        assert await page.locator("#revisit strong").inner_text() == "50.0%"
        # The trend: twelve months on every line chart's axis, October's points drawn.
        trend = page.locator("svg.trend-sla")
        assert await trend.locator("g.series").count() == 4
        assert await page.locator(".trend-table tbody tr").count() == 12
        assert "unspecified" not in await page.content()
        await screenshot(page, "reports-supervisor")

        # The XLSX through the page's link: the month's figures, and an audit entry.
        async with page.expect_download() as info:
            await page.click("#download-xlsx")
        download = await info.value
        assert download.suggested_filename == "aftercare-report-2026-10.xlsx"
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        sheet = load_workbook(saved).active
        assert sheet["A1"].value == "2026年10月售后服务月报"
        cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=3, values_only=True)}
        assert cells[("SLA 达标率", "上门时限 达标率")] == 0.75
        assert cells[("SLA 达标率", "投诉响应时限 达标数")] == 2
        assert cells[("投诉", "投诉总数")] == 4
        assert cells[("满意度（按师傅）", "王师傅 满意度指数")] == 50
        audit = await stack.client.get("/api/admin/audit?action=export*", headers=headers("admin"))
        entries = (await audit.json())["entries"]
        assert [(e["actor"], e["subject"], e["detail"]["format"]) for e in entries] == [
            ("staff:test-supervisor", "report:2026-10", "xlsx")
        ]

        # Once frozen, the month says since when, and the trend marks it.
        await report_snapshots.freeze(stack.desk, "2026-10", NOW)
        await page.reload()
        await page.get_by_text("已于 2026-11-01 12:00 冻结").wait_for()
        frozen = page.locator(".trend-table tbody tr").last
        assert "已存档" in await frozen.inner_text()

        # The picker: another month, by the form.
        await page.fill("#month", "2026-09")
        async with page.expect_navigation():
            await page.click(".month-pick button")
        assert page.url.endswith("/console/reports?month=2026-09")
        await page.get_by_role("heading", name="2026年9月售后服务月报").wait_for()
        href = await page.get_attribute("#download-csv", "href")
        assert href == "/api/reports/monthly.csv?month=2026-09"
        await context.close()


async def test_an_empty_month_says_no_data_and_a_bad_month_is_explained(desk_stack, browser, clock):
    clock.set(NOW)
    async with desk_stack() as stack:
        context, page = await signed_in(
            browser, stack, Role.SUPERVISOR, next_page="/console/reports?month=2025-01"
        )
        await page.get_by_role("heading", name="2025年1月售后服务月报").wait_for()
        assert await page.locator("svg.sla text.empty").text_content() == "暂无数据"
        assert await page.locator("svg rect.bar").count() == 0
        response = await page.goto(url(stack, "/console/reports?month=<b>13</b>"))
        assert response.status == 422
        alert = await page.get_by_role("alert").inner_text()
        assert "<b>13</b>" in alert and "上个月" in alert  # shown as text, not markup
        await page.get_by_role("heading", name="2026年10月售后服务月报").wait_for()
        await context.close()


async def test_a_dispatcher_is_refused_the_reports_page(desk_stack, browser):
    async with desk_stack() as stack:
        context, page = await signed_in(browser, stack, Role.DISPATCHER)
        response = await page.goto(url(stack, "/console/reports"))
        assert response.status == 403
        await page.get_by_text("无权访问").wait_for()
        assert await page.locator("svg").count() == 0
        await context.close()
