"""The hand-off inbox: chats waiting for a person (console page; being built)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.pages.render import render
from backend.domain.permissions import Action

routes = web.RouteTableDef()


@routes.get("/console/handoff")
@page(Action.CHATS)
async def handoff_page(request: web.Request) -> web.Response:
    return render(request, "placeholder.html", {"title": "转人工"})
