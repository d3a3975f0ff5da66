"""POST /hotline/calls through the real app, the real Rasa model and the real store."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.keys import DESK
from backend.compose import build_app
from backend.config import Settings
from tests.fixtures.staff import headers, seed_accounts
from tests.store.seed import seed_units

AGENT = headers("hotline")  # a hotline account; its known agents: A017, A018, ...
CALL = {
    "call_id": "400-20261123-0001",
    "caller": "138 1234 5678",
    "agent_id": "A017",
    "started_at": "2026-11-23T10:00:00+08:00",
    "ended_at": "2026-11-23T10:04:10+08:00",
    "transcript": "客服：您好，这里是售后服务热线。\n"
    "客户：我家空调不制冷了，想派个师傅上门修一下\n"
    "客服：好的，请问机身上的序列号是多少？\n"
    "客户：SNFREE0001\n",
}


async def _client(db, clock, rasa_url: str, rasa_token: str = "") -> TestClient:
    settings = Settings(
        database_url=db.url,
        rasa_url=rasa_url,
        rasa_token=rasa_token,
    )
    client = TestClient(TestServer(build_app(settings, clock=clock)))
    await client.start_server()
    await seed_accounts(client.app[DESK].db)
    return client


@pytest.fixture
async def hotline(db, clock, rasa_server):
    client = await _client(db, clock, rasa_server.url, rasa_server.token)
    yield client
    await client.close()


@pytest.fixture
async def hotline_without_rasa(db, clock):
    client = await _client(db, clock, "http://127.0.0.1:9")
    yield client
    await client.close()


async def test_a_fault_call_becomes_a_repair_once(hotline):
    await seed_units(hotline.app[DESK])
    first = await hotline.post("/hotline/calls", json=CALL, headers=AGENT)
    body = await first.json()
    assert first.status == 201, body
    assert body["kind"] == "repair" and body["number"].startswith("R2611-")
    again = await hotline.post("/hotline/calls", json=CALL, headers=AGENT)
    assert again.status == 200
    assert (await again.json()) == body | {"created": False, "duplicate": True}
    ticket = await hotline.get(f"/api/tickets/{body['number']}", headers=headers("dispatcher"))
    assert (await ticket.json())["category"] == "free"


async def test_a_complaint_call(hotline):
    call = CALL | {"call_id": "c-2", "transcript": "客户：你们师傅态度太差了，我要投诉他"}
    resp = await hotline.post("/hotline/calls", json=call, headers=AGENT)
    assert resp.status == 201 and (await resp.json())["kind"] == "complaint"


async def test_bad_calls_get_clear_errors(hotline_without_rasa):
    client = hotline_without_rasa
    assert (await client.post("/hotline/calls", json=CALL)).status == 401
    cases = [
        ({"call_id": "x"}, 422),
        (CALL | {"caller": "not a phone"}, 422),
        (CALL | {"started_at": "2026-11-23T10:00:00"}, 422),
        (CALL | {"transcript": "客服：只有客服"}, 422),
    ]
    for body, status in cases:
        assert (await client.post("/hotline/calls", json=body, headers=AGENT)).status == status
    bad_json = await client.post("/hotline/calls", data=b"{", headers=AGENT)
    assert bad_json.status == 400


async def test_with_rasa_down_the_agents_kind_still_files_the_ticket(hotline_without_rasa):
    client = hotline_without_rasa
    unclear = await client.post("/hotline/calls", json=CALL, headers=AGENT)
    assert unclear.status == 422
    chosen = await client.post("/hotline/calls", json=CALL | {"kind": "repair"}, headers=AGENT)
    assert chosen.status == 201 and (await chosen.json())["kind"] == "repair"


async def test_over_long_call_fields_are_clear_422s_and_write_nothing(hotline_without_rasa):
    from backend.domain.fields import size
    from backend.store.tables import HotlineCall, Message
    from tests.store.seed import count

    client = hotline_without_rasa
    cases = [
        CALL | {"call_id": "c" * (size("call_id") + 1)},
        CALL | {"agent_id": "A" * size("agent_id")},  # "hotline:A…" is its longest actor
        CALL | {"caller": "1" * (size("phone") + 1)},
    ]
    for call in cases:
        resp = await client.post("/hotline/calls", json=call, headers=AGENT)
        assert resp.status == 422, await resp.text()
        assert (await resp.json())["error"] == "validation_failed"
    db = client.app[DESK].db
    assert await count(db, HotlineCall) == 0 and await count(db, Message) == 0


async def test_calls_per_agent_are_limited_with_retry_after(db, clock):
    from backend.store.tables import HotlineCall
    from tests.store.seed import count

    settings = Settings(
        database_url=db.url,
        rasa_url="http://127.0.0.1:9",
        agent_calls_per_hour=2,
    )
    async with TestClient(TestServer(build_app(settings, clock=clock))) as client:
        await seed_accounts(client.app[DESK].db)
        for i in range(2):
            call = CALL | {"call_id": f"burst-{i}", "kind": "repair"}
            assert (await client.post("/hotline/calls", json=call, headers=AGENT)).status == 201
        resp = await client.post(
            "/hotline/calls", json=CALL | {"call_id": "burst-9"}, headers=AGENT
        )
        assert resp.status == 429 and int(resp.headers["Retry-After"]) == 1800
        assert await count(client.app[DESK].db, HotlineCall) == 2
        other = CALL | {"call_id": "other-1", "agent_id": "A018", "kind": "repair"}
        assert (await client.post("/hotline/calls", json=other, headers=AGENT)).status == 201


async def test_a_hotline_account_posts_only_for_its_known_agents(hotline_without_rasa):
    from backend.store.tables import HotlineCall
    from tests.store.seed import count

    client = hotline_without_rasa
    call = CALL | {"kind": "repair"}
    unknown = await client.post("/hotline/calls", json=call | {"agent_id": "X999"}, headers=AGENT)
    assert unknown.status == 422 and "not a known agent" in (await unknown.json())["message"]
    assert await count(client.app[DESK].db, HotlineCall) == 0
    assert (await client.post("/hotline/calls", json=call, headers=AGENT)).status == 201


async def test_a_hotline_token_posts_calls_and_nothing_else(hotline_without_rasa):
    client = hotline_without_rasa
    for path in ("/api/tickets", "/api/me", "/api/callers/13812345678", "/api/openapi.json"):
        assert (await client.get(path, headers=AGENT)).status == 403, path
    refused = await client.post("/api/tickets", json={"kind": "repair"}, headers=AGENT)
    assert refused.status == 403 and (await refused.json())["error"] == "forbidden"


async def test_an_agent_posts_calls_in_their_own_name_only(hotline_without_rasa):
    client = hotline_without_rasa
    agent = headers("agent")
    call = CALL | {"kind": "repair", "agent_id": "A017"}
    assert (await client.post("/hotline/calls", json=call, headers=agent)).status == 422
    mine = call | {"agent_id": "test-agent", "call_id": "own-1"}
    assert (await client.post("/hotline/calls", json=mine, headers=agent)).status == 201
