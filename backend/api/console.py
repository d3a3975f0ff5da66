"""The staff web console: one static page over the staff API."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/console")
async def console(request: web.Request) -> web.Response:
    page = resources.files("backend.api").joinpath("static/console.html").read_text("utf-8")
    return web.Response(text=page, content_type="text/html", charset="utf-8")
