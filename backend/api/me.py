"""GET /api/me: the signed-in account and what its role may do."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import needs, principal
from backend.domain.permissions import PERMISSIONS, Action, Role

routes = web.RouteTableDef()


@routes.get("/api/me")
@needs(Action.ME)
async def me(request: web.Request) -> web.Response:
    who = principal(request)
    actions = sorted(a.value for a in PERMISSIONS[Role(who.role)])
    return web.json_response({**who.as_dict(), "via": who.via, "actions": actions})
