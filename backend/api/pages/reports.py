"""The supervisor's reports with charts (console page; being built)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.pages.render import render
from backend.domain.permissions import Action

routes = web.RouteTableDef()


@routes.get("/console/reports")
@page(Action.REPORTS)
async def reports_page(request: web.Request) -> web.Response:
    return render(request, "placeholder.html", {"title": "报表"})
