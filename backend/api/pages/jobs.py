"""The technician's phone view (/console/jobs): my jobs today and next, each with what
to do next (到达现场, 完工 with a note and photos, 退回 with a reason). The page reads
through services/jobs.py; its script writes through the JSON API (POST
/api/tickets/{number}/photos, then POST /api/tickets/{number}/status)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from backend.api.access import page, principal
from backend.api.keys import DESK
from backend.api.pages.render import render
from backend.domain.permissions import Action
from backend.services import jobs
from backend.services.ticket_photos import MAX_PHOTO_BYTES, MAX_PHOTOS

routes = web.RouteTableDef()

# The technician's moves as the buttons say them (the statuses' own labels are shown
# for the current state); what each needs from them.
VERBS = {"on_site": "到达现场", "resolved": "完工", "taken_back": "退回"}
NEEDS = {"resolved": "photos", "taken_back": "reason"}


def map_link(address: str | None) -> str:
    """A map search for the address (a link only: nothing is loaded from outside)."""
    return f"https://uri.amap.com/search?keyword={quote(address or '')}"


def remaining_label(minutes: int | None) -> str:
    if minutes is None:
        return ""
    late, minutes = minutes < 0, abs(minutes)
    hours, rest = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        span = f"{days}天" + (f"{hours}小时" if hours else "")
    elif hours:
        span = f"{hours}小时" + (f"{rest}分钟" if rest else "")
    else:
        span = f"{rest}分钟"
    return f"已超时 {span}" if late else f"剩余 {span}"


@routes.get("/console/jobs")
@page(Action.JOBS)
async def jobs_page(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    mine = await jobs.jobs_of(desk, principal(request).staff_id)
    return render(
        request,
        "jobs_page.html",
        {
            "title": "我的任务",
            "jobs": mine,
            "verbs": VERBS,
            "needs": NEEDS,
            "map_link": map_link,
            "remaining_label": remaining_label,
            "max_photos": MAX_PHOTOS,
            "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        },
    )
