"""GET /console: each role's landing page; the console's own static files."""

from __future__ import annotations

import re
from importlib import resources

from aiohttp import web

from backend.api.access import needs, page, principal
from backend.api.frame import landing, refused_page
from backend.domain.permissions import Action

routes = web.RouteTableDef()

_ASSET = re.compile(r"[a-z0-9_-]+\.(css|js|svg|png)")
_TYPES = {"css": "text/css", "js": "text/javascript", "svg": "image/svg+xml", "png": "image/png"}


@routes.get("/console")
@page(Action.CONSOLE)
async def console(request: web.Request) -> web.Response:
    """The signed-in user's first workplace (the first navigation entry of their role)."""
    role = principal(request).role
    target = landing(role)
    if target is None:
        return refused_page(role)
    raise web.HTTPSeeOther(target)


@routes.get("/console/static/{name}")
@needs(Action.PUBLIC)  # the page's own CSS and scripts: nothing in them is anyone's data
async def asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    match = _ASSET.fullmatch(name)
    if match is None:
        raise web.HTTPNotFound()
    source = resources.files("backend.api").joinpath("static", name)
    if not source.is_file():
        raise web.HTTPNotFound()
    response = web.Response(body=source.read_bytes(), content_type=_TYPES[match.group(1)])
    response.charset = "utf-8" if match.group(1) in ("css", "js", "svg") else None
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"  # revalidate: a deploy changes them
    return response
