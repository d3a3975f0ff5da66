"""The hotline agent's screen pop in a real browser: the caller's units and open tickets
with their SLA clocks; a ticket filed from the call with its transcript, which the
telephony system's later post of the same call does not file again (and the other way
round); a new caller; no phone; and an attacker's phone number or customer name shown as
text. Roles without `callers` / `tickets.file` are refused the page and the API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.api.vocabulary import vocabulary
from backend.domain.permissions import Role
from backend.store.tables import Customer, HotlineCall, Message, Ticket, TicketEvent
from tests.console.conftest import screenshot, signed_in, url
from tests.fixtures.staff import headers, sign_in
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PHONE = "13812345678"  # seed_units' 王女士, owner of SNFREE0001 (in warranty)
CALL_ID = "400-20261123-0042"
TRANSCRIPT = "客服：您好，这里是售后服务热线。\n客户：我家空调开机不制冷，麻烦派师傅来看看\n"


async def _count(stack, stmt) -> int:
    return await stack.desk.db.read(lambda s: s.execute(stmt).scalar_one())


async def _open_repair(stack) -> str:
    resp = await stack.client.post(
        "/api/tickets",
        json={
            "kind": "repair",
            "description": "冰箱冷藏室结霜",
            "phone": PHONE,
            "serial_number": "SNFREE0001",
        },
        headers=headers("supervisor"),
    )
    assert resp.status == 201, await resp.text()
    return (await resp.json())["number"]


async def test_an_agent_files_the_call_once_however_it_comes(desk_stack, browser):
    async with desk_stack() as stack:
        await seed_units(stack.desk)
        earlier = await _open_repair(stack)
        pop = f"/console/caller?phone={PHONE}&call_id={CALL_ID}"
        context, page = await signed_in(browser, stack, Role.AGENT, next_page=pop)
        assert page.url.endswith(pop)
        units = page.locator("#units tr.unit")
        await units.first.wait_for()
        row = units.filter(has_text="SNFREE0001")
        await row.get_by_text("KFR-35GW/BpR3").wait_for()
        await row.get_by_text(vocabulary()["categories"]["free"]["label"]).wait_for()
        ticket = page.locator("#open-tickets tr.ticket", has_text=earlier)
        await ticket.wait_for()
        await ticket.locator(".clock", has_text="剩余").first.wait_for()
        await page.locator("#customer", has_text="王女士").wait_for()

        await page.select_option("#kind", "repair")
        await page.select_option("#serial", "SNFREE0001")
        assert await page.input_value("#address") == "北京市朝阳区建国路88号"
        await page.fill("#description", "空调开机不制冷，已持续两天")
        await page.fill("#transcript", TRANSCRIPT)
        await page.click("#file")
        filed = page.locator("#filed", has_text="已为本次来电登记")
        await filed.wait_for()
        number = await filed.get_attribute("data-number")
        await screenshot(page, "caller-screen-pop")

        # the telephony system posts the same call afterwards: no second ticket
        resp = await stack.client.post(
            "/hotline/calls",
            json={
                "call_id": CALL_ID,
                "caller": PHONE,
                "agent_id": "A017",
                "started_at": "2026-11-23T10:00:00+08:00",
                "transcript": TRANSCRIPT,
            },
            headers=headers("hotline"),
        )
        body = await resp.json()
        assert resp.status == 200, body
        assert body == {"number": number, "kind": "repair", "created": False, "duplicate": True}
        # and a second click on the page neither
        await page.click("#file")
        await page.locator("#filed", has_text="没有重复登记").wait_for()

        assert await _count(stack, select(func.count()).select_from(HotlineCall)) == 1
        hotline_tickets = select(func.count()).where(Ticket.channel == "hotline")
        assert await _count(stack, hotline_tickets) == 1
        row = await stack.desk.db.read(
            lambda s: s.execute(
                select(
                    Ticket.description, Ticket.address, Ticket.serial_number, Ticket.category
                ).where(Ticket.number == number)
            ).one()
        )
        assert tuple(row) == (
            "空调开机不制冷，已持续两天",
            "北京市朝阳区建国路88号",
            "SNFREE0001",
            "free",
        )
        actor = await stack.desk.db.read(
            lambda s: s.execute(
                select(TicketEvent.actor)
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(Ticket.number == number, TicketEvent.action == "registered")
            ).scalar_one()
        )
        assert actor == "staff:test-agent"  # the signed-in agent, not a body's claim
        turns = select(func.count()).where(Message.call_id == CALL_ID)
        assert await _count(stack, turns) == 2  # the transcript, attached once

        # the re-opened screen pop shows the new ticket among the open ones
        await page.reload()
        await page.locator("#open-tickets tr.ticket", has_text=number).wait_for()
        await context.close()


async def test_a_call_the_telephony_system_posted_first_is_not_filed_again(desk_stack):
    async with desk_stack() as stack:
        await seed_units(stack.desk)
        call = {
            "call_id": "400-first",
            "caller": PHONE,
            "agent_id": "A018",
            "started_at": "2026-11-23T10:00:00+08:00",
            "kind": "repair",
            "transcript": TRANSCRIPT,
        }
        first = await stack.client.post("/hotline/calls", json=call, headers=headers("hotline"))
        assert first.status == 201, await first.text()
        number = (await first.json())["number"]
        _, csrf = await sign_in(stack.client, Role.AGENT)
        again = await stack.client.post(
            "/api/calls",
            json={
                "call_id": "400-first",
                "caller": PHONE,
                "kind": "complaint",
                "description": "另一种说法",
                "transcript": TRANSCRIPT,
                "agent_id": "A017",
            },
            headers={"X-CSRF-Token": csrf},
        )
        assert again.status == 200, await again.text()
        assert (await again.json())["number"] == number
        assert await _count(stack, select(func.count()).select_from(Ticket)) == 1


async def test_a_new_caller_no_phone_and_a_hostile_number_or_name(desk_stack, browser):
    async with desk_stack() as stack:
        hostile_name = '<img src=x onerror="document.title=1">王先生'

        def unit(s):
            s.add(Customer(name=hostile_name, phone="13900001111", created_at=stack.desk.now()))

        await stack.desk.db.write(unit)
        context, page = await signed_in(browser, stack, Role.AGENT, next_page="/console/caller")
        await page.locator("#no-phone").wait_for()
        dialogs = []
        page.on("dialog", lambda d: dialogs.append(d))

        await page.fill("#phone-search", "13700002222")
        async with page.expect_navigation():
            await page.click(".search button[type=submit]")
        await page.locator("#new-caller", has_text="新来电").wait_for()
        await page.locator("#name").wait_for()  # a new caller's name goes with the ticket
        await screenshot(page, "caller-new-caller")

        hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
        await page.goto(url(stack, "/console/caller") + "?phone=" + _quote(hostile))
        await page.locator("#bad-phone .raw").wait_for()
        assert await page.locator("#bad-phone .raw").inner_text() == hostile
        assert await page.locator("main img, main script").count() == 0

        await page.goto(url(stack, "/console/caller?phone=13900001111"))
        await page.locator("#customer h2", has_text="王先生").wait_for()
        assert hostile_name in await page.locator("#customer h2").inner_text()
        assert await page.locator("main img").count() == 0
        assert dialogs == [] and await page.title() != "1"
        await context.close()


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.ADMIN])
async def test_roles_without_callers_are_refused_the_page_and_filing(desk_stack, role):
    async with desk_stack() as stack:
        _, csrf = await sign_in(stack.client, role)
        page = await stack.client.get(f"/console/caller?phone={PHONE}")
        assert page.status == 403
        resp = await stack.client.post(
            "/api/calls",
            json={"call_id": "x1", "caller": PHONE, "kind": "repair", "transcript": TRANSCRIPT},
            headers={"X-CSRF-Token": csrf},
        )
        assert resp.status == 403


async def test_the_hotline_systems_token_cannot_file_as_a_person(desk_stack):
    async with desk_stack() as stack:
        resp = await stack.client.post(
            "/api/calls",
            json={"call_id": "x2", "caller": PHONE, "kind": "repair", "transcript": TRANSCRIPT},
            headers=headers("hotline"),
        )
        assert resp.status == 403
        resp = await stack.client.get(f"/api/callers/{PHONE}", headers=headers("hotline"))
        assert resp.status == 403
