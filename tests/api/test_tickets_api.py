"""Staff API over HTTP: happy paths and every kind of bad input."""

from __future__ import annotations

from backend.store.tables import Ticket, TicketEvent
from tests.api.conftest import STAFF
from tests.store.seed import count, seed_units


async def _count(desk, model) -> int:
    return await count(desk.db, model)


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


async def _new_repair(api) -> str:
    created = await api.post(
        "/api/tickets", json={"kind": "repair", "description": "不制冷"}, headers=STAFF
    )
    return (await created.json())["number"]


async def test_staff_urge_a_ticket_and_a_late_one_is_escalated(api, clock):
    await seed_units(api.desk)  # a supervisor reachable on Telegram
    number = await _new_repair(api)
    early = await api.post(f"/api/tickets/{number}/expedite", headers=STAFF)  # no body
    body = await early.json()
    assert early.status == 200 and body["number"] == number and body["escalated"] is False
    assert [e["note"] for e in body["events"] if e["action"] == "expedite"] == ["客户催单"]

    clock.advance(hours=6)  # past the on-site clock's warning point
    late = await api.post(
        f"/api/tickets/{number}/expedite",
        json={"note": "客户第三次来电催促", "actor": "李娜"},
        headers=STAFF,
    )
    body = await late.json()
    assert late.status == 200 and body["escalated"] is True
    urges = [(e["actor"], e["note"]) for e in body["events"] if e["action"] == "expedite"]
    # the body's "actor" is ignored: the event is the signed-in account's
    assert urges[-1] == ("staff:test-supervisor", "客户第三次来电催促")
    urged = [e for e in body["events"] if e["action"] == "expedite"][-1]
    assert urged["actor_name"] == "测试主管"
    assert any(e["action"] == "escalated" for e in body["events"])


async def test_urging_an_unknown_or_finished_ticket_is_refused(api):
    unknown = await api.post("/api/tickets/R2611-0999/expedite", headers=STAFF)
    assert unknown.status == 404 and (await unknown.json())["error"] == "not_found"
    number = await _new_repair(api)
    await api.post(f"/api/tickets/{number}/status", json={"status": "cancelled"}, headers=STAFF)
    events = await _count(api.desk, TicketEvent)
    final = await api.post(f"/api/tickets/{number}/expedite", json={}, headers=STAFF)
    assert final.status == 409 and (await final.json())["error"] == "conflict"
    blank = await api.post(f"/api/tickets/{number}/expedite", json={"note": " "}, headers=STAFF)
    assert blank.status == 422
    assert await _count(api.desk, TicketEvent) == events
