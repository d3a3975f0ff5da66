"""/healthz, /readyz and /metrics of the composed app, on both backends, the real Rasa."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from backend import logs
from backend.api.keys import DESK
from backend.api.ops import metrics_allowed
from backend.compose import build_app
from backend.config import Settings
from nlu import paths
from nlu.server import free_port
from tests.fixtures.staff import headers, seed_accounts

STAFF = headers("dispatcher")
CLOSED = "http://127.0.0.1:9"


def _settings(db, tmp_path, rasa_url: str, token: str = "", **extra) -> Settings:
    return Settings(
        database_url=db.url,
        rasa_url=rasa_url,
        rasa_token=token,
        var_dir=tmp_path,
        **extra,
    )


async def _client(settings: Settings, clock, **kw) -> TestClient:
    client = TestClient(TestServer(build_app(settings, clock=clock, **kw)))
    await client.start_server()
    await seed_accounts(client.app[DESK].db)
    return client


def _sample(text: str, name: str, **labels) -> float:
    """A sample's value in Prometheus text (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # as exposed: sorted
    key = f"{name}{{{want}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split()[-1])
    return 0.0


async def test_metrics_move_with_a_chat_turn_and_a_ticket(db, clock, tmp_path, rasa_server):
    client = await _client(_settings(db, tmp_path, rasa_server.url, rasa_server.token), clock)
    try:
        before = await (await client.get("/metrics")).text()
        said = {"sender": "m-1", "message": "洗衣机漏水了，派个师傅来"}
        assert (await client.post("/webhooks/rest/webhook", json=said)).status == 200
        again = {"sender": "m-2", "message": "空调不制冷了"}
        assert (await client.post("/webhooks/rest/webhook", json=again)).status == 200
        ticket = {"kind": "repair", "description": "不制冷", "phone": "13812345678"}
        resp = await client.post("/api/tickets", json=ticket, headers=STAFF)
        assert resp.status == 201, await resp.text()
        resp = await client.get("/metrics")
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        after = await resp.text()
    finally:
        await client.close()
    messages = "aftercare_messages_total"
    assert _sample(after, messages, channel="web", direction="in") == 2
    assert _sample(after, messages, channel="web", direction="out") >= 2
    assert _sample(before, messages, channel="web", direction="in") == 0
    assert _sample(after, "aftercare_nlu_parse_seconds_count") >= 1
    created = "aftercare_tickets_created_total"
    assert _sample(after, created, kind="repair", channel="api") == 1
    assert _sample(before, created, kind="repair", channel="api") == 0
    for name in (
        "aftercare_outbox_pending",
        "aftercare_outbox_oldest_seconds",
        "aftercare_send_errors_total",
        "aftercare_sla_breaches_total",
        "aftercare_surveys_total",
        "aftercare_limit_refusals_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in after, name
    assert "\naftercare_outbox_pending 0.0\n" in after  # read from the store: no pushes due


async def test_a_rolled_back_registration_is_not_counted(db, clock, tmp_path):
    client = await _client(_settings(db, tmp_path, CLOSED), clock)
    try:
        bad = {"kind": "repair", "description": "坏了", "serial_number": "NO-SUCH-1"}
        bad["concerning"] = "R2601-9999"  # no such ticket: the unit raises, rolls back
        await client.post("/api/tickets", json=bad, headers=STAFF)
        text = await (await client.get("/metrics")).text()
    finally:
        await client.close()
    assert "aftercare_tickets_created_total{" not in text


async def test_metrics_refuse_a_relayed_caller_and_want_the_token_when_set(db, clock, tmp_path):
    # The test client's peer is 127.0.0.1: a request a proxy relayed carries its header.
    client = await _client(_settings(db, tmp_path, CLOSED), clock)
    try:
        resp = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert resp.status == 403
        assert (await resp.json())["error"] == "forbidden"
        assert (await client.get("/metrics")).status == 200  # loopback, direct
    finally:
        await client.close()
    client = await _client(_settings(db, tmp_path, CLOSED, metrics_token="s3cret"), clock)
    try:
        assert (await client.get("/metrics")).status == 401  # even from loopback
        wrong = {"Authorization": "Bearer guess"}
        assert (await client.get("/metrics", headers=wrong)).status == 401
        right = {"Authorization": "Bearer s3cret", "X-Forwarded-For": "203.0.113.9"}
        assert (await client.get("/metrics", headers=right)).status == 200
    finally:
        await client.close()


def test_the_metrics_check_refuses_non_loopback_peers():
    assert metrics_allowed("127.0.0.1", {}, None) is None
    assert metrics_allowed("::1", {}, None) is None
    assert metrics_allowed("203.0.113.9", {}, None)[0] == 403
    assert metrics_allowed("10.0.0.2", {}, None)[0] == 403
    assert metrics_allowed(None, {}, None)[0] == 403  # unknown peer (a Unix socket)
    assert metrics_allowed("203.0.113.9", {"Authorization": "Bearer t"}, "t") is None
    assert metrics_allowed("127.0.0.1", {"Authorization": "Bearer x"}, "t")[0] == 401


async def test_two_apps_count_apart(db, clock, tmp_path):
    one = await _client(_settings(db, tmp_path, CLOSED), clock)
    two = await _client(_settings(db, tmp_path, CLOSED), clock)
    try:
        said = {"sender": "a", "message": "洗衣机漏水了"}
        await one.post("/webhooks/rest/webhook", json=said)
        counted = await (await one.get("/metrics")).text()
        text = await (await two.get("/metrics")).text()
    finally:
        await one.close()
        await two.close()
    assert _sample(counted, "aftercare_messages_total", channel="web", direction="in") == 1
    assert _sample(counted, "aftercare_nlu_fallback_total") == 1  # the NLU was unreachable
    assert _sample(text, "aftercare_messages_total", channel="web", direction="in") == 0


# ---- readiness ------------------------------------------------------------------------
async def _fake_rasa(model_file: str, parses: list) -> tuple[web.AppRunner, str]:
    """A server answering Rasa's GET /status wire format with another model: a stale
    orphan of an earlier run. (Starting a second real Rasa costs a minute and 1.2 GB.)"""

    async def status(request):
        return web.json_response(
            {"model_file": model_file, "model_id": "0e69", "num_active_training_jobs": 0}
        )

    async def parse(request):
        parses.append(await request.json())
        return web.json_response({"intent": {"name": "report_fault", "confidence": 1.0}})

    app = web.Application()
    app.router.add_get("/status", status)
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def test_readyz_refuses_a_rasa_serving_another_model(db, clock, tmp_path):
    parses: list = []
    runner, url = await _fake_rasa("models/nlu-0123456789abcdef.tar.gz", parses)
    client = await _client(_settings(db, tmp_path, url), clock)
    try:
        resp = await client.get("/readyz")
        body = await resp.json()
        assert resp.status == 503, body
        assert "serves nlu-0123456789abcdef.tar.gz" in body["reason"]
        assert paths.current_model().name in body["reason"]
        assert body["checks"]["store"]["ready"] is True
        # ... and the chat does not use it: no parse is sent there (the bot goes on as
        # with the NLU down: buttons and keywords).
        said = {"sender": "s-1", "message": "洗衣机漏水了"}
        assert (await client.post("/webhooks/rest/webhook", json=said)).status == 200
        assert parses == []
        assert (await client.get("/healthz")).status == 200  # alive all the same
    finally:
        await client.close()
        await runner.cleanup()


async def test_readyz_before_and_after_the_nlu_is_up(db, clock, tmp_path, rasa_server):
    starting = {"now": True}
    settings = _settings(db, tmp_path, CLOSED, rasa_server.token)
    client = await _client(settings, clock, nlu_starting=lambda: starting["now"])
    try:
        resp = await client.get("/readyz")
        body = await resp.json()
        assert resp.status == 503 and body["checks"]["nlu"]["starting"] is True, body
        said = {"sender": "r-1", "message": "洗衣机漏水了，派个师傅来"}
        replies = await (await client.post("/webhooks/rest/webhook", json=said)).json()
        assert "正在启动" in replies[0]["text"] and replies[0]["buttons"], replies
        starting["now"] = False
        body = await (await client.get("/readyz")).json()
        assert "starting" not in body["checks"]["nlu"] and body["status"] == "not_ready"
    finally:
        await client.close()
    client = await _client(_settings(db, tmp_path, rasa_server.url, rasa_server.token), clock)
    try:
        resp = await client.get("/readyz")
        body = await resp.json()
        assert resp.status == 200, body
        assert body["status"] == "ready" and body["checks"]["store"]["ready"]
    finally:
        await client.close()


async def test_readyz_wants_the_migrations_applied(db, clock, tmp_path):
    from sqlalchemy import text

    client = await _client(_settings(db, tmp_path, CLOSED), clock)
    engine = client.app[DESK].db.engine
    async with engine.begin() as conn:
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        resp = await client.get("/readyz")
        body = await resp.json()
        assert resp.status == 503 and body["checks"]["store"]["ready"] is False
        assert "migrations not applied" in body["reason"] and head in body["reason"]
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        await client.close()


# ---- one request id through the channel, the NLU call and the store ------------------
async def test_json_logs_carry_one_request_id(db, clock, tmp_path, rasa_server, capsys):
    client = await _client(_settings(db, tmp_path, rasa_server.url, rasa_server.token), clock)
    try:
        logs.configure("DEBUG", "json")
        said = {"sender": "l-1", "message": "我的手机号13812345678，洗衣机漏水了"}
        resp = await client.post(
            "/webhooks/rest/webhook", json=said, headers={"X-Request-Id": "req-7f3a"}
        )
        assert resp.headers["X-Request-Id"] == "req-7f3a"
        other = await client.post(
            "/webhooks/rest/webhook", json={"sender": "l-2", "message": "你好"}
        )
        fresh = other.headers["X-Request-Id"]
        bad = await client.get("/healthz", headers={"X-Request-Id": "x" * 200})
        assert bad.headers["X-Request-Id"] != "x" * 200  # not copied into our logs
    finally:
        await client.close()
        logs.configure("INFO")
        logging.getLogger().setLevel(logging.WARNING)
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    mine = [line for line in lines if line["request_id"] == "req-7f3a"]
    loggers = {line["logger"] for line in mine}
    assert "bot.dialogue.engine" in loggers  # the channel's turn
    assert "nlu.client" in loggers  # the NLU call
    assert "backend.store.db" in loggers  # the store's units, in their worker thread
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in mine)
    assert not any("13812345678" in line["message"] for line in lines)
    assert fresh != "req-7f3a" and any(line["request_id"] == fresh for line in lines)


