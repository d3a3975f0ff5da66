"""What every console page shares: the template environment with the domain's labels,
and `render`, which wraps a page in the layout for the signed-in caller (navigation and
security headers: backend/api/frame.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from backend.api.access import principal
from backend.api.frame import nav_for, protect
from backend.api.vocabulary import vocabulary
from backend.domain.permissions import ROLE_ZH

LOCAL = ZoneInfo("Asia/Shanghai")  # what staff read on the wall clock


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored instant (aware, or ISO text) as staff read it: Beijing time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(LOCAL).strftime(fmt)


def _labels() -> dict:
    """Code -> Chinese label lookups for templates, from the domain's vocabulary."""
    v = vocabulary()

    def status(kind: str, code: str) -> str:
        return v["kinds"].get(kind, {}).get("statuses", {}).get(code, {}).get("label", code)

    return {
        "V": v,
        "kind_label": lambda code: v["kinds"].get(code, {}).get("label", code),
        "status_label": status,
        "category_label": lambda code: v["categories"].get(code, {}).get("label", code or ""),
        "clock_label": lambda code: v["clocks"].get(code, code),
        "region_class_label": lambda code: v["region_classes"].get(code, code or ""),
        "severity_label": lambda code: v["severities"].get(code, code or ""),
        "channel_label": lambda code: v["channels"].get(code, code or ""),
        "role_label": lambda code: ROLE_ZH.get(code, code),
    }


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("backend.api", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the page, not silently
    )
    env.globals.update(_labels())
    env.filters["local_time"] = local_time


def render(request: web.Request, template: str, context: dict, status: int = 200) -> web.Response:
    """Render `template` inside the layout, for the signed-in caller."""
    who = principal(request)
    context = {
        "who": who,
        "role_zh": ROLE_ZH.get(who.role, who.role),
        "nav": nav_for(who.role),
        "here": request.path,
        "csrf": who.csrf or "",
        **context,
    }
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    return protect(response)
