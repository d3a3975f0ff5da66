"""Staff API over HTTP: happy paths and every kind of bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.store.tables import Ticket, TicketEvent
from tests.api.conftest import STAFF
from tests.store.seed import seed_units


async def _count(desk, model) -> int:
    async with desk.db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_requires_a_staff_token(api):
    assert (await api.get("/api/tickets")).status == 401
    bad = await api.get("/api/tickets", headers={"Authorization": "Bearer nope"})
    assert bad.status == 401
    assert (await api.get("/healthz")).status == 200


async def test_create_dispatch_and_read_a_repair(api):
    ids = await seed_units(api.desk)
    created = await api.post(
        "/api/tickets",
        json={
            "kind": "repair",
            "description": "洗衣机漏水",
            "serial_number": "SNFREE0001",
            "phone": "13812345678",
        },
        headers=STAFF,
    )
    assert created.status == 201
    number = (await created.json())["number"]
    assigned = await api.post(
        f"/api/tickets/{number}/assign", json={"technician_id": ids["technician"]}, headers=STAFF
    )
    body = await assigned.json()
    assert assigned.status == 200 and body["status"] == "dispatched"
    got = await (await api.get(f"/api/tickets/{number.lower()}", headers=STAFF)).json()
    assert got["technician"] == "刘师傅" and got["category"] == "free"
    listed = await (await api.get("/api/tickets?kind=repair", headers=STAFF)).json()
    assert [t["number"] for t in listed["tickets"]] == [number]


async def test_invalid_transition_is_409_and_writes_nothing(api):
    created = await api.post(
        "/api/tickets", json={"kind": "repair", "description": "不制冷"}, headers=STAFF
    )
    number = (await created.json())["number"]
    events = await _count(api.desk, TicketEvent)
    resp = await api.post(f"/api/tickets/{number}/status", json={"status": "closed"}, headers=STAFF)
    assert resp.status == 409
    assert (await resp.json())["error"] == "invalid_transition"
    assert await _count(api.desk, TicketEvent) == events


async def test_bad_input_gets_clear_errors(api):
    cases = [
        (api.post("/api/tickets", data=b"{not json", headers=STAFF), 400, "malformed_json"),
        (api.post("/api/tickets", json=[1, 2], headers=STAFF), 400, "malformed_json"),
        (api.post("/api/tickets", json={"kind": "party"}, headers=STAFF), 422, "validation_failed"),
        (
            api.post(
                "/api/tickets",
                json={"kind": "repair", "description": "x", "phone": "12"},
                headers=STAFF,
            ),
            422,
            "validation_failed",
        ),
        (api.get("/api/tickets/R2611-9999", headers=STAFF), 404, "not_found"),
        (
            api.post("/api/tickets/R2611-9999/status", json={"status": "on_site"}, headers=STAFF),
            404,
            "not_found",
        ),
        (api.post("/api/tickets", data=b"x" * (300 * 1024), headers=STAFF), 413, "too_large"),
        (api.get("/api/reports/monthly?month=2026-13", headers=STAFF), 422, "validation_failed"),
    ]
    for request, status, code in cases:
        resp = await request
        assert (resp.status, (await resp.json())["error"]) == (status, code)
    assert await _count(api.desk, Ticket) == 0


async def test_odd_unicode_is_kept_verbatim(api):
    text = "冰箱\u200b不制冷😡 ＫＦＲ　\U0002a700"
    created = await api.post(
        "/api/tickets", json={"kind": "repair", "description": text}, headers=STAFF
    )
    assert created.status == 201
    assert (await created.json())["description"] == text.strip()


async def test_dispatch_queue_lists_unassigned_oldest_first(api, clock):
    first = await api.post(
        "/api/tickets", json={"kind": "repair", "description": "a"}, headers=STAFF
    )
    clock.advance(hours=20)
    await api.post("/api/tickets", json={"kind": "repair", "description": "b"}, headers=STAFF)
    queue = (await (await api.get("/api/queue", headers=STAFF)).json())["queue"]
    assert [t["description"] for t in queue] == ["a", "b"]
    assert queue[0]["number"] == (await first.json())["number"]


async def test_monthly_report_over_http_counts_this_months_tickets(api):
    for description in ("a", "b"):
        await api.post(
            "/api/tickets", json={"kind": "repair", "description": description}, headers=STAFF
        )
    resp = await api.get("/api/reports/monthly?month=2026-11", headers=STAFF)
    report = await resp.json()
    assert resp.status == 200
    assert report["month"] == "2026-11"
    assert report["tickets"]["total"] == 2 and report["tickets"]["by_kind"]["repair"] == 2


async def test_console_page_is_served_without_a_token(api):
    resp = await api.get("/console")
    assert resp.status == 200 and "售后服务台" in await resp.text()
