"""The dispatcher's desk in a real browser against the whole app (web chat, outbox
dispatcher and all): a customer files a repair in the web chat page, a dispatcher finds
it in the queue by the masked phone, opens it, assigns it to the suggested technician,
and the customer's web chat page shows the push. Also: filters and paging through the
GET form, a hostile ticket description shown as text, the judgement form only for
supervisors. Screenshots of the queue and the ticket page go to var/screenshots/."""

from __future__ import annotations

import re

import pytest

from backend.domain.kinds import Channel, TicketKind
from backend.domain.permissions import Role
from backend.services import transitions
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange
from tests.console.conftest import screenshot, signed_in, url
from tests.fixtures.staff import NAMES
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

XSS = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


async def _bot_says(page, text: str) -> None:
    await page.locator(".msg.bot", has_text=text).last.wait_for()


async def _customer_files_a_repair(browser, stack):
    context = await browser.new_context(locale="zh-CN")
    context.set_default_timeout(30_000)
    chat = await context.new_page()
    await chat.goto(url(stack, "/chat"))
    await chat.locator(".msg.bot").first.wait_for()
    steps = [
        ("我要报修", "描述一下故障"),
        ("空调不制冷了", "型号"),
        ("SNFREE0001", "地址"),
        ("北京市朝阳区建国路88号", "联系电话"),
        ("13812345678", "什么时间上门"),
    ]
    for said, asked in steps:
        await chat.fill("#text", said)
        await chat.click("form button[type=submit]")
        await _bot_says(chat, asked)
    await chat.locator(".buttons button", has_text="尽快安排").last.click()
    await _bot_says(chat, "请核对")
    await chat.locator(".buttons button", has_text="确认提交").last.click()
    await _bot_says(chat, "R2611-")
    text = await chat.locator(".msg.bot", has_text="R2611-").last.inner_text()
    number = re.search(r"R2611-\d{4}", text).group(0)
    return context, chat, number


async def test_a_dispatcher_assigns_from_the_queue_and_the_web_chat_shows_the_push(
    desk_stack, browser
):
    async with desk_stack() as stack:
        await seed_units(stack.desk)  # the customer's unit, and 刘师傅 (no region)
        customer, chat, number = await _customer_files_a_repair(browser, stack)

        context, page = await signed_in(browser, stack, Role.DISPATCHER)
        assert page.url.endswith("/console/queue")
        await page.fill("#q", "138****5678")  # the phone as the list shows it
        await page.click("#filters button[type=submit]")
        row = page.locator("tr.ticket", has_text=number)
        await row.wait_for()
        assert await page.locator("tr.ticket").count() == 1
        assert "138****5678" in await row.inner_text()
        assert "13812345678" not in await page.content()
        assert "上门时限" in await row.inner_text() and "剩余" in await row.inner_text()
        await screenshot(page, "desk-queue")

        await row.locator("a.number").click()
        await page.wait_for_url(f"**/console/tickets/{number}")
        await page.locator("#transcript", has_text="空调不制冷了").wait_for()
        assert "网页聊天" in await page.locator("#transcript").inner_text()
        first = page.locator(".suggestions li").first
        # the technician of the ticket's region (北京 covers 北京·朝阳) comes first
        assert NAMES["technician"] in await first.inner_text()
        assert "同区域" in await first.inner_text()
        assert await first.locator("input").is_checked()
        await screenshot(page, "desk-ticket")
        await page.click("#assign-form button[type=submit]")
        await page.locator("#status", has_text="已派工").wait_for()
        await page.locator("#technician", has_text=NAMES["technician"]).wait_for()
        await page.locator("#timeline", has_text="已派工").wait_for()
        await screenshot(page, "desk-ticket-assigned")

        # the outbox dispatcher delivers the status push to the customer's web chat
        await chat.locator(".msg.notice", has_text="已派工").wait_for()
        assert number in await chat.locator(".msg.notice", has_text="已派工").inner_text()
        await context.close()
        await customer.close()


async def test_filters_and_paging_through_the_get_form(desk_stack, browser):
    async with desk_stack() as stack:
        await seed_units(stack.desk)
        for i in range(28):
            await register(
                stack.desk,
                Registration(
                    kind=TicketKind.REPAIR, description=f"故障 {i}", phone=f"1390000{i:04d}"
                ),
            )
        await register(
            stack.desk,
            Registration(kind=TicketKind.COMPLAINT, description="态度差", phone="13700002222"),
        )
        context, page = await signed_in(browser, stack, Role.DISPATCHER)
        assert "共 29 张工单" in await page.locator("#summary").inner_text()
        await page.select_option("#f-kind", label="报修")
        await page.click("#filters button[type=submit]")
        await page.wait_for_url("**kind=repair**")
        assert "共 28 张工单，第 1 / 2 页" in await page.locator("#summary").inner_text()
        assert await page.locator("tr.ticket").count() == 25
        await page.click(".pager a[rel=next]")
        await page.wait_for_url("**page=2**")
        assert "kind=repair" in page.url  # the page link keeps the filter
        assert await page.locator("tr.ticket").count() == 3
        assert await page.locator("#f-kind").input_value() == "repair"
        await screenshot(page, "desk-queue-page2")
        await page.check("#f-breached")
        await page.click("#filters button[type=submit]")
        await page.locator(".empty", has_text="没有符合条件的工单").wait_for()
        await page.click("text=清除条件")
        await page.wait_for_url("**/console/queue")
        await page.fill("#q", "2222")
        await page.click("#filters button[type=submit]")
        await page.locator("tr.ticket", has_text="投诉").wait_for()
        assert await page.locator("tr.ticket").count() == 1
        await context.close()


async def test_a_hostile_description_is_text_and_the_judgement_is_the_supervisors(
    desk_stack, browser
):
    async with desk_stack() as stack:
        view = await register(
            stack.desk,
            Registration(
                kind=TicketKind.COMPLAINT,
                channel=Channel.API,
                description="师傅态度差 " + XSS,
                phone="13700002222",
            ),
        )
        number = view.number
        for status in ("acknowledged", "investigating"):
            await transitions.change_status(stack.desk, number, StatusChange(status))
        context, page = await signed_in(browser, stack, Role.DISPATCHER)
        dialogs = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        await page.goto(url(stack, f"/console/tickets/{number}"))
        description = page.locator("#description")
        assert "<script>window.pwned=1</script>" in await description.inner_text()
        assert "onerror" in await description.inner_text()
        assert await page.evaluate("window.pwned === undefined")
        assert await page.locator("#description script, #description img").count() == 0
        assert await page.locator("#judge-form").count() == 0  # a dispatcher: no judgement
        assert await page.locator("[name=outcome]").count() == 0
        await context.close()

        context, page = await signed_in(browser, stack, Role.SUPERVISOR)
        await page.goto(url(stack, f"/console/tickets/{number}"))
        await page.fill("#judge-form [name=outcome]", "已向客户道歉并对师傅进行培训")
        await page.fill("#judge-form [name=cause]", "服务态度")
        await page.fill("#judge-form [name=responsible_dept]", "售后服务部")
        await page.click("#judge-form button[type=submit]")
        await page.locator("#status", has_text="已处理完成").wait_for()
        await page.locator("#outcome", has_text="已向客户道歉").wait_for()
        assert await page.evaluate("window.pwned === undefined")
        assert dialogs == []
        await screenshot(page, "desk-complaint-judged")
        await context.close()
