"""Every role signs in through the console's form in a real browser and lands on its own
workplace, sees only the workplaces the permissions table gives it, and is refused a
page of another role's even by typing its address; a signed-out screen pop comes back
to its address after signing in; the sign-in page sends nobody to another site."""

from __future__ import annotations

import pytest

from backend.api.frame import nav_for
from backend.domain.permissions import ROLES, Role
from tests.console.conftest import screenshot, signed_in, url
from tests.fixtures.staff import PASSWORD, USERNAMES

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

CONSOLE_ROLES = [r for r in ROLES if r != Role.HOTLINE]  # a system's account: no pages


async def test_each_role_lands_on_its_workplace_and_sees_only_its_own(desk_stack, browser):
    async with desk_stack() as stack:
        for role in CONSOLE_ROLES:
            context, page = await signed_in(browser, stack, role)
            items = nav_for(role)
            assert page.url.endswith(items[0].path), (role, page.url)
            shown = await page.locator("header nav a").all_inner_texts()
            assert shown == [item.label for item in items], role
            await screenshot(page, f"landing-{role}")
            others = [i.path for i in nav_for(Role.SUPERVISOR) + nav_for(Role.ADMIN)]
            for path in sorted(set(others) - {i.path for i in items}):
                response = await page.goto(url(stack, path))
                assert response.status == 403, (role, path)
                await page.get_by_text("无权访问").wait_for()
            await page.goto(url(stack, items[0].path))
            await page.click("#logout")
            await page.wait_for_url("**/console/login")
            response = await page.goto(url(stack, items[0].path))
            assert "/console/login" in page.url  # signed out for real: the cookie is gone
            await context.close()


async def test_the_hotline_system_account_has_no_console(desk_stack, browser):
    async with desk_stack() as stack:
        context, page = await signed_in(browser, stack, Role.HOTLINE)
        await page.get_by_text("无权访问").wait_for()
        await context.close()


async def test_a_screen_pop_signed_out_comes_back_to_its_caller(desk_stack, browser):
    async with desk_stack() as stack:
        pop = "/console/caller?phone=13812345678"
        context, page = await signed_in(browser, stack, Role.AGENT, next_page=pop)
        assert page.url.endswith(pop)
        await context.close()


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/chat"]
)
async def test_the_sign_in_page_sends_nobody_to_another_site(desk_stack, browser, elsewhere):
    async with desk_stack() as stack:
        page_url = url(stack, "/console/login") + "?next=" + elsewhere
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(page_url)
        await page.fill("#username", USERNAMES[Role.DISPATCHER])
        await page.fill("#password", PASSWORD)
        async with page.expect_navigation():
            await page.click("button[type=submit]")
        assert page.url.startswith(url(stack, "/console/")), page.url
        await context.close()
