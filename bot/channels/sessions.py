"""Web chat sessions the server issues: a random id in a signed cookie.

The id (secrets.token_urlsafe: 192 bits) is made here, never taken from a URL or a
body; the cookie carries it with an HMAC-SHA256 under the process's key
(AFTERCARE_WEBCHAT_SECRET, else a random one), so a cookie the server did not issue is
not a session. HttpOnly (the page's script never sees it), SameSite=Lax (another site's
form cannot post with it), Secure over https. The id is the chat's `external_id` in the
store and is never written to a log line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from aiohttp import web

from bot.channels.keys import TRUSTED_PROXIES, WEBCHAT_KEY
from bot.channels.wire import via_trusted_proxy

COOKIE = "aftercare_chat"
MAX_AGE = 30 * 24 * 3600  # a month; every page load renews it
ID_BYTES = 24


def new_key(setting: str | None) -> bytes:
    return setting.encode() if setting else secrets.token_bytes(32)


def _sign(key: bytes, session_id: str) -> str:
    mac = hmac.new(key, session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def cookie_value(key: bytes, session_id: str) -> str:
    return f"{session_id}.{_sign(key, session_id)}"


def session_of(request: web.Request) -> str | None:
    """The session id of a cookie this server issued, else None."""
    value = request.cookies.get(COOKIE, "")
    session_id, _, mac = value.partition(".")
    if not session_id or not mac:
        return None
    expected = _sign(request.app[WEBCHAT_KEY], session_id)
    return session_id if hmac.compare_digest(mac.encode(), expected.encode()) else None


def issue(request: web.Request, response: web.StreamResponse) -> str:
    """Keep the request's session (renewing its cookie) or start a new one."""
    session_id = session_of(request) or secrets.token_urlsafe(ID_BYTES)
    response.set_cookie(
        COOKIE,
        cookie_value(request.app[WEBCHAT_KEY], session_id),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_over_https(request),
    )
    return session_id


def _over_https(request: web.Request) -> bool:
    if request.secure:
        return True
    # Behind our own proxy (AFTERCARE_TRUSTED_PROXIES) the proxy says how it was reached.
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and via_trusted_proxy(request, request.app.get(TRUSTED_PROXIES, ()))
