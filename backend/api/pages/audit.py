"""The audit log (console page; being built)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.pages.render import render
from backend.domain.permissions import Action

routes = web.RouteTableDef()


@routes.get("/console/audit")
@page(Action.AUDIT)
async def audit_page(request: web.Request) -> web.Response:
    return render(request, "placeholder.html", {"title": "审计日志"})
