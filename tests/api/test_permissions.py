"""Every route of the composed app × every role, against the permissions table.

The routes come from the app's own router, so a new route without a declared action
fails here (and is refused at run time); each role's personal token must get through
exactly where backend/domain/permissions.py allows it (any answer but 401/403) and be
refused with a 403 everywhere else; no token at all is a 401. The README shows the table
as the code has it. A technician's view of another technician's ticket is a 404."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.access import action_of, is_page
from backend.api.keys import DESK
from backend.compose import build_app
from backend.config import Settings
from backend.domain.permissions import ROLES, Action, allowed, markdown_table
from tests.fixtures.staff import headers, seed_accounts

README = Path(__file__).resolve().parents[2] / "README.md"
SAMPLE = {
    "number": "R2611-0001",
    "channel": "web",
    "external_id": "w-1",
    "phone": "13812345678",
    "username": "nobody",
    "token_id": "999",
    "id": "999",  # an NLU inbox item
    "name": "console.css",  # a console asset
    "photo_id": "999",  # a ticket's photo
}


def _routes(app):
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        yield route.method, route.resource.canonical, action_of(route.handler)


def route_handler(app, method: str, canonical: str):
    for route in app.router.routes():
        if route.method == method and route.resource.canonical == canonical:
            return route.handler
    raise LookupError((method, canonical))


def _path(canonical: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], canonical)


def test_every_route_declares_an_action():
    app = build_app(Settings())
    missing = [(m, p) for m, p, action in _routes(app) if action is None]
    assert missing == [], "routes without @needs(Action...) (backend/api/access.py)"


@pytest.fixture
async def client(db, clock, tmp_path):
    settings = Settings(database_url=db.url, rasa_url="http://127.0.0.1:9", var_dir=tmp_path)
    async with TestClient(TestServer(build_app(settings, clock=clock))) as client:
        await seed_accounts(client.app[DESK].db)
        yield client


async def test_every_route_for_every_role_follows_the_table(client):
    checked = 0
    for method, canonical, action in _routes(client.app):
        path = _path(canonical)
        if action == Action.PUBLIC:
            continue
        anonymous = await client.request(method, path, json={}, allow_redirects=False)
        assert anonymous.status in (401, 303), (method, canonical, anonymous.status)
        for role in ROLES:
            resp = await client.request(method, path, json={}, headers=headers(role))
            if allowed(role, action):
                assert resp.status not in (401, 403), (role, method, canonical, resp.status)
            else:
                assert resp.status == 403, (role, method, canonical, resp.status)
                if is_page(route_handler(client.app, method, canonical)):
                    assert "无权访问" in await resp.text()  # a page says so, in a page
                else:
                    assert (await resp.json())["error"] == "forbidden"
            checked += 1
    assert checked >= 30 * len(ROLES)


async def test_a_technician_sees_only_their_own_tickets(client):
    from tests.store.seed import seed_units

    await seed_units(client.app[DESK])
    me = (await (await client.get("/api/me", headers=headers("technician"))).json())["id"]
    dispatcher = headers("dispatcher")
    numbers = []
    for phone in ("13812345678", "13987654321"):
        body = {"kind": "repair", "description": "空调不制冷", "phone": phone}
        resp = await client.post("/api/tickets", json=body, headers=dispatcher)
        numbers.append((await resp.json())["number"])
    staff = (await (await client.get("/api/staff", headers=dispatcher)).json())["staff"]
    other = next(s["id"] for s in staff if s["role"] == "technician" and s["id"] != me)
    mine, theirs = numbers
    for number, tech in ((mine, me), (theirs, other)):
        resp = await client.post(
            f"/api/tickets/{number}/assign", json={"technician_id": tech}, headers=dispatcher
        )
        assert resp.status == 200, await resp.text()

    tech = headers("technician")
    listed = (await (await client.get("/api/tickets", headers=tech)).json())["tickets"]
    assert [t["number"] for t in listed] == [mine]
    assert (await client.get(f"/api/tickets/{mine}", headers=tech)).status == 200
    for path, body in (
        (f"/api/tickets/{theirs}", None),
        (f"/api/tickets/{theirs}/status", {"status": "on_site"}),
        (f"/api/tickets/{theirs}/notes", {"note": "到了"}),
    ):
        resp = await (
            client.post(path, json=body, headers=tech) if body else client.get(path, headers=tech)
        )
        assert resp.status == 404, path
    moved = await client.post(
        f"/api/tickets/{mine}/status", json={"status": "on_site"}, headers=tech
    )
    assert (
        moved.status == 200
        and (await moved.json())["events"][-1]["actor"] == "staff:test-technician"
    )
    cancel = await client.post(
        f"/api/tickets/{mine}/status", json={"status": "cancelled"}, headers=tech
    )
    assert cancel.status == 403


async def test_closing_and_judging_a_complaint_is_the_supervisors(client):
    body = {"kind": "complaint", "description": "师傅态度很差"}
    number = (
        await (await client.post("/api/tickets", json=body, headers=headers("agent"))).json()
    )["number"]
    judged = {"status": "acknowledged", "cause": "服务态度"}
    refused = await client.post(
        f"/api/tickets/{number}/status", json=judged, headers=headers("dispatcher")
    )
    assert refused.status == 403
    ok = await client.post(
        f"/api/tickets/{number}/status", json=judged, headers=headers("supervisor")
    )
    assert ok.status == 200, await ok.text()


def test_the_readme_shows_the_table_as_the_code_has_it():
    assert markdown_table() in README.read_text("utf-8")
