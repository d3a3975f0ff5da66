"""GET /api/callers/{phone}: who is calling, for the hotline agent (units, tickets)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import needs, principal
from backend.api.keys import DESK
from backend.domain.permissions import Action
from backend.services.callers import caller

routes = web.RouteTableDef()


@routes.get("/api/callers/{phone}")
@needs(Action.CALLERS)
async def get_caller(request: web.Request) -> web.Response:
    found = await caller(
        request.app[DESK], request.match_info["phone"], actor=principal(request).actor
    )
    return web.json_response(found)
