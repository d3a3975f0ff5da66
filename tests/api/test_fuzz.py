"""Schemathesis against the running app, on SQLite and on PostgreSQL.

The whole application as `aftercare run` wires it (backend.compose.build_app: staff API,
hotline, REST channel, web chat, scheduler) listens on a loopback TCP port, with the
real Rasa model behind the chat and the hotline, demo data and a few tickets in the
store. Every documented operation is fuzzed by each caller that may call it (one staff
account of every role, with its personal token, and the public; who may call what is
the permissions table, backend/domain/permissions.py): valid and invalid data
(Schemathesis' examples, coverage and fuzzing phases), and the response must never be
a 5xx and must match the document
(status, content type, headers, body schema). Schemathesis also replays each accepted
request without a token and with a wrong one (`ignored_auth`); on top of that each
accepted request is replayed with the token of every role the table refuses it to,
which must be a 403.

Bounded: AFTERCARE_FUZZ_EXAMPLES examples per operation and phase (default 25), a fixed
seed (AFTERCARE_FUZZ_SEED to explore others), a request timeout. Nothing leaves
127.0.0.1. Run it alone with `python -m pytest tests/api/test_fuzz.py -q`.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from backend import demo
from backend.api.access import action_of
from backend.api.keys import DESK
from backend.api.openapi import document
from backend.compose import build_app
from backend.config import Settings
from backend.domain.clock import FrozenClock
from backend.domain.permissions import ROLES, Action, allowed
from bot.channels.sessions import COOKIE, cookie_value
from tests.fixtures.db import START
from tests.fixtures.staff import headers, seed_accounts

EXAMPLES = int(os.environ.get("AFTERCARE_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("AFTERCARE_FUZZ_SEED", "20261123"))
TIMEOUT = 20  # seconds for one request: a hung handler fails the run instead of stalling it


# (METHOD, path) -> the action the route declares, from the app's own router.
ACTIONS = {
    (route.method, route.resource.canonical): action_of(route.handler)
    for route in build_app(Settings()).router.routes()
    if route.method != "HEAD"
}


@dataclass(frozen=True)
class Caller:
    """A caller: a staff account of one role with its personal token (`role`); a
    customer channel's caller with the token its own guard answers to (`scheme`, the
    document's security scheme; `cookie`: the token is that cookie's value, the web
    chat's session, not a bearer token); or the public (neither)."""

    name: str
    role: str | None = None
    scheme: str | None = None
    token: str | None = None
    cookie: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        if self.role:
            return headers(self.role)
        if not self.token:
            return {}
        if self.cookie:  # as a browser sends it; Schemathesis' probes know to take it off
            return {"Cookie": f"{self.cookie}={self.token}"}
        return {"Authorization": f"Bearer {self.token}"}

    def may(self, operation) -> bool:
        """Staff routes: the permissions table; public routes (the customers'
        channels): the security scheme the document names, or none at all."""
        action = ACTIONS[(operation.method.upper(), operation.path)]
        if action != Action.PUBLIC:
            return self.role is not None and allowed(self.role, action)
        wanted = {n for req in operation.definition.raw.get("security", []) for n in req}
        if wanted:
            return self.scheme in wanted
        return self.role is None and self.scheme is None


# One row per staff role, the customer channels' callers, and the public.
WEBCHAT_KEY = "fuzz-webchat-key"
REST = Caller("rest", scheme="restSecret", token="fuzz-rest-secret")
CALLERS = (
    *(Caller(role, role=role) for role in ROLES),
    REST,
    Caller(
        "webchat",
        scheme="webChatSession",
        token=cookie_value(WEBCHAT_KEY.encode(), "fuzz-session-0123456789abcdef"),
        cookie=COOKIE,
    ),
    Caller("public"),
)

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "request-timeout": TIMEOUT,
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES,
            # the callers' tokens are given below; generated ones would only be refused
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "checks": {
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "ignored_auth": {"enabled": True},
            "unsupported_method": {"enabled": True},
            "allow_header_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": True},
            "positive_data_acceptance": {"enabled": False},
            "missing_required_header": {"enabled": True},
            "use_after_free": {"enabled": False},
            "ensure_resource_availability": {"enabled": False},
        },
    }
)

schema = schemathesis.openapi.from_dict(document(), config=CONFIG)


class Served:
    """The app on a loopback port, on an event loop of its own thread (Schemathesis
    calls it synchronously, from the test's thread)."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    def run(self, coro, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self) -> Served:
        self.thread.start()
        self.runner = web.AppRunner(self.app, access_log=None)
        self.run(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.run(site.start())
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.run(self.runner.cleanup())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


@pytest.fixture(scope="module")
def served(db_url, rasa_server, tmp_path_factory) -> Iterator[Served]:
    """The app on the backend's test database (emptied first), with demo units, staff
    and one ticket of each kind, so operations on R2611-0001 etc. reach real rows."""
    from backend.store.db import Database
    from tests.fixtures.db import _empty

    async def empty():
        db = Database(db_url)
        try:
            await _empty(db)
        finally:
            await db.close()

    asyncio.run(empty())
    settings_ = Settings(
        database_url=db_url,
        rasa_url=rasa_server.url,
        rasa_token=rasa_server.token,
        var_dir=tmp_path_factory.mktemp("fuzz-var"),
        rest_secret=REST.token,
        webchat_secret=WEBCHAT_KEY,
    )
    with Served(build_app(settings_, clock=FrozenClock(START))) as app:
        app.run(demo.seed(app.app[DESK]))
        # the tokens' ids out of reach of the revoke operation's fuzzed ids
        app.run(seed_accounts(app.app[DESK].db, first_token_id=10**9))
        for body in (
            {"kind": "repair", "description": "空调不制冷", "phone": "13812345678"},
            {"kind": "complaint", "description": "师傅迟到了两个小时"},
            {"kind": "maintenance", "requested_date": "2026-11-30", "phone": "13987654321"},
        ):
            answer = requests.post(
                f"{app.url}/api/tickets", json=body, headers=headers("dispatcher"), timeout=TIMEOUT
            )
            assert answer.status_code == 201, answer.text
        yield app


def _fuzz_as(caller: Caller):
    @schema.include(lambda ctx: caller.may(ctx.operation)).parametrize()
    @settings(
        deadline=None,  # bounded by the request timeout; time per example varies with load
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case, served):
        response = case.call_and_validate(
            base_url=served.url, headers=caller.headers, timeout=TIMEOUT
        )
        if (caller.role or caller.token) and 200 <= response.status_code < 300:
            action = ACTIONS[(case.method.upper(), case.operation.path)]
            for other in CALLERS:
                if (other.role is None and other.token is None) or other.may(case.operation):
                    continue
                # a role the table refuses: 403; a token of no account: 401 (the console
                # page sends it to its sign-in page instead); at a channel's guard: 401
                if action != Action.PUBLIC and other.role:
                    expected = 403
                else:
                    expected = 303 if action == Action.CONSOLE else 401
                replay = case.call(base_url=served.url, headers=other.headers, timeout=TIMEOUT)
                assert replay.status_code == expected, (
                    f"{case.method} {case.formatted_path} accepted the {other.name} token"
                )

    fuzz.__name__ = f"test_fuzz_as_{caller.name}"
    return fuzz


for _caller in CALLERS:
    globals()[f"test_fuzz_as_{_caller.name}"] = _fuzz_as(_caller)
