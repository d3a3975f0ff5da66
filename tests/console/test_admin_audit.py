"""The audit log's filters (GET /api/admin/audit and the /console/audit page, which share
them) on SQLite and PostgreSQL: by actor, action (a family with a trailing star), local
dates (both days included), paging; a bad date is a 422; only admins read it."""

from __future__ import annotations

from datetime import timedelta

from backend.services import audit
from tests.api.conftest import api  # noqa: F401  (the app's client fixture)
from tests.fixtures.staff import headers

ADMIN = headers("admin")


async def _record(desk, *, actor: str, action: str, at) -> None:
    def unit(session) -> None:
        audit.record(session, at=at, actor=actor, action=action, subject="units", detail={})

    await desk.db.write(unit)


async def _entries(api, **query) -> list[dict]:  # noqa: F811
    resp = await api.get("/api/admin/audit", params=query, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["entries"]


async def test_filters_by_actor_action_dates_and_pages(api):  # noqa: F811
    desk = api.desk
    now = desk.now()  # 2026-11-23 (the frozen test clock)
    await _record(desk, actor="staff:liu", action="units.import", at=now - timedelta(days=2))
    await _record(desk, actor="staff:liu", action="account.create", at=now - timedelta(days=1))
    await _record(desk, actor="staff:wang", action="account.disable", at=now)
    assert [e["action"] for e in await _entries(api, actor="staff:liu")] == [
        "account.create",
        "units.import",
    ]
    assert [e["actor"] for e in await _entries(api, action="account.*")] == [
        "staff:wang",
        "staff:liu",
    ]
    day = (now - timedelta(days=1)).astimezone(desk.calendar.tz).date().isoformat()
    found = await _entries(api, **{"from": day, "to": day})
    assert [e["action"] for e in found] == ["account.create"]
    first = await _entries(api, limit=2)
    second = await _entries(api, limit=2, offset=2)
    assert len(first) == 2 and len(second) == 1
    assert {e["id"] for e in first}.isdisjoint(e["id"] for e in second)


async def test_a_bad_date_is_a_422_and_others_are_refused(api):  # noqa: F811
    resp = await api.get("/api/admin/audit", params={"from": "2026-13-01"}, headers=ADMIN)
    assert resp.status == 422
    resp = await api.get("/api/admin/audit", headers=headers("supervisor"))
    assert resp.status == 403
