"""A supervisor opens the reports page in a real browser (Playwright on Debian's
chromium): signs in through the console's form, sees the month's and the trend's charts
drawn as SVG with the report's data, downloads the XLSX and finds the API's figures in
it. A dispatcher is refused the page. Screenshots go to var/screenshots/."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.fixtures.browser import screenshot
from tests.fixtures.staff import PASSWORD, USERNAMES, headers
from tests.store.test_reports import seed

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


async def signed_in(browser, api, role: str):
    """A browser context signed in as `role` through the console's login form."""
    context = await browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    await page.goto(str(api.make_url("/console/login")))
    await page.fill("#username", USERNAMES[role])
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console")
    return context, page


async def test_a_supervisor_sees_the_charts_and_downloads_the_xlsx(api, clock, browser):
    await seed(api.desk.db)
    clock.set(NOW)
    report = await (
        await api.get("/api/reports/monthly?month=2026-10", headers=headers("supervisor"))
    ).json()
    context, page = await signed_in(browser, api, "supervisor")
    refused_by_csp = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused_by_csp.append(m))

    await page.goto(str(api.make_url("/console/reports?month=2026-10")))
    await page.locator("h2", has_text="2026年10月").wait_for()
    # The month's charts: one bar per clock, carrying the report's hit rates.
    bars = page.locator('svg[data-chart="sla"] rect.bar')
    assert await bars.count() == len(report["sla"])
    drawn = {
        await b.get_attribute("data-label"): await b.get_attribute("data-value")
        for b in await bars.all()
    }
    assert drawn["上门时限"] == str(report["sla"]["on_site"]["hit_rate"])
    causes = page.locator('svg[data-chart="causes"] rect.bar')
    assert await causes.count() == len(report["complaints"]["by_cause"])
    # The trend: 12 months on the axis, October's satisfaction point is the report's.
    point = page.locator('svg[data-chart="trend-satisfaction"] circle[data-month="2026-10"]')
    index = report["satisfaction"]["overall"]["satisfaction_index"]
    assert float(await point.get_attribute("data-value")) == index
    assert await page.locator("svg.chart").count() >= 9
    assert await page.locator('svg[data-chart="trend-sla"] text', has_text="25-11").count() == 1
    assert refused_by_csp == []
    await screenshot(page, "reports-supervisor-2026-10")

    async with page.expect_download() as started:
        await page.click("#download-xlsx")
    download = await started.value
    assert download.suggested_filename == "aftercare-report-2026-10.xlsx"
    sheet = load_workbook(io.BytesIO((await download.path()).read_bytes())).active
    cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert cells[("SLA 达标率", "上门时限 达标率")] == report["sla"]["on_site"]["hit_rate"]
    assert cells[("满意度", "全部 满意度指数")] == index
    await context.close()


async def test_a_dispatcher_is_refused_the_reports_page(api, browser):
    context, page = await signed_in(browser, api, "dispatcher")
    answer = await page.goto(str(api.make_url("/console/reports?month=2026-10")))
    assert answer.status == 403
    assert await page.locator("svg.chart").count() == 0
    await screenshot(page, "reports-dispatcher-refused")
    download = await page.request.get(str(api.make_url("/api/reports/monthly.xlsx?month=2026-10")))
    assert download.status == 403
    await context.close()
