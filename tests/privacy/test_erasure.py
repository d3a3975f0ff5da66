"""`aftercare customer erase PHONE` and its API: after it the customer's phone, name and
address are nowhere in the store (every column of every table) nor in the photo folder,
the month's report is unchanged, and the audit log says who erased whom and when."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from backend.domain.errors import NotFound, ValidationFailed
from backend.services import audit, erasure, surveys, verification
from backend.services.erasure import erase_customer
from backend.services.reports import monthly_report
from backend.services.surveys import handle_survey_input
from backend.services.transitions import StatusChange, change_status
from backend.store.tables import AuditLog, Customer, HotlineCall, Notification, Ticket
from tests.bot.harness import STAFF
from tests.cli.test_commands import aftercare
from tests.privacy.helpers import (
    api_complaint,
    dump,
    figures,
    file_repair_by_chat,
    files_under,
    hotline_call,
)
from tests.store.seed import seed_units

PHONE, NAME, ADDRESS = "13812345678", "王女士", "北京市朝阳区建国路88号"
# Another customer, whose data must stay: proves the search below finds what is there.
OTHER_PHONE, OTHER_NAME, OTHER_ADDRESS = "13700001111", "李先生", "海淀区中关村大街1号"
MONTH = "2026-11"


async def _populate(stack) -> dict:
    """The customer everywhere: two Telegram chats (one filed a repair with a photo and
    answered the survey with a comment, one shared the phone and is bound), a web chat
    left mid-form, a hotline call and a serious complaint filed by staff with a note."""
    desk = stack.desk
    seed = await seed_units(desk)  # 王女士 13812345678, a unit at ADDRESS
    filed = stack.driver("telegram", 701)
    number = await file_repair_by_chat(filed, address=ADDRESS, phone=PHONE)
    await close_and_survey(stack, number, seed["technician"], chat="701")

    bound = stack.driver("telegram", 702)
    await bound.say("你好")
    await bound.share_phone("+86" + PHONE)

    left = stack.driver("web", 703)
    await left.say("你好")
    await left.tap("我要报修")
    await left.say("冰箱漏水")
    await left.say("BCD-256WDPM")
    await left.say(ADDRESS)
    await left.say(PHONE)  # then the customer walked away
    seed["web_chat"] = left.chat
    await verification.send_code(desk, "web", left.chat, PHONE)  # a code row names the phone

    await hotline_call(desk, "call-1", PHONE, f"我是{NAME}，地址{ADDRESS}，空调又坏了")
    await api_complaint(
        desk, phone=PHONE, name=NAME, address=ADDRESS, note=f"已回电{NAME}，{PHONE}"
    )

    other = stack.driver("telegram", 704)
    await file_repair_by_chat(other, address=OTHER_ADDRESS, phone=OTHER_PHONE)
    await api_complaint(
        desk, phone="13700002222", name=OTHER_NAME, address=OTHER_ADDRESS, note="已回电"
    )
    return seed


async def close_and_survey(stack, number: str, technician_id: int, chat: str) -> None:
    desk = stack.desk
    await close_resolved(desk, number, technician_id)
    stack.clock.advance(hours=3)
    assert await surveys.send_due(desk) == 1
    for _ in range(4):
        await handle_survey_input(desk, "telegram", chat, "很满意")
    await handle_survey_input(desk, "telegram", chat, f"{NAME}很满意，有事打{PHONE}")


async def close_resolved(desk, number, technician_id):
    """Up to resolved: the answered survey closes the ticket."""
    await change_status(desk, number, StatusChange("dispatched", technician_id=technician_id))
    await change_status(desk, number, StatusChange("on_site"))
    await change_status(desk, number, StatusChange("resolved"))


async def test_erased_customer_is_nowhere_and_the_report_is_unchanged(
    stack_factory, fake_tg, clock, tmp_path
):
    async with stack_factory(fake=fake_tg) as stack:
        stack.clock = clock
        seed = await _populate(stack)
        desk = stack.desk
        photos = tmp_path / "attachments"
        before = await dump(desk.db)
        for secret in (PHONE, NAME, ADDRESS, OTHER_PHONE, OTHER_NAME, OTHER_ADDRESS):
            assert secret in before  # the data was there to erase
        assert len(files_under(photos)) == 2
        report_before = await monthly_report(desk, MONTH)

        erased = await erase_customer(desk, "138 1234 5678", actor="admin:zhang")

        after = await dump(desk.db)
        for secret in (PHONE, NAME, ADDRESS, "建国路88号"):
            assert secret not in after, secret
        for kept in (OTHER_PHONE, OTHER_NAME, OTHER_ADDRESS):
            assert kept in after, kept
        (left,) = files_under(photos)  # the other customer's photo only
        assert PHONE.encode() not in left.read_bytes()
        assert figures(await monthly_report(desk, MONTH)) == figures(report_before)
        assert erased.customer_id == seed["customer"] and erased.files_removed == 1
        assert erased.tickets == 3 and erased.hotline_calls == 1 and erased.chats == 3

        def entries(session):
            stmt = select(AuditLog).where(AuditLog.action == erasure.ACTION)
            return [(e.actor, e.subject, e.at, e.detail) for e in session.scalars(stmt)]

        ((actor, subject, at, detail),) = await desk.db.read(entries)
        assert (actor, subject, at) == ("admin:zhang", f"customer:{seed['customer']}", clock.now())
        assert detail["tickets"] == 3

        def facts(session):
            tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
            calls = session.scalars(select(HotlineCall)).all()
            return [(t.kind, t.status, t.category, t.region) for t in tickets], calls

        tickets, (call,) = await desk.db.read(facts)
        assert tickets[0][:2] == ("repair", "closed") and call.caller == erasure.ERASED_CALLER

        # Nothing is sent to the erased chats any more, and a second erasure finds no one.
        def unsent(session):
            stmt = select(Notification).where(
                Notification.audience == "customer", Notification.status == "pending"
            )
            return [n.chat_id for n in session.scalars(stmt)]

        erased = ("701", "702", seed["web_chat"])
        assert all(chat not in erased for chat in await desk.db.read(unsent))
        with pytest.raises(NotFound):
            await erase_customer(desk, PHONE, actor="admin:zhang")


async def test_a_failed_erasure_changes_nothing(
    stack_factory, fake_tg, clock, tmp_path, monkeypatch
):
    async with stack_factory(fake=fake_tg) as stack:
        desk = stack.desk
        await seed_units(desk)
        await file_repair_by_chat(stack.driver("telegram", 711), address=ADDRESS, phone=PHONE)
        before = await dump(desk.db)

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(audit, "record", broken)
        with pytest.raises(RuntimeError):
            await erase_customer(desk, PHONE, actor="admin:zhang")
        assert await dump(desk.db) == before
        assert len(files_under(tmp_path / "attachments")) == 1  # removed only after commit


async def test_bad_requests_are_refused_clearly(desk):
    with pytest.raises(ValidationFailed):
        await erase_customer(desk, "not a phone", actor="admin")
    with pytest.raises(NotFound):
        await erase_customer(desk, PHONE, actor="admin")

    def count(session):
        return len(session.scalars(select(AuditLog)).all())

    assert await desk.db.read(count) == 0


async def test_the_api_erases_and_answers_404_for_an_unknown_phone(stack_factory):
    async with stack_factory() as stack:
        seed = await seed_units(stack.desk)
        client = stack.client
        resp = await client.post("/api/customers/erase", json={"phone": PHONE})
        assert resp.status == 401
        resp = await client.post(
            "/api/customers/erase", json={"phone": PHONE, "actor": "zhang"}, headers=STAFF
        )
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert body["customer_id"] == seed["customer"] and body["units"] == 1
        resp = await client.post("/api/customers/erase", json={"phone": PHONE}, headers=STAFF)
        assert resp.status == 404 and (await resp.json())["error"] == "not_found"
        resp = await client.post("/api/customers/erase", json={}, headers=STAFF)
        assert resp.status == 422

        def customer(session):
            c = session.get(Customer, seed["customer"])
            return c.phone, c.name

        assert await stack.desk.db.read(customer) == (None, None)


async def test_the_cli_erases_end_to_end(desk, tmp_path):
    seed = await seed_units(desk)
    await api_complaint(desk, phone=PHONE, name=NAME, address=ADDRESS, note="已回电")
    out = aftercare(
        "customer", "erase", PHONE, "--actor", "zhang", database_url=desk.db.url, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert (printed["customer_id"], printed["tickets"]) == (seed["customer"], 1)
    for secret in (PHONE, NAME, ADDRESS):
        assert secret not in await dump(desk.db)
    again = aftercare("customer", "erase", PHONE, database_url=desk.db.url, cwd=tmp_path)
    assert again.returncode == 1 and "没有手机号为 138****5678 的客户" in again.stderr
    bad = aftercare("customer", "erase", "12", database_url=desk.db.url, cwd=tmp_path)
    assert bad.returncode == 2
