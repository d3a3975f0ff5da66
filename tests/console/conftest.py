"""Console pages in a real browser: Playwright for Python driving Debian's `chromium`
(through `executable_path`: nothing is downloaded), against the whole app as
`aftercare run` builds it (tests/bot/harness.py), on a real port.

- `browser`: a headless Chromium, one per test.
- `desk_stack`: the running app (web chat included) with one account per role.
- `signed_in(browser, stack, role, viewport=None)`: a new browser context signed in as
  that role through the sign-in form; returns (context, page) on the role's landing page.
- `screenshot(page, name)`: saves `var/screenshots/<name>.png` (the main pages of every
  run, for people to look at; nothing compares them).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bot.harness import running, settings_for
from tests.fixtures.staff import PASSWORD, USERNAMES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WAIT_MS = 30_000  # a page may take long on a loaded 2-core machine: not a timing check

playwright_api = pytest.importorskip("playwright.async_api")


@pytest.fixture
async def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/system-deps installs it)")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        await browser.close()


@pytest.fixture
def desk_stack(db, clock, tmp_path):
    """`async with desk_stack(**settings) as stack:` the running app; `stack.url(path)`."""

    def make(**extra):
        return running(settings_for(db.url, None, None, "x", tmp_path, **extra), clock, None)

    return make


def url(stack, path: str) -> str:
    return str(stack.client.make_url(path))


async def signed_in(browser, stack, role: str, *, viewport: dict | None = None, next_page=None):
    """A browser context signed in as `role` through the form; (context, page)."""
    options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
    if viewport:
        options.update(viewport=viewport, is_mobile=True, has_touch=True)
    context = await browser.new_context(**options)
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    start = "/console/login" if next_page is None else next_page
    await page.goto(url(stack, start))
    await page.fill("#username", USERNAMES[role])
    await page.fill("#password", PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    return context, page


async def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
