"""Against the running staff API on SQLite and PostgreSQL: a serious complaint filed again
pages the supervisors once an hour at most; an over-long value for every stored field is
a clear 422 that writes nothing (PostgreSQL would raise DataError at the column); a
forced store error leaves no phone or address in the log."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import func, select, text

from backend import logs
from backend.domain.fields import FIELDS
from backend.store.tables import Customer, Notification, Ticket, TicketEvent
from tests.api.conftest import STAFF
from tests.fixtures.db import opened
from tests.store.seed import count, seed_units

PHONE = "13912345678"
ADDRESS = "上海市浦东新区张江路1388号5栋1203室"


async def _pages(db) -> int:
    async with opened(db) as s:
        stmt = select(func.count()).where(
            Notification.kind == "escalation", Notification.audience == "staff"
        )
        return (await s.execute(stmt.select_from(Notification))).scalar()


async def _complain(api, what: str = "师傅把我家地板弄坏了还骂人") -> dict:
    body = {"kind": "complaint", "description": what, "severity": "serious", "phone": PHONE}
    resp = await api.post("/api/tickets", json=body, headers=STAFF)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_a_serious_complaint_repeated_pages_once_an_hour(api, clock):
    await seed_units(api.desk)  # one supervisor on Telegram
    await _complain(api)
    assert await _pages(api.desk.db) == 1
    clock.advance(minutes=10)
    again = await _complain(api, "地板的事还是没人管，我再投诉一次")
    clock.advance(minutes=40)
    await _complain(api, "第三次投诉地板的事")
    assert await _pages(api.desk.db) == 1  # filed three times within the hour: one page
    async with opened(api.desk.db) as s:  # still on the record of the repeated one
        stmt = select(TicketEvent.note).join(Ticket).where(Ticket.number == again["number"])
        notes = (await s.execute(stmt.where(TicketEvent.action == "escalated"))).scalars().all()
    assert notes and "not paged again" in notes[0]
    clock.advance(minutes=11)  # an hour after the page
    await _complain(api, "一个多小时了还没人联系我")
    assert await _pages(api.desk.db) == 2


TICKET_FIELDS = {
    "description": "description",
    "phone": "phone",
    "name": "name",
    "serial_number": "serial_number",
    "product_model": "product_model",
    "address": "address",
    "region": "region",
    "visit_time": "visit_time",
    "cause": "cause",
}


def _too_long(field: str) -> str:
    if field == "phone":
        return "1" * (FIELDS["phone"].size + 1)
    return "长" * (FIELDS[field].size + 1)


@pytest.mark.parametrize("body_field", sorted(TICKET_FIELDS))
async def test_an_over_long_ticket_field_is_a_clear_422(api, body_field):
    body = {"kind": "repair", "description": "洗衣机漏水", "phone": PHONE}
    body[body_field] = _too_long(TICKET_FIELDS[body_field])
    resp = await api.post("/api/tickets", json=body, headers=STAFF)
    assert resp.status == 422, await resp.text()
    answer = await resp.json()
    assert answer["error"] == "validation_failed" and "longer than" in answer["message"]
    assert await count(api.desk.db, Ticket) == 0 and await count(api.desk.db, Customer) == 0


async def test_over_long_values_of_the_staff_actions_are_clear_422s(api):
    await seed_units(api.desk)
    created = await api.post(
        "/api/tickets", json={"kind": "complaint", "description": "态度差"}, headers=STAFF
    )
    number = (await created.json())["number"]
    events = await count(api.desk.db, TicketEvent)
    cases = [
        (f"/api/tickets/{number}/notes", {"note": _too_long("note")}),
        (f"/api/tickets/{number}/status", {"status": "acknowledged", "note": _too_long("note")}),
        (
            f"/api/tickets/{number}/status",
            {"status": "investigating", "cause": _too_long("cause")},
        ),
        (
            f"/api/tickets/{number}/status",
            {"status": "investigating", "responsible_dept": _too_long("responsible_dept")},
        ),
        (
            f"/api/tickets/{number}/status",
            {"status": "resolved", "outcome": _too_long("outcome")},
        ),
        (f"/api/tickets/{number}/expedite", {"note": _too_long("note")}),
    ]
    for path, body in cases:
        resp = await api.post(path, json=body, headers=STAFF)
        assert resp.status == 422, (path, body, await resp.text())
        assert (await resp.json())["error"] == "validation_failed"
    assert await count(api.desk.db, TicketEvent) == events  # nothing half-written


async def test_a_forced_store_error_leaves_no_phone_or_address_in_the_log(api):
    """The tickets table is gone halfway through a registration: the customer row went
    in, the ticket insert fails, and the traceback the app logs (SQLAlchemy quotes the
    statement and, unless hidden, its parameters) is masked."""
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("INFO", stream=buffer)
    try:
        async with opened(api.desk.db) as s:
            await s.execute(text("ALTER TABLE tickets RENAME TO tickets_away"))
        try:
            body = {
                "kind": "repair",
                "description": f"空调不制冷，联系 {PHONE}，地址 {ADDRESS}",
                "phone": PHONE,
                "address": ADDRESS,
                "name": "赵先生",
            }
            resp = await api.post("/api/tickets", json=body, headers=STAFF)
            assert resp.status == 500
        finally:
            async with opened(api.desk.db) as s:
                await s.execute(text("ALTER TABLE tickets_away RENAME TO tickets"))
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    log = buffer.getvalue()
    assert "Traceback" in log and "tickets" in log  # the error itself is there
    assert PHONE not in log and "1203室" not in log and "张江路1388号" not in log
    assert "[SQL parameters hidden due to hide_parameters=True]" in log
    assert await count(api.desk.db, Customer) == 0  # rolled back whole


def test_tracebacks_args_and_addresses_are_masked():
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("INFO", stream=buffer)
    try:
        try:
            raise ValueError(f"Key (phone)=({PHONE}) already exists; address {ADDRESS}")
        except ValueError:
            logging.getLogger("aftercare.test").exception("filing for %s at %s", PHONE, ADDRESS)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    log = buffer.getvalue()
    assert "ValueError" in log and PHONE not in log and "1388号" not in log
    assert "139****5678" in log and "上海市浦东新****" in log
