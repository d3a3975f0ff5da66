"""The web chat page in a real browser (Playwright driving Debian's chromium) against the
running app: the page gets its session cookie, sends a message and shows the reply, and
a message pushed to its session appears with its buttons, which work when tapped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.store.tables import Message
from tests.fixtures.db import opened

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def test_the_page_chats_on_its_cookie_and_shows_pushed_buttons(stack_factory, browser):
    async with stack_factory() as stack:  # NLU down: the bot answers with its buttons
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(str(stack.client.make_url("/chat")))
        # the page says 你好 by itself; the bot answers with the menu
        await page.locator(".msg.bot").first.wait_for()
        (cookie,) = [c for c in await context.cookies() if c["name"] == "aftercare_chat"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert await page.evaluate("document.cookie") == ""  # the script never sees it
        session = cookie["value"].split(".")[0]
        await page.fill("#text", "我要报修")
        await page.click("form button[type=submit]")
        await page.locator(".msg.bot", has_text="描述一下故障").wait_for()
        async with opened(stack.desk.db) as s:  # what the dispatcher writes for a survey
            s.add(
                Message(
                    channel="web",
                    external_id=session,
                    direction="out",
                    speaker="system",
                    text="请为师傅的服务态度打分：",
                    buttons=[
                        {"title": "很满意", "payload": "/greet"},
                        {"title": "不满意", "payload": "/thanks"},
                    ],
                    at=stack.desk.now(),
                )
            )
        await page.locator(".msg.notice", has_text="服务态度").wait_for(timeout=20_000)
        button = page.locator(".buttons button", has_text="很满意")
        await button.wait_for()
        await button.click()  # the page sends the button's payload as the message
        await page.locator(".msg.me", has_text="很满意").wait_for()
        async with opened(stack.desk.db) as s:
            said = (
                (
                    await s.execute(
                        select(Message.text).where(
                            Message.external_id == session, Message.direction == "in"
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert said[:2] == ["你好", "我要报修"]
        await context.close()
