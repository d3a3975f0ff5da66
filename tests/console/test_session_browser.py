"""The console's session in a real browser, as an attacker would probe it: the session
cookie is HttpOnly and SameSite=Strict (no script reads it, nothing sits in
localStorage), a write without the page's CSRF token is refused, and a note added on the
ticket page is recorded under the signed-in account, whatever actor a request names."""

from __future__ import annotations

import pytest

from backend.domain.kinds import Channel, TicketKind
from backend.domain.permissions import Role
from backend.services import listings
from backend.services.registration import Registration, register
from tests.console.conftest import signed_in, url

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def test_the_session_cannot_be_read_or_borrowed_and_notes_carry_the_account(
    desk_stack, browser
):
    async with desk_stack() as stack:
        view = await register(
            stack.desk,
            Registration(
                kind=TicketKind.REPAIR,
                channel=Channel.API,
                actor="test",
                description="热水器打不着火",
                phone="13812345678",
            ),
        )
        context, page = await signed_in(browser, stack, Role.DISPATCHER)
        (cookie,) = [c for c in await context.cookies() if c["name"] == "aftercare_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert await page.evaluate("document.cookie") == ""
        assert await page.evaluate("Object.keys(localStorage).length") == 0

        # the session alone, without the page's CSRF token, changes nothing
        refused = await page.evaluate(
            """async (path) => {
                const r = await fetch(path, {method: "POST",
                    headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({note: "伪造的备注", actor: "staff:boss"})});
                return [r.status, (await r.json()).error];
            }""",
            f"/api/tickets/{view.number}/notes",
        )
        assert refused == [403, "csrf_failed"]

        await page.goto(url(stack, f"/console/tickets/{view.number}"))
        await page.fill("#note-form textarea[name=note]", "已电话联系客户，明早上门")
        await page.click("#note-form button[type=submit]")
        await page.locator(".event", has_text="明早上门").wait_for()
        seen = await listings.ticket(stack.desk, view.number, None)
        notes = [(e.actor, e.note) for e in seen.events if e.action == "note"]
        assert notes == [("staff:test-dispatcher", "已电话联系客户，明早上门")]
        await context.close()
