"""The dispatcher's desk: the queue (search, filters, paging, SLA countdowns) and the
ticket page (header, clocks, timeline, transcript, photos, notes, assigning with
suggested technicians, the moves this role may make, a complaint's judgement).

Both read through the services (backend/services/listings.queue, casefile.casefile)
and render on the server; the filters are a plain GET form, so the queue works without
script. What the ticket page changes goes through the JSON API from desk.js.
Both are the `queue` action's (dispatchers and supervisors).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from aiohttp import web

from backend.api.access import page, principal
from backend.api.keys import DESK
from backend.api.pages.render import render
from backend.api.vocabulary import vocabulary
from backend.domain import lifecycle
from backend.domain.errors import NotFound
from backend.domain.kinds import ServiceCategory, TicketKind
from backend.domain.permissions import Action
from backend.services import casefile, listings

routes = web.RouteTableDef()

_KINDS = frozenset(k.value for k in TicketKind)
_CATEGORIES = frozenset(c.value for c in ServiceCategory)
_FILTERS = ("q", "kind", "status", "category", "region", "technician", "breached")


def remaining_zh(delta: timedelta | None) -> str:
    """剩余 2 小时 5 分 / 已超时 1 天 3 小时: a clock's countdown as staff read it."""
    if delta is None:
        return ""
    overdue = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours or days:
        parts.append(f"{hours} 小时")
    if not days:
        parts.append(f"{mins} 分")
    return ("已超时 " if overdue else "剩余 ") + " ".join(parts)


STATE_ZH = {
    "running": "计时中",
    "warning": "即将超时",
    "breached": "已超时",
    "met": "已达成",
    "exempt": "不计时",
    "stopped": "已停止",
}


def _query(request: web.Request) -> tuple[listings.QueueQuery, dict]:
    """The queue's GET form, read leniently: a value it does not know is no filter."""
    q = request.query
    picked = {name: q.get(name, "").replace("\x00", "").strip() for name in _FILTERS}
    kind = picked["kind"] if picked["kind"] in {k.value for k in TicketKind} else ""
    status = picked["status"] if picked["status"] in lifecycle.STATUSES else ""
    category = (
        picked["category"] if picked["category"] in {c.value for c in ServiceCategory} else ""
    )
    technician: int | None = None
    if picked["technician"] == "none":
        technician = listings.NO_TECHNICIAN
    elif picked["technician"].isdigit() and 0 < int(picked["technician"]) < 2**31:
        technician = int(picked["technician"])
    else:
        picked["technician"] = ""
    try:
        number = int(q.get("page", "1"))
    except ValueError:
        number = 1
    picked.update(kind=kind, status=status, category=category)
    picked["breached"] = "1" if picked["breached"] else ""
    query = listings.QueueQuery(
        search=picked["q"][:100] or None,
        kind=TicketKind(kind) if kind else None,
        status=status or None,
        category=category or None,
        region=picked["region"][:64] or None,
        technician_id=technician,
        breached=bool(picked["breached"]),
        page=max(1, min(number, 10**6)),
    )
    return query, {k: v for k, v in picked.items() if v}


def _statuses() -> list[tuple[str, str]]:
    """Every status a filter may ask for, open ones first, each once, by its label."""
    seen: dict[str, str] = {}
    for kind in vocabulary()["kinds"].values():
        for code, status in kind["statuses"].items():
            seen.setdefault(code, status["label"])
    return sorted(seen.items(), key=lambda item: (item[0] in lifecycle.FINAL, item[1]))


@routes.get("/console/queue")
@page(Action.QUEUE)
async def desk_page(request: web.Request) -> web.Response:
    query, filters = _query(request)
    result = await listings.queue(request.app[DESK], query)
    choices = await listings.queue_choices(request.app[DESK])

    def link(number: int) -> str:
        return "/console/queue?" + urlencode({**filters, "page": number})

    return render(
        request,
        "desk_queue.html",
        {
            "title": "派工台",
            "result": result,
            "filters": filters,
            "choices": choices,
            "statuses": _statuses(),
            "link": link,
            "remaining": remaining_zh,
            "state_zh": STATE_ZH,
        },
    )


@routes.get("/console/tickets/{number}")
@page(Action.QUEUE)
async def ticket_page(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    try:
        case = await casefile.casefile(request.app[DESK], number, principal(request).role)
    except NotFound:
        return render(
            request, "desk_missing.html", {"title": "未找到工单", "number": number}, status=404
        )
    return render(
        request,
        "desk_ticket.html",
        {
            "title": f"工单 {case.view.number}",
            "case": case,
            "t": case.view,
            "remaining": remaining_zh,
            "state_zh": STATE_ZH,
        },
    )
