"""The hotline agent's screen pop by caller number (console page; being built)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.pages.render import render
from backend.domain.permissions import Action

routes = web.RouteTableDef()


@routes.get("/console/caller")
@page(Action.CALLERS)
async def caller_page(request: web.Request) -> web.Response:
    return render(request, "placeholder.html", {"title": "来电"})
