"""The misunderstood-message inbox in a real browser: messages the NLU fell back on
(kept through backend/services/nlu_inbox.py, masked) appear grouped by their likely
intent under Chinese labels with a count of waiting ones per group; one click labels a
message through the API, the page marks it without a reload and the store has the
label; another intent is given from the select; a dispatcher is refused the page."""

from __future__ import annotations

import pytest

from backend.domain.permissions import Role
from backend.services import nlu_inbox
from backend.services.chat_api import Miss
from backend.services.texts import INTENT_ZH
from nlu.client import FALLBACK_INTENT
from tests.console.conftest import screenshot, signed_in, url

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

FAULT = "电话13812345678 那个东西又那样了，能来看看吗"
FAULT_RANKING = ((FALLBACK_INTENT, 0.4), ("report_fault", 0.38), ("complain", 0.2))
LATE = "都第三天了还没人来 <img src=x onerror=alert(1)>"
LATE_RANKING = ((FALLBACK_INTENT, 0.45), ("complain", 0.31), ("expedite", 0.3))


async def _keep(desk, text, ranking, channel="web", times=1):
    for _ in range(times):
        miss = Miss(text=text, ranking=ranking, model="nlu-test.tar.gz")
        await desk.db.write(nlu_inbox.keep, miss, channel, desk.now())


async def test_a_supervisor_labels_a_fallen_back_message_with_one_click(desk_stack, browser):
    async with desk_stack() as stack:
        await _keep(stack.desk, FAULT, FAULT_RANKING, times=2)
        await _keep(stack.desk, LATE, LATE_RANKING, channel="telegram")
        context, page = await signed_in(browser, stack, Role.SUPERVISOR, next_page="/console/nlu")
        await page.get_by_role("heading", name="未识别消息").wait_for()
        assert await page.locator("#waiting-total").inner_text() == "2"

        fault = page.locator("section.intent-group", has=page.get_by_text("可能是：报修"))
        assert await fault.locator(".tag.waiting").inner_text() == "1 条待标注"
        item = fault.locator("li.item")
        text = await item.locator(".text").inner_text()
        assert "138****5678" in text and "13812345678" not in text  # masked
        assert "出现 2 次" in await item.locator(".meta").inner_text()
        complaint = page.locator("section.intent-group", has=page.get_by_text("可能是：投诉"))
        # The hostile text is text, not markup.
        assert "<img src=x" in await complaint.locator(".text").inner_text()
        assert await page.locator("li.item img").count() == 0
        await screenshot(page, "nlu-supervisor")

        await item.get_by_role("button", name="标为“报修”").click()
        await item.locator(".done", has_text="已标注为：报修").wait_for()
        assert await fault.locator(".tag.waiting").inner_text() == "0 条待标注"
        assert await page.locator("#waiting-total").inner_text() == "1"
        await fault.get_by_text("本组已全部标注").wait_for()
        assert await item.get_by_role("button", name="标为“报修”").is_disabled()

        # Another intent than the likely one, from the select.
        other = complaint.locator("li.item")
        await other.locator("select.other").select_option(label=INTENT_ZH["expedite"])
        await other.get_by_role("button", name="标注", exact=True).click()
        await other.locator(".done", has_text="已标注为：催单").wait_for()
        assert await page.locator("#waiting-total").inner_text() == "0"

        labelled = await nlu_inbox.items(stack.desk, labelled=True)
        assert {(i.text.split()[0][:2], i.label, i.labelled_by) for i in labelled} == {
            ("电话", "report_fault", "staff:test-supervisor"),
            ("都第", "expedite", "staff:test-supervisor"),
        }
        assert await nlu_inbox.items(stack.desk) == []

        await page.reload()
        await page.get_by_text("目前没有待标注的消息").wait_for()
        await page.get_by_role("link", name="已标注").click()
        await page.get_by_text("已标注为：催单").wait_for()
        assert await page.locator("li.item").count() == 2
        await context.close()


async def test_a_message_with_no_guess_is_grouped_as_undecided(desk_stack, browser):
    async with desk_stack() as stack:
        await _keep(stack.desk, "嗯嗯那个", ((FALLBACK_INTENT, 0.9),))
        context, page = await signed_in(browser, stack, Role.SUPERVISOR, next_page="/console/nlu")
        group = page.locator("section.intent-group", has=page.get_by_text("未能判断"))
        item = group.locator("li.item")
        assert await item.locator("button.one-click").count() == 0
        await item.get_by_role("button", name="标注", exact=True).click()
        await page.get_by_text("请先选择一个意图").wait_for()  # nothing chosen: nothing sent
        assert await nlu_inbox.items(stack.desk, labelled=True) == []
        await item.locator("select.other").select_option(label=INTENT_ZH["out_of_scope"])
        await item.get_by_role("button", name="标注", exact=True).click()
        await item.locator(".done", has_text="与售后无关").wait_for()
        (done,) = await nlu_inbox.items(stack.desk, labelled=True)
        assert done.label == "out_of_scope"
        await context.close()


async def test_a_dispatcher_is_refused_the_inbox(desk_stack, browser):
    async with desk_stack() as stack:
        await _keep(stack.desk, FAULT, FAULT_RANKING)
        context, page = await signed_in(browser, stack, Role.DISPATCHER)
        response = await page.goto(url(stack, "/console/nlu"))
        assert response.status == 403
        await page.get_by_text("无权访问").wait_for()
        assert "138****5678" not in await page.content()
        await context.close()
