"""The technician's phone view in a real browser on a 390×800 phone screen: today's job
with its map and tel: links, 到达现场, then 完工 with a note and a photo from the phone;
the store has the ticket resolved by staff:test-technician with the note and the photo;
nothing scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.store.tables import Attachment, Ticket, TicketEvent
from tests.api.test_photos import png
from tests.console.conftest import screenshot, signed_in, url
from tests.fixtures.staff import headers

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PHONE = {"width": 390, "height": 800}
ADDRESS = "北京市朝阳区望京街道阜通东大街6号院3号楼1单元1802室"


async def _job(stack, **extra) -> str:
    client, boss = stack.client, headers("dispatcher")
    me = await (await client.get("/api/me", headers=headers("technician"))).json()
    body = {"kind": "repair", "description": "空调开机后不制冷，外机不转", **extra}
    created = await client.post("/api/tickets", json=body, headers=boss)
    assert created.status == 201, await created.text()
    number = (await created.json())["number"]
    assigned = await client.post(
        f"/api/tickets/{number}/assign", json={"technician_id": me["id"]}, headers=boss
    )
    assert assigned.status == 200, await assigned.text()
    return number


async def _no_sideways_scroll(page) -> None:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], width


async def test_a_technician_finishes_todays_job_from_the_phone(desk_stack, browser, tmp_path):
    async with desk_stack() as stack:
        today = stack.desk.today()
        number = await _job(
            stack,
            phone="13812345678",
            address=ADDRESS,
            requested_date=today.isoformat(),
            visit_time="下午两点到四点",
        )
        later = await _job(
            stack, phone="13987654321", requested_date=(today + timedelta(days=3)).isoformat()
        )
        context, page = await signed_in(
            browser, stack, "technician", viewport=PHONE, next_page="/console/jobs"
        )
        assert page.url.endswith("/console/jobs")
        card = page.locator(f'#today-h ~ article.job[data-number="{number}"]')
        await card.wait_for()
        await page.locator(f'#next-h ~ article.job[data-number="{later}"]').wait_for()
        assert await card.locator("a.tel").get_attribute("href") == "tel:13812345678"
        map_href = await card.locator("a.map").get_attribute("href")
        assert map_href.startswith("https://uri.amap.com/search?keyword=%E5%8C%97%E4%BA%AC")
        assert "已派工" in await card.inner_text() and "报修" in await card.inner_text()
        await _no_sideways_scroll(page)
        await screenshot(page, "jobs-phone-today")

        async with page.expect_navigation():
            await card.get_by_role("button", name="到达现场").click()
        card = page.locator(f'article.job[data-number="{number}"]')
        await card.get_by_text("师傅已上门").wait_for()
        await card.locator("summary", has_text="完工").click()
        form = card.locator('form[data-needs="photos"]')
        await form.locator("textarea").fill("更换了压缩机启动电容，试机制冷正常")
        await form.locator("input[type=file]").set_input_files(
            files=[{"name": "site.png", "mimeType": "image/png", "buffer": png(8, 8)}]
        )
        await _no_sideways_scroll(page)
        await screenshot(page, "jobs-phone-resolve")
        async with page.expect_navigation():
            await form.get_by_role("button", name="确认完工").click()
        await page.locator(f'article.job[data-number="{number}"]').wait_for(state="detached")
        await _no_sideways_scroll(page)
        await screenshot(page, "jobs-phone-after")

        def stored(session):
            ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
            event = session.execute(
                select(TicketEvent).where(
                    TicketEvent.ticket_id == ticket.id, TicketEvent.to_status == "resolved"
                )
            ).scalar_one()
            photos = (
                session.execute(select(Attachment.id).where(Attachment.ticket_id == ticket.id))
                .scalars()
                .all()
            )
            return ticket.status, event.actor, event.note, photos

        status, actor, note, photos = await stack.desk.db.read(stored)
        assert status == "resolved" and actor == "staff:test-technician"
        assert note == "更换了压缩机启动电容，试机制冷正常"
        assert len(photos) == 1  # the photo stays with the ticket, under the technician
        photo = await page.request.get(url(stack, f"/api/tickets/{number}/photos/{photos[0]}"))
        assert photo.status == 200 and photo.headers["content-type"] == "image/png"
        assert await photo.body() == png(8, 8)
        await context.close()
