"""The admin's pages in a real browser: the units-sold upload (a file with a bad row shows
that row's line number and reason and imports nothing; a clean file shows the counts) and
the staff accounts (add a technician with a region, disable an account, create a
Telegram binding link)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from backend.domain.permissions import Role
from backend.store.tables import AuditLog, Customer, Unit
from tests.console.conftest import screenshot, signed_in, url
from tests.store.seed import count
from tests.units.csvfiles import GOOD_ROWS, csv_of

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _file(data: bytes, name: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": data}


async def test_a_units_upload_with_a_bad_row_shows_it_and_imports_nothing(desk_stack, browser):
    async with desk_stack() as stack:
        context, page = await signed_in(
            browser, stack, Role.ADMIN, next_page="/console/admin/units"
        )
        assert page.url.endswith("/console/admin/units")
        header = await page.locator("#sample-header").inner_text()
        assert header.startswith("serial_number,model,product_name,")
        customers_before = await count(stack.desk.db, Customer)
        bad = csv_of(GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[2].replace("suburb", "rural"))
        await page.set_input_files("#units-file", _file(bad, "bad.csv"))
        await page.click("#units-upload")
        errors = page.locator("#units-errors")
        await expect(errors).to_be_visible()
        rows = page.locator("#errors-rows tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first.locator("td").first).to_have_text("第 4 行")
        await expect(rows.first.locator("td").nth(1)).to_contain_text("region_class 应为")
        await expect(page.locator("#errors-message")).to_contain_text("未导入任何数据")
        await expect(page.locator("#units-result")).to_be_hidden()
        await screenshot(page, "admin-units-refused")
        assert await count(stack.desk.db, Unit) == 0
        assert await count(stack.desk.db, Customer) == customers_before

        await page.set_input_files("#units-file", _file(csv_of(*GOOD_ROWS), "units.csv"))
        await page.click("#units-upload")
        await expect(page.locator("#units-result")).to_be_visible()
        await expect(page.locator("#units-errors")).to_be_hidden()
        await expect(page.locator("#result-created")).to_have_text("4")
        await expect(page.locator("#result-rows")).to_have_text("4")
        await expect(page.locator("#result-file")).to_have_text("units.csv")
        assert await count(stack.desk.db, Unit) == 4
        assert await count(stack.desk.db, AuditLog) >= 1
        await page.reload()
        recent = page.locator("section", has_text="最近的导入").locator("tbody tr")
        await expect(recent).to_have_count(1)
        await screenshot(page, "admin-units-imported")
        await context.close()


async def test_the_units_page_is_the_admins_only(desk_stack, browser):
    async with desk_stack() as stack:
        context, page = await signed_in(browser, stack, Role.SUPERVISOR)
        response = await page.goto(url(stack, "/console/admin/units"))
        assert response.status == 403
        await context.close()
