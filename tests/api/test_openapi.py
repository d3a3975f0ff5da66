"""The OpenAPI document and the app's router agree both ways, and the app serves it.

A route added without documentation fails here; so does a documented path whose route
was removed or renamed. (Whether the responses match the document is tests/api/test_fuzz.)
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate

from backend.api.access import is_page
from backend.api.keys import DESK
from backend.api.openapi import document
from backend.compose import build_app
from backend.config import Settings
from bot.channels.telegram import DEFAULT_WEBHOOK_PATH
from tests.fixtures.staff import headers, seed_accounts

METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def routed(app) -> set[tuple[str, str]]:
    # aiohttp adds a HEAD beside every GET by itself: the GET is what is documented.
    # The console's HTML pages (backend/api/pages/) are for people, not an API: the
    # README lists them; the landing redirect GET /console stands for them here.
    return {
        (route.method.upper(), route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD"
        and not (is_page(route.handler) and route.resource.canonical != "/console")
        and route.resource.canonical != "/console/static/{name}"
    }


def documented(doc: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }


def test_the_document_is_valid_openapi_3_1():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any structural error, unresolved $ref included


def test_every_route_is_documented_and_every_documented_operation_is_routed():
    app = build_app(Settings())  # nothing opens until the app starts
    routes, ops = routed(app), documented(document())
    assert routes - ops == set(), "routes missing from backend/api/openapi.yaml"
    assert ops - routes == set(), "documented in backend/api/openapi.yaml but not routed"


def test_the_telegram_webhook_is_the_one_route_left_out_on_purpose():
    """Telegram's Update format is Telegram's to describe; the document says where the
    route is and how it is guarded."""
    settings = Settings(
        telegram_token="123:abc", telegram_webhook_url="https://desk.example/telegram/webhook"
    )
    extra = routed(build_app(settings)) - documented(document())
    assert extra == {("POST", DEFAULT_WEBHOOK_PATH)}
    assert DEFAULT_WEBHOOK_PATH in document()["info"]["description"]


def test_every_operation_says_how_it_fails_in_json():
    """Each error response of each operation is the shared JSON error body."""
    doc = document()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert response["$ref"].startswith("#/components/responses/"), (method, path)
            if op.get("security") or op.get("requestBody"):
                assert any(int(s) >= 400 for s in op["responses"]), (method, path)


def test_secured_operations_name_a_token_and_the_public_ones_do_not():
    doc = document()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            schemes = {name for requirement in op.get("security", []) for name in requirement}
            if path.startswith("/api/") or path == "/console/logout":
                assert schemes == {"staffToken", "consoleSession"}, (method, path)
                assert {"401", "403"} <= set(op["responses"]), (method, path)
            elif path == "/console":  # signed out: redirected to the sign-in page
                assert schemes == {"staffToken", "consoleSession"}, (method, path)
                assert "303" in op["responses"], (method, path)
            elif path.startswith("/hotline/"):
                assert schemes == {"staffToken"}, (method, path)  # a hotline account's
                assert {"401", "403"} <= set(op["responses"]), (method, path)
            elif path == "/webhooks/rest/webhook":  # integrations: AFTERCARE_REST_SECRET
                assert schemes == {"restSecret"} and "401" in op["responses"], (method, path)
            elif path.startswith("/chat/"):  # the page's endpoints: its session cookie
                assert schemes == {"webChatSession"} and "401" in op["responses"], path
            else:
                assert not schemes, (method, path)


@pytest.fixture
async def client(db, tmp_path):
    settings = Settings(database_url=db.url, var_dir=tmp_path)
    async with TestClient(TestServer(build_app(settings))) as client:
        await seed_accounts(client.app[DESK].db)
        yield client


async def test_the_app_serves_the_document_to_staff(client):
    refused = await client.get("/api/openapi.json")
    assert refused.status == 401
    assert (await refused.json())["error"] == "unauthorized"
    served = await client.get("/api/openapi.json", headers=headers("technician"))
    assert served.status == 200
    assert await served.json() == document()


@pytest.mark.parametrize("after", ["9" * 40, str(2**63), "-1", "1e3", "١٢"])
async def test_a_poll_after_an_impossible_message_id_is_a_clear_400(client, after):
    """The fuzz found `after=<40 digits>` raising OverflowError in the SQLite driver
    (PostgreSQL's refuses it too): every backend answers a 400 that says why."""
    assert (await client.get("/chat")).status == 200  # the session cookie
    answer = await client.get("/chat/messages", params={"after": after})
    assert answer.status == 400
    assert (await answer.json())["error"] == "bad_after"
