"""Who may call a route: authentication (a personal bearer token or a console session)
and the permissions table (backend/domain/permissions.py), in one middleware.

Every route declares the one action it performs with `@needs(Action.X)` (the chat's
routes are marked public by the composition root). The middleware refuses a route that
declares nothing (fail closed; tests/api/test_permissions.py fails the suite first),
answers 401 to a caller it cannot identify and 403 to a role the table does not allow.
A cookie-authenticated write must carry the session's CSRF token in `X-CSRF-Token`
(the console reads it from its page's meta tag); a bearer token needs none, a browser
never sends one by itself.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlencode

from aiohttp import web

from backend.api.errors import error_response
from backend.api.frame import refused_page
from backend.api.keys import DESK, PRINCIPAL, SESSIONS
from backend.domain.permissions import Action, allowed
from backend.services import accounts, sessions
from backend.services.accounts import Principal

log = logging.getLogger(__name__)

SESSION_COOKIE = "aftercare_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_ATTR = "__aftercare_action__"
_PAGE = "__aftercare_page__"


def needs(action: Action):
    """Declare the action a route's handler performs (the permissions table decides)."""

    def mark(handler):
        setattr(handler, _ATTR, action)
        return handler

    return mark


def page(action: Action):
    """A console page's handler: the action it needs (as `needs`), and marked as a page,
    so a signed-out browser is sent to the sign-in page and comes back afterwards, and a
    role without the action gets a page saying so, not a JSON error."""

    def mark(handler):
        setattr(handler, _PAGE, True)
        return needs(action)(handler)

    return mark


def is_page(handler) -> bool:
    return getattr(handler, _PAGE, False)


def action_of(handler) -> Action | None:
    return getattr(handler, _ATTR, None)


def mark_public(app: web.Application, routes) -> None:
    """Declare routes another package added (the customers' chat) public."""
    for route in routes:
        handler = route.handler
        if action_of(handler) is None:
            setattr(handler, _ATTR, Action.PUBLIC)


def principal(request: web.Request) -> Principal:
    """The authenticated caller (set by the middleware before any non-public handler)."""
    return request[PRINCIPAL]


async def authenticate(request: web.Request) -> Principal | None:
    header = request.headers.get("Authorization")
    desk = request.app[DESK]
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return await accounts.by_token(desk, token.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await sessions.by_cookie(desk, request.app[SESSIONS], cookie)
    return None


@web.middleware
async def access_middleware(request: web.Request, handler):
    match = request.match_info
    if match.http_exception is not None:  # 404 / 405: nothing to guard
        return await handler(request)
    action = action_of(match.route.handler)
    if action is None:
        log.error("route %s %s declares no action: refused", request.method, request.path)
        return error_response(403, "forbidden", "this route declares no permission")
    if action == Action.PUBLIC:
        return await handler(request)
    who = await authenticate(request)
    page = is_page(match.route.handler)
    if who is None:
        if page:  # back to this very page (a screen pop's caller number) once signed in
            raise web.HTTPSeeOther("/console/login?" + urlencode({"next": request.path_qs}))
        if action == Action.CONSOLE:
            raise web.HTTPSeeOther("/console/login")
        return error_response(401, "unauthorized", "a valid bearer token or session is required")
    if who.via == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not who.csrf or not hmac.compare_digest(sent.encode(), who.csrf.encode()):
            return error_response(403, "csrf_failed", "the X-CSRF-Token header is missing or wrong")
    if not allowed(who.role, action):
        if page:
            return refused_page(who.role)
        return error_response(403, "forbidden", f"the role {who.role} may not do {action.value}")
    request[PRINCIPAL] = who
    return await handler(request)
