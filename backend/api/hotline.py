"""Hotline handoff endpoints, one use case (services/hotline.import_call, idempotent by
the call id):

- `POST /hotline/calls`, with a `hotline` account's token (for one of its known agents)
  or an `agent`'s own (for themselves): the telephony system's record of a call.
- `POST /api/calls`, for a person at the screen pop (console session or token, with
  `tickets.file`): the ticket filed from the call as the signed-in account typed it; the
  account is the agent and the actor. The same call id posted either way, in either
  order, makes one ticket."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

from aiohttp import web

from backend.api.access import needs, principal
from backend.api.errors import json_body
from backend.api.keys import DESK, NLU
from backend.domain import fields
from backend.domain.errors import ValidationFailed
from backend.domain.kinds import Severity, TicketKind
from backend.domain.permissions import Action
from backend.domain.transcript import CUSTOMER, parse_plain, parse_turns
from backend.services.accounts import Principal, check_agent
from backend.services.hotline import CallRecord, import_call

routes = web.RouteTableDef()


def _time(body: dict, field: str, required: bool) -> datetime | None:
    value = body.get(field)
    if value is None and not required:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{field} must be an ISO 8601 time with its zone") from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"{field} needs a time zone, e.g. 2026-11-23T10:00:00+08:00")
    return moment


def call_from(body: dict) -> CallRecord:
    for field in ("call_id", "caller", "agent_id"):
        if not isinstance(body.get(field), str) or not body[field].strip():
            raise ValidationFailed(f"{field} is required")
    fields.check(
        {
            "call_id": body["call_id"].strip(),
            "phone": body["caller"],
            "agent_id": body["agent_id"].strip(),
            # the longest actor the call's events record (services/hotline.py)
            "actor": f"hotline:{body['agent_id'].strip()}",
        }
    )
    if body.get("turns") is not None:
        if not isinstance(body["turns"], list):
            raise ValidationFailed("turns must be a list of {speaker, text}")
        turns = parse_turns(body["turns"])
    elif isinstance(body.get("transcript"), str):
        turns = parse_plain(body["transcript"])
    else:
        raise ValidationFailed("give the transcript as turns or as 客服:/客户: text")
    kind = body.get("kind")
    if kind is not None and (
        not isinstance(kind, str) or kind not in {k.value for k in TicketKind}
    ):
        raise ValidationFailed("kind must be repair, complaint or maintenance")
    return CallRecord(
        call_id=body["call_id"].strip(),
        caller=body["caller"],
        agent_id=body["agent_id"].strip(),
        started_at=_time(body, "started_at", required=True),
        ended_at=_time(body, "ended_at", required=False),
        turns=turns,
        kind=TicketKind(kind) if kind else None,
    )


@routes.post("/hotline/calls")
@needs(Action.HOTLINE_CALL)
async def post_call(request: web.Request) -> web.Response:
    call = call_from(await json_body(request))
    await check_agent(request.app[DESK], principal(request), call.agent_id)  # 422: unknown
    return await _take(request, call)


def _optional_text(body: dict, field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text")
    return value.strip() or None


def filed_call_from(body: dict, who: Principal, now: datetime) -> CallRecord:
    """A call as the signed-in account files it from the screen pop: it is the agent
    (its username the agent id, its actor the ticket's); the call started now unless
    the page says when."""
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in {k.value for k in TicketKind}:
        raise ValidationFailed("kind must be repair, complaint or maintenance")
    severity = body.get("severity")
    if severity is not None and (
        not isinstance(severity, str) or severity not in {s.value for s in Severity}
    ):
        raise ValidationFailed("severity must be one of " + ", ".join(s.value for s in Severity))
    call = call_from(
        {
            **body,
            "agent_id": who.username,
            "started_at": body.get("started_at") or now.isoformat(),
        }
    )
    extra = {f: _optional_text(body, f) for f in ("description", "address", "serial_number")}
    extra |= {f: _optional_text(body, f) for f in ("visit_time", "name")}
    fields.check(extra)
    return replace(
        call,
        actor=who.actor,
        severity=Severity(severity) if severity else None,
        **extra,
    )


@routes.post("/api/calls")
@needs(Action.TICKETS_FILE)
async def file_call(request: web.Request) -> web.Response:
    body = await json_body(request)
    return await _take(request, filed_call_from(body, principal(request), request.app[DESK].now()))


async def _take(request: web.Request, call: CallRecord) -> web.Response:
    desk = request.app[DESK]
    desk.limits.agent_call(call.agent_id, desk.now())  # before the NLU work it would cost
    nlu = request.app[NLU]
    said = [t.text for t in call.turns if t.speaker == CUSTOMER]
    analyses = await asyncio.gather(*(nlu.parse(text) for text in said))
    result = await import_call(desk, call, analyses)
    body = {
        "number": result.number,
        "kind": result.kind,
        "created": result.created,
        "duplicate": result.duplicate,
    }
    return web.json_response(body, status=201 if result.created else 200)
