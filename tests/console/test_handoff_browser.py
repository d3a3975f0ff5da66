"""The hand-off inbox in a real browser: a customer in the web chat asks for a person
with the menu's button; the dispatcher's inbox (already open) shows the chat without a
reload, then the customer's next message; the dispatcher's reply appears in the
customer's page; hand-back gives the chat to the bot again. And the roles without
`chats` are refused the page and the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.domain.permissions import Role
from backend.services import texts
from backend.store.tables import Conversation, Message
from tests.console.conftest import WAIT_MS, screenshot, signed_in, url
from tests.fixtures.staff import sign_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

REPLY = "您好，我是客服小李，漏水的情况我已记下，马上为您安排师傅上门。"


async def test_a_dispatcher_answers_a_web_chat_handed_to_a_person(desk_stack, browser):
    async with desk_stack() as stack:  # NLU down: the bot answers with its menu buttons
        staff, inbox = await signed_in(
            browser, stack, Role.DISPATCHER, next_page="/console/handoff"
        )
        await inbox.get_by_text("目前没有等待人工的会话").wait_for()

        customer = await browser.new_context(locale="zh-CN")
        customer.set_default_timeout(WAIT_MS)
        chat = await customer.new_page()
        await chat.goto(url(stack, "/chat"))
        await chat.locator(".buttons button", has_text="转人工客服").first.click()
        await chat.locator(".msg.bot", has_text="转接人工客服").wait_for()
        (cookie,) = [c for c in await customer.cookies() if c["name"] == "aftercare_chat"]
        session = cookie["value"].split(".")[0]

        # the waiting chat appears in the open inbox by itself; it is the web chat
        entry = inbox.locator("#waiting button.chat")
        await entry.wait_for()
        assert await entry.get_attribute("data-chat") == session
        await inbox.locator("#waiting .tag.channel", has_text="网页").wait_for()
        await inbox.locator("#waiting .waited", has_text="已等待").wait_for()
        await entry.click()
        await inbox.locator("#transcript .speaker-bot", has_text="转接人工客服").wait_for()
        # the tap reads as what the button said, not as its payload code
        tap = inbox.locator("#transcript .dir-in .text", has_text="（点选了按钮）")
        assert await tap.first.inner_text() == "（点选了按钮）转人工"

        await chat.fill("#text", "我家空调一直在漏水，能尽快派人来看看吗")
        await chat.click("form button[type=submit]")
        said = inbox.locator("#transcript .dir-in", has_text="一直在漏水")
        await said.wait_for()  # polled in: the inbox page was not reloaded
        await screenshot(inbox, "handoff-inbox")

        await inbox.fill("#reply-text", REPLY)
        await inbox.click("#send")
        await inbox.locator("#transcript .speaker-staff", has_text="客服小李").wait_for()
        await chat.locator(".msg.staff", has_text="客服小李").wait_for()
        await screenshot(chat, "handoff-customer-web-chat")

        await inbox.click("#handback")
        await inbox.get_by_text("该会话已交还机器人").wait_for()
        await inbox.locator("#no-waiting").wait_for()
        await chat.locator(".msg.notice", has_text=texts.HANDED_BACK[:8]).wait_for()
        await screenshot(inbox, "handoff-handed-back")

        conv = await stack.desk.db.read(
            lambda s: s.execute(
                select(Conversation).where(
                    Conversation.channel == "web", Conversation.external_id == session
                )
            ).scalar_one()
        )
        assert conv.handed_off is False
        staff_lines = await stack.desk.db.read(
            lambda s: (
                s.execute(
                    select(Message.text).where(
                        Message.external_id == session, Message.speaker == "staff"
                    )
                )
                .scalars()
                .all()
            )
        )
        assert staff_lines == [REPLY]
        await customer.close()
        await staff.close()


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AGENT, Role.ADMIN])
async def test_roles_without_chats_see_neither_the_inbox_nor_the_chats(desk_stack, role):
    async with desk_stack() as stack:
        client = stack.client
        _, csrf = await sign_in(client, role)
        assert csrf
        page = await client.get("/console/handoff")
        assert page.status == 403
        assert "无权访问" in await page.text()
        for path in ("/api/chats/handoff", "/api/chats/web/w-1/transcript"):
            resp = await client.get(path)
            assert resp.status == 403, path
        resp = await client.post(
            "/api/chats/web/w-1/reply", json={"text": "你好"}, headers={"X-CSRF-Token": csrf}
        )
        assert resp.status == 403
