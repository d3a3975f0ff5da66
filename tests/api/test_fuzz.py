"""Schemathesis against the running app, on SQLite and on PostgreSQL.

The whole application as `aftercare run` wires it (backend.compose.build_app: staff API,
hotline, REST channel, web chat, scheduler) listens on a loopback TCP port, with the
real Rasa model behind the chat and the hotline, demo data and a few tickets in the
store. Every documented operation is fuzzed by each kind of caller that may call it,
with that caller's token: valid and invalid data (Schemathesis' examples, coverage and
fuzzing phases), and the response must never be a 5xx and must match the document
(status, content type, headers, body schema). Schemathesis also replays each accepted
request without a token and with a wrong one (`ignored_auth`); on top of that each
accepted request is replayed with every other caller's token, which must be refused.

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
from backend.api.keys import DESK
from backend.api.openapi import document
from backend.compose import build_app
from backend.config import Settings
from backend.domain.clock import FrozenClock
from bot.channels.sessions import COOKIE, cookie_value
from tests.fixtures.db import START

EXAMPLES = int(os.environ.get("AFTERCARE_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("AFTERCARE_FUZZ_SEED", "20261123"))
TIMEOUT = 20  # seconds for one request: a hung handler fails the run instead of stalling it


@dataclass(frozen=True)
class Caller:
    """A kind of caller: the document's security scheme its token answers to (None:
    the public). `cookie`: the token is that cookie's value (the web chat's session),
    not a bearer token."""

    name: str
    scheme: str | None
    token: str | None
    cookie: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        if not self.token:
            return {}
        if self.cookie:  # as a browser sends it; Schemathesis' probes know to take it off
            return {"Cookie": f"{self.cookie}={self.token}"}
        return {"Authorization": f"Bearer {self.token}"}

    def may(self, operation) -> bool:
        wanted = {n for req in operation.definition.raw.get("security", []) for n in req}
        return self.scheme in wanted if wanted else self.scheme is None


# One row per kind of caller that exists today. Staff roles (issue: staff accounts)
# become more rows here: a name, the scheme and a token of that role.
WEBCHAT_KEY = "fuzz-webchat-key"
CALLERS = (
    Caller("staff", "staffToken", "fuzz-staff-token"),
    Caller("hotline", "hotlineToken", "fuzz-hotline-token"),
    Caller("rest", "restSecret", "fuzz-rest-secret"),
    Caller(
        "webchat",
        "webChatSession",
        cookie_value(WEBCHAT_KEY.encode(), "fuzz-session-0123456789abcdef"),
        cookie=COOKIE,
    ),
    Caller("public", None, None),
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
    staff, hotline = CALLERS[0], CALLERS[1]
    settings_ = Settings(
        database_url=db_url,
        staff_token=staff.token,
        hotline_token=hotline.token,
        rasa_url=rasa_server.url,
        rasa_token=rasa_server.token,
        var_dir=tmp_path_factory.mktemp("fuzz-var"),
        rest_secret=CALLERS[2].token,
        webchat_secret=WEBCHAT_KEY,
    )
    with Served(build_app(settings_, clock=FrozenClock(START))) as app:
        app.run(demo.seed(app.app[DESK]))
        for body in (
            {"kind": "repair", "description": "空调不制冷", "phone": "13812345678"},
            {"kind": "complaint", "description": "师傅迟到了两个小时"},
            {"kind": "maintenance", "requested_date": "2026-11-30", "phone": "13987654321"},
        ):
            answer = requests.post(
                f"{app.url}/api/tickets", json=body, headers=staff.headers, timeout=TIMEOUT
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
        if caller.token and 200 <= response.status_code < 300:
            for other in CALLERS:
                if other.token and other.scheme != caller.scheme:
                    replay = case.call(base_url=served.url, headers=other.headers, timeout=TIMEOUT)
                    assert replay.status_code == 401, (
                        f"{case.method} {case.formatted_path} accepted the {other.name} token"
                    )

    fuzz.__name__ = f"test_fuzz_as_{caller.name}"
    return fuzz


for _caller in CALLERS:
    globals()[f"test_fuzz_as_{_caller.name}"] = _fuzz_as(_caller)
