"""The technician's phone view: my jobs today and next (console page; being built)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.pages.render import render
from backend.domain.permissions import Action

routes = web.RouteTableDef()


@routes.get("/console/jobs")
@page(Action.JOBS)
async def jobs_page(request: web.Request) -> web.Response:
    return render(request, "placeholder.html", {"title": "我的任务"})
