"""The admin's pages in a real browser: the units-sold upload (a file with a bad row shows
that row's line number and reason and imports nothing; a clean file shows the counts) and
the staff accounts (add a technician with a region, disable an account, create a
Telegram binding link)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from backend.domain.permissions import Role
from backend.services.accounts import password_ok
from backend.store.tables import AuditLog, Customer, Staff, Unit
from tests.console.conftest import screenshot, signed_in, url
from tests.fixtures.staff import USERNAMES
from tests.store.seed import count, one_of
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


async def _staff(stack, username: str) -> Staff | None:
    return await one_of(stack.desk.db, select(Staff).where(Staff.username == username))


async def test_the_admin_adds_a_technician_disables_an_account_and_makes_a_binding_link(
    desk_stack, browser
):
    async with desk_stack(telegram_bot_username="aftercare_bot") as stack:
        context, page = await signed_in(
            browser, stack, Role.ADMIN, next_page="/console/admin/staff"
        )
        page.on("dialog", lambda dialog: dialog.accept())
        row = page.locator(f"tr[data-username='{USERNAMES[Role.DISPATCHER]}']")
        await expect(row.locator("select.role option:checked")).to_have_text("调度")
        await expect(row.locator(".telegram")).to_have_text("未绑定")

        await page.fill("#new-username", "wang.shifu")
        await page.fill("#new-name", "王师傅")
        await page.select_option("#new-role", "technician")
        await page.fill("#new-region", "北京·大兴")
        await page.click("#gen-password")
        password = await page.input_value("#new-password")
        assert len(password) == 12
        await page.click("#add-staff")
        added = page.locator("tr[data-username='wang.shifu']")
        await expect(added.locator(".name")).to_have_text("王师傅")
        await expect(added.locator("select.role option:checked")).to_have_text("师傅")
        await expect(added.locator("input.region")).to_have_value("北京·大兴")
        await expect(page.locator("#new-password-once")).to_contain_text(password)
        staff = await _staff(stack, "wang.shifu")
        assert (staff.role, staff.region, staff.active) == ("technician", "北京·大兴", True)
        assert password_ok(staff.password_hash, password)
        await page.reload()
        await expect(page.locator("#new-password-once")).to_be_hidden()  # shown once

        # Change the region; disable the dispatcher's account.
        await added.locator("input.region").fill("北京·朝阳")
        await added.locator("button.save").click()
        await expect(page.locator("#toast")).to_have_text("已保存")
        assert (await _staff(stack, "wang.shifu")).region == "北京·朝阳"
        await row.locator("button.disable").click()
        await expect(row.locator(".state")).to_have_text("已停用")
        assert (await _staff(stack, USERNAMES[Role.DISPATCHER])).active is False

        await added.locator("button.link").click()
        link = page.locator("#link-url")
        await expect(link).to_contain_text("https://t.me/aftercare_bot?start=bind_")
        await expect(page.locator("#link-who")).to_have_text("王师傅")
        await screenshot(page, "admin-staff")
        await context.close()


async def test_the_audit_log_page_filters_and_shows_chinese_labels(desk_stack, browser):
    async with desk_stack() as stack:
        context, page = await signed_in(browser, stack, Role.ADMIN, next_page="/console/audit")
        await expect(
            page.locator("#audit-table tr[data-action='login'] .action").first
        ).to_have_text("登录")
        actor = f"staff:{USERNAMES[Role.ADMIN]}"
        await expect(page.locator("#audit-table .actor").first).to_contain_text("测试管理员")
        await page.select_option("#f-action", "units.import")
        await page.click("#audit-filter button[type=submit]")
        await expect(page.locator(".empty")).to_have_text("没有符合条件的记录。")
        await page.select_option("#f-action", "login*")
        await page.fill("#f-actor", actor)
        await page.click("#audit-filter button[type=submit]")
        rows = page.locator("#audit-table tbody tr")
        await expect(rows.first).to_be_visible()
        for action in await rows.evaluate_all("rows => rows.map(r => r.dataset.action)"):
            assert action.startswith("login")
        assert "actor=staff%3A" in page.url
        await screenshot(page, "audit-log")
        await context.close()
