"""The staff web console: its sign-in page, sign-out, and one static page over the API.

The console authenticates with its session cookie (HttpOnly, SameSite=Strict, Secure
over https), never with a token in the page, in localStorage or in a URL. Its writes
carry the session's CSRF token, which the page finds in its `csrf-token` meta tag. Each
page is served with a Content-Security-Policy allowing only its own nonce-tagged script
and style, and may not be framed (clickjacking).
"""

from __future__ import annotations

import html
import secrets

from aiohttp import web

from backend.api.access import SESSION_COOKIE, needs
from backend.api.frame import protect
from backend.api.keys import DESK, SESSIONS, SETTINGS
from backend.clients import client_address, over_https, trusted_networks
from backend.domain.permissions import Action
from backend.services import sessions
from backend.services.sessions import LockedOut, LoginRefused

routes = web.RouteTableDef()

LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aftercare 售后服务台 · 登录</title>
<style nonce="{nonce}">
 body {{ font:15px/1.6 -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif;
        background:#f6f7fb; display:flex; justify-content:center; padding-top:12vh; }}
 form {{ background:#fff; border:1px solid #e3e6ee; border-radius:8px; padding:24px 28px;
        width:320px; }}
 label {{ display:block; margin:10px 0 4px; }}
 input {{ width:100%; padding:7px 9px; border:1px solid #d5d9e3; border-radius:6px; font:inherit; }}
 button {{ margin-top:16px; width:100%; padding:8px; background:#1f6feb; color:#fff;
          border:0; border-radius:6px; font:inherit; cursor:pointer; }}
 .error {{ color:#c62828; }}
</style></head><body>
<form method="post" action="/console/login">
 <h2>工作人员登录</h2>
 {error}
 <input type="hidden" name="next" value="{next}">
 <label for="username">用户名</label>
 <input id="username" name="username" autocomplete="username" value="{username}" required>
 <label for="password">密码</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit">登录</button>
</form></body></html>
"""


def _protected(response: web.Response, nonce: str) -> web.Response:
    # The sign-in page carries its little style inline, tagged with the response's nonce.
    return protect(
        response,
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'",
    )


def back_to(value: object) -> str:
    """Where to go after signing in: a console page only (never another site, so the
    sign-in page cannot be used to send someone elsewhere); else the landing page."""
    if (
        isinstance(value, str)
        and value.startswith("/console/")
        and not value.startswith("/console/login")
        and "\\" not in value
        and all(c.isprintable() and not c.isspace() for c in value)
    ):
        return value
    return "/console"


def _login_page(
    status: int = 200, error: str = "", username: str = "", next_page: str = "/console"
) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    shown = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    page = LOGIN_PAGE.format(
        nonce=nonce,
        error=shown,
        username=html.escape(username),
        next=html.escape(back_to(next_page)),
    )
    response = web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
    return _protected(response, nonce)


@routes.get("/console/login")
@needs(Action.PUBLIC)
async def login_page(request: web.Request) -> web.Response:
    return _login_page(next_page=request.query.get("next", "/console"))


@routes.post("/console/login")
@needs(Action.PUBLIC)
async def login(request: web.Request) -> web.Response:
    # The page's own form; any other body (JSON, a broken multipart) signs nobody in.
    form = {}
    if request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
    username, password = form.get("username"), form.get("password")
    next_page = back_to(form.get("next"))
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
        return _login_page(401, "请输入用户名和密码。", next_page=next_page)
    trusted = trusted_networks(request.app[SETTINGS].trusted_proxies)
    address = client_address(request, trusted) or "unknown"
    policy = request.app[SESSIONS]
    try:
        signed_in = await sessions.login(request.app[DESK], policy, username, password, address)
    except LockedOut as exc:
        response = _login_page(429, str(exc), username, next_page)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except LoginRefused as exc:
        return _login_page(401, str(exc), username, next_page)
    response = web.Response(status=303, headers={"Location": next_page})
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.cookie,
        httponly=True,
        samesite="Strict",
        secure=over_https(request, trusted),
        path="/",
    )
    return response


@routes.post("/console/logout")
@needs(Action.ME)
async def logout(request: web.Request) -> web.Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await sessions.logout(request.app[DESK], request.app[SESSIONS], cookie)
    response = web.json_response({"signed_out": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
