"""Master data: units upload, staff accounts (console page; being built)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.pages.render import render
from backend.domain.permissions import Action

routes = web.RouteTableDef()


@routes.get("/console/admin/units")
@page(Action.UNITS)
async def admin_page(request: web.Request) -> web.Response:
    return render(request, "placeholder.html", {"title": "机组资料"})


@routes.get("/console/admin/staff")
@page(Action.ACCOUNTS)
async def staff_page(request: web.Request) -> web.Response:
    return render(request, "placeholder.html", {"title": "人员账号"})