def test_parses_are_counted_per_model_and_outcome():
    """The fallback rate before and after a model switch: fallback / all, per model."""
    from backend.metrics import Metrics
    from nlu.client import FALLBACK_INTENT, NluResult

    m = Metrics()
    m.nlu_parsed(NluResult("a", "greet", 0.9, model="nlu-old.tar.gz"), 0.01)
    m.nlu_parsed(NluResult("b", FALLBACK_INTENT, 0.2, model="nlu-old.tar.gz"), 0.01)
    m.nlu_parsed(NluResult("b", "complain", 0.8, model="nlu-new.tar.gz"), None)  # cached
    m.nlu_parsed(NluResult("c", None, 0.0, available=False), None)  # not an answer
    from prometheus_client import generate_latest

    text = generate_latest(m.registry).decode()
    old, new = {"model": "nlu-old.tar.gz"}, {"model": "nlu-new.tar.gz"}
    assert _sample(text, "aftercare_nlu_parses_total", **old, outcome="fallback") == 1
    assert _sample(text, "aftercare_nlu_parses_total", **old, outcome="understood") == 1
    assert _sample(text, "aftercare_nlu_parses_total", **new, outcome="understood") == 1
    assert _sample(text, "aftercare_nlu_parses_total", **new, outcome="fallback") == 0
    assert _sample(text, "aftercare_nlu_fallback_total") == 2
