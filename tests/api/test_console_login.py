"""The console's sign-in, replayed against the running app: a wrong password, the
lockout (per user and per address, saying for how long), CSRF refusal, idle expiry on
an injected clock, sign-out, a disabled account's session and tokens ending at once,
and the pages' framing and script policy."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from backend.api.app import create_app
from backend.api.keys import DB
from backend.config import Settings
from backend.services import accounts
from backend.store.tables import AuditLog
from tests.fixtures.db import opened
from tests.fixtures.staff import PASSWORD, USERNAMES, headers, seed_accounts, sign_in


async def _fresh_client(api) -> TestClient:
    """A second browser (its own cookie jar) on the same app."""
    client = TestClient(TestServer(api.server.app))
    await client.start_server()
    return client


async def test_a_session_reads_and_writes_with_its_csrf_token(api):
    number = (
        await (
            await api.post(
                "/api/tickets",
                json={"kind": "repair", "description": "空调漏水", "phone": "13812345678"},
                headers=headers("dispatcher"),
            )
        ).json()
    )["number"]
    resp, csrf = await sign_in(api, "dispatcher")
    cookie = resp.cookies["aftercare_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    me = await (await api.get("/api/me")).json()
    assert (me["username"], me["role"], me["via"]) == ("test-dispatcher", "dispatcher", "session")

    note = {"note": "已电话联系客户"}
    forged = await api.post(f"/api/tickets/{number}/notes", json=note)  # no CSRF header
    assert forged.status == 403 and (await forged.json())["error"] == "csrf_failed"
    wrong = await api.post(
        f"/api/tickets/{number}/notes", json=note, headers={"X-CSRF-Token": "guess"}
    )
    assert wrong.status == 403
    ok = await api.post(f"/api/tickets/{number}/notes", json=note, headers={"X-CSRF-Token": csrf})
    assert ok.status == 200
    event = (await ok.json())["events"][-1]
    assert (event["actor"], event["actor_name"]) == ("staff:test-dispatcher", "测试调度")


async def test_a_wrong_password_is_refused_and_recorded(api):
    resp, csrf = await sign_in(api, "dispatcher", password="not the password")
    assert resp.status == 401 and csrf is None
    assert "用户名或密码不正确" in await resp.text()
    assert (await api.get("/api/me")).status == 401
    async with opened(api.desk.db) as s:
        actions = (await s.execute(select(AuditLog.action, AuditLog.subject))).all()
    assert ("login.failed", "staff:test-dispatcher") in actions


async def test_failed_logins_lock_the_account_and_say_for_how_long(api, clock):
    for _ in range(5):
        resp, _ = await sign_in(api, "agent", password="wrong password")
        assert resp.status == 401
    locked, csrf = await sign_in(api, "agent")  # the right password, but locked now
    assert locked.status == 429 and csrf is None
    text = await locked.text()
    assert "该账号已被暂时锁定" in text and "15 分钟后再试" in text
    assert int(locked.headers["Retry-After"]) == 15 * 60
    other, _ = await sign_in(api, "dispatcher")  # another user from the same address
    assert other.status == 303
    clock.advance(minutes=15)
    again, csrf = await sign_in(api, "agent")
    assert again.status == 303 and csrf


async def test_one_address_is_throttled_across_usernames(api):
    for i in range(20):
        resp = await api.post(
            "/console/login", data={"username": f"nobody{i}", "password": "x" * 8}
        )
        assert resp.status == 401
    resp, _ = await sign_in(api, "dispatcher")
    assert resp.status == 429 and "来自您所在地址的登录" in await resp.text()


async def test_a_session_ends_after_the_idle_time_and_on_sign_out(api, clock):
    await sign_in(api, "supervisor")
    clock.advance(hours=7, minutes=59)
    assert (await api.get("/api/me")).status == 200  # used: the idle time starts again
    clock.advance(hours=7, minutes=59)
    assert (await api.get("/api/me")).status == 200
    clock.advance(hours=8)
    assert (await api.get("/api/me")).status == 401
    assert (await api.get("/console", allow_redirects=False)).status == 303

    _, csrf = await sign_in(api, "supervisor")
    assert (await api.post("/console/logout", headers={"X-CSRF-Token": csrf})).status == 200
    assert (await api.get("/api/me")).status == 401


async def test_disabling_an_account_ends_its_sessions_and_tokens_at_once(api):
    await sign_in(api, "technician")
    assert (await api.get("/api/me")).status == 200
    token = (await accounts.issue_token(api.desk, "test-technician", actor="test")).token
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await api.get("/api/me", headers=bearer)).status == 200

    resp = await api.post("/api/admin/staff/test-technician/disable", headers=headers("admin"))
    assert resp.status == 200 and (await resp.json())["active"] is False
    assert (await api.get("/api/me")).status == 401
    assert (await api.get("/api/me", headers=bearer)).status == 401
    assert (await api.get("/api/me", headers=headers("technician"))).status == 401
    refused, _ = await sign_in(api, "technician")
    assert refused.status == 401


async def test_revoked_and_expired_tokens_stop_working(api, clock):
    issued = await accounts.issue_token(
        api.desk, "test-dispatcher", actor="test", label="脚本", expires_days=1
    )
    bearer = {"Authorization": f"Bearer {issued.token}"}
    assert (await api.get("/api/me", headers=bearer)).status == 200
    clock.advance(days=1)
    assert (await api.get("/api/me", headers=bearer)).status == 401

    second = await accounts.issue_token(api.desk, "test-dispatcher", actor="test")
    bearer = {"Authorization": f"Bearer {second.token}"}
    assert (await api.get("/api/me", headers=bearer)).status == 200
    revoked = await api.post(
        f"/api/admin/tokens/{second.info['id']}/revoke", headers=headers("admin")
    )
    assert revoked.status == 200 and (await revoked.json())["revoked_at"]
    assert (await api.get("/api/me", headers=bearer)).status == 401
    async with opened(api.desk.db) as s:
        actions = set((await s.execute(select(AuditLog.action))).scalars())
    assert {"token.create", "token.revoke"} <= actions


async def test_the_pages_may_not_be_framed_and_run_only_their_own_script(api):
    login = await api.get("/console/login")
    _, _ = await sign_in(api, "dispatcher")
    console = await api.get("/console")  # the dispatcher's desk, a template page
    for resp in (login, console):
        assert resp.headers["X-Frame-Options"] == "DENY"
        policy = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'nonce-" in login.headers["Content-Security-Policy"]
    # the pages run only the app's own files: no inline script may run at all
    assert "script-src 'self';" in console.headers["Content-Security-Policy"]
    page = await console.text()
    assert "<script>" not in page and "<script nonce" not in page
    assert 'localStorage.setItem("aftercare-token"' not in page and "#token=" not in page
    assert "Authorization" not in page


async def test_the_cookie_is_secure_behind_a_trusted_https_proxy(db, clock):
    settings = Settings(database_url=db.url, trusted_proxies="127.0.0.1")
    async with TestClient(TestServer(create_app(settings, clock=clock))) as client:
        await seed_accounts(client.server.app[DB])
        resp = await client.post(
            "/console/login",
            data={"username": USERNAMES["dispatcher"], "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
        )
        assert resp.status == 303 and resp.cookies["aftercare_session"]["secure"]
