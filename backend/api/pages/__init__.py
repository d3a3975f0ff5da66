"""The staff console's pages: server-side templates (aiohttp-jinja2) over the same use
cases the JSON API calls. A page reads through the services and renders; what a page
changes it changes through the JSON API (its small script sends the session's CSRF
token), so every rule and every permission check lives once, behind the API.

Each module holds one workplace (desk.py the dispatcher's, jobs.py the technician's,
...); `render.py` holds the layout, the navigation and the security headers they share.
"""

from __future__ import annotations

from aiohttp import web

from backend.api.pages import (
    admin,
    audit,
    caller,
    desk,
    handoff,
    home,
    jobs,
    nlu,
    reports,
)
from backend.api.pages.render import setup_templates

MODULES = (home, desk, handoff, caller, jobs, reports, nlu, admin, audit)


def setup_pages(app: web.Application) -> None:
    setup_templates(app)
    for module in MODULES:
        app.add_routes(module.routes)
