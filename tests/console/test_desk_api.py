"""GET /api/tickets takes the desk's filters (q, category, region, technician_id,
breached) and refuses what it cannot read (422), through the real app."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.api.keys import DESK
from backend.config import Settings
from backend.domain.kinds import TicketKind
from backend.services import transitions
from backend.services.registration import Registration, register
from tests.fixtures.staff import headers, seed_accounts

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
async def api(db, clock):
    app = create_app(Settings(database_url=db.url), clock=clock)
    async with TestClient(TestServer(app)) as client:
        client.desk = app[DESK]
        client.staff_ids = await seed_accounts(app[DESK].db)
        yield client


async def listed(api, role="dispatcher", **params) -> list[str]:
    resp = await api.get("/api/tickets", params=params, headers=headers(role))
    assert resp.status == 200, await resp.text()
    return [t["number"] for t in (await resp.json())["tickets"]]


async def test_the_listing_filters_as_the_desk_does(api, clock):
    def repair(phone: str) -> Registration:
        return Registration(kind=TicketKind.REPAIR, description="不制冷", phone=phone)

    a = (await register(api.desk, repair("13900001111"))).number
    b = (await register(api.desk, repair("13900002222"))).number
    await transitions.assign(api.desk, b, api.staff_ids["technician"])
    assert await listed(api, q="139****1111") == [a]
    assert await listed(api, q="2222") == [b]
    assert await listed(api, technician_id="0") == [a]
    assert await listed(api, technician_id=str(api.staff_ids["technician"])) == [b]
    assert await listed(api, category="paid", breached="false") == [b, a]
    assert await listed(api, breached="true") == []
    clock.advance(days=2)
    assert await listed(api, breached="true") == [b, a]
    # a technician still sees only their own
    assert await listed(api, "technician", q="139") == []
    assert await listed(api, "technician", breached="true") == [b]
    for bad in (
        {"technician_id": "-1"},
        {"technician_id": "x"},
        {"technician_id": str(2**40)},
        {"breached": "yes"},
        {"category": "gold"},
        {"q": "x" * 101},
        {"q": "a\x00b"},
    ):
        resp = await api.get("/api/tickets", params=bad, headers=headers("dispatcher"))
        assert resp.status == 422, (bad, await resp.text())
