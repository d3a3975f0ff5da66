"""The hotline agent's screen pop (`callers`): `/console/caller?phone=…&call_id=…`, the
address a telephony system opens when a call comes in. Shows the caller's units (model,
serial, warranty / contract state by its Chinese label), open tickets with their SLA
clocks (remaining or breached), the last finished ones; with no phone a search box, with
an unknown number the "new caller" state. The form files the call's ticket through
POST /api/calls (static/caller.js): the same use case, idempotent by the call id, as the
telephony system's POST /hotline/calls, so the call makes one ticket however it comes."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from aiohttp import web

from backend.api.access import page, principal
from backend.api.keys import DESK
from backend.api.pages.handoff import waited_label
from backend.api.pages.render import render
from backend.domain.errors import ValidationFailed
from backend.domain.permissions import Action
from backend.services.callers import screen_pop
from backend.services.values import ClockView

routes = web.RouteTableDef()

_CALL_ID = re.compile(r"[\w.:@-]{1,64}", re.ASCII)  # what a telephony system's id looks like


def clock_state(clock: ClockView, now: datetime) -> tuple[str, str]:
    """(CSS class, what staff read) for one SLA clock at `now`."""
    if clock.exempt:
        return "muted", "不考核"
    if clock.stopped_at is not None:
        return ("sla-breach", "已超时（已完成）") if clock.breached else ("sla-ok", "已按时完成")
    if clock.breached or now >= clock.due_at:
        return "sla-breach", f"已超时 {waited_label(int((now - clock.due_at).total_seconds()))}"
    left = f"剩余 {waited_label(int((clock.due_at - now).total_seconds()))}"
    return ("sla-warn" if now >= clock.warn_at else "sla-ok"), left


@routes.get("/console/caller")
@page(Action.CALLERS)
async def caller_page(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    phone = request.query.get("phone", "").strip()[:64]
    call_id = request.query.get("call_id", "").strip()
    if not _CALL_ID.fullmatch(call_id):
        # No id from the telephony system: one for this page, kept by every retry of the
        # form (a double click files one ticket).
        call_id = f"console-{secrets.token_hex(8)}"
    context = {
        "title": "来电",
        "phone": phone,
        "call_id": call_id,
        "pop": None,
        "bad_phone": False,
        "now": desk.now(),
        "clock_state": clock_state,
    }
    if phone:
        try:
            context["pop"] = await screen_pop(desk, phone, actor=principal(request).actor)
        except ValidationFailed:
            context["bad_phone"] = True
    return render(request, "caller_pop.html", context)
