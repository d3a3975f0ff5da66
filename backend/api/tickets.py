"""Staff API: tickets, their lifecycle, notes, the dispatch queue."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from backend.api.access import needs, principal
from backend.api.errors import error_response, json_body
from backend.api.keys import DESK
from backend.domain import lifecycle
from backend.domain.errors import ValidationFailed
from backend.domain.kinds import Channel, RegionClass, ServiceCategory, Severity, TicketKind
from backend.domain.permissions import (
    JUDGED_FIELDS,
    JUDGED_MOVES,
    OWN_TICKETS_ONLY,
    TECHNICIAN_MOVES,
    Action,
    allowed,
)
from backend.services import listings, transitions
from backend.services.expedite import expedite
from backend.services.registration import Registration, register

routes = web.RouteTableDef()

_TEXT_FIELDS = (
    "description",
    "phone",
    "name",
    "serial_number",
    "product_model",
    "address",
    "region",
    "visit_time",
    "cause",
    "concerning",
)


def staff_actor(request: web.Request) -> str:
    """Who did it, as the events record it: the authenticated account (`staff:<username>`).
    A body's `actor` is never read: the record of who did what is the evidence."""
    return principal(request).actor


def seen_by(request: web.Request) -> int | None:
    """A technician's staff id (they see only their own tickets), else None."""
    who = principal(request)
    return who.staff_id if who.role in OWN_TICKETS_ONLY else None


def _enum(cls, value, field: str):
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        options = ", ".join(m.value for m in cls)
        raise ValidationFailed(f"{field} must be one of: {options}") from None


def _is_id(value) -> bool:
    """A row id: an int (not a bool) that fits the store's 64-bit integers."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _status(value: str | None) -> str | None:
    if value is not None and value not in lifecycle.STATUSES:
        raise ValidationFailed(f"status must be one of: {', '.join(sorted(lifecycle.STATUSES))}")
    return value


def _text(body: dict, field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string")
    return value


def registration_from(body: dict, actor: str) -> Registration:
    kind = _enum(TicketKind, body.get("kind"), "kind")
    if kind is None:
        raise ValidationFailed("kind is required (repair, complaint or maintenance)")
    requested = body.get("requested_date")
    try:
        requested_date = date.fromisoformat(requested) if requested is not None else None
    except (TypeError, ValueError):
        raise ValidationFailed("requested_date must be YYYY-MM-DD") from None
    abroad = body.get("abroad")
    if abroad is not None and not isinstance(abroad, bool):
        raise ValidationFailed("abroad must be true or false")
    fields = {f: _text(body, f) for f in _TEXT_FIELDS}
    fields["description"] = fields["description"] or ""
    return Registration(
        kind=kind,
        channel=Channel.API,
        actor=actor,
        requested_date=requested_date,
        region_class=_enum(RegionClass, body.get("region_class"), "region_class"),
        severity=_enum(Severity, body.get("severity"), "severity"),
        abroad=abroad,
        **fields,
    )


@routes.post("/api/tickets")
@needs(Action.TICKETS_FILE)
async def create_ticket(request: web.Request) -> web.Response:
    body = await json_body(request)
    view = await register(request.app[DESK], registration_from(body, staff_actor(request)))
    return web.json_response(view.to_dict(), status=201)


@routes.get("/api/tickets")
@needs(Action.TICKETS_READ)
async def list_tickets(request: web.Request) -> web.Response:
    kind = request.query.get("kind")
    try:
        limit = min(max(int(request.query.get("limit", 50)), 1), 500)
    except ValueError:
        raise ValidationFailed("limit must be a number") from None
    views = await listings.tickets(
        request.app[DESK],
        kind=_enum(TicketKind, kind, "kind") if kind else None,
        status=_status(request.query.get("status") or None),
        limit=limit,
        seen_by=seen_by(request),
        **_filters(request.query),
    )
    return web.json_response({"tickets": [v.to_dict() for v in views]})


def _filters(query) -> dict:
    """GET /api/tickets's filters beside kind and status: the desk's (listings.QueueQuery)."""
    search, region = query.get("q", "").strip(), query.get("region", "").strip()
    if len(search) > 100 or len(region) > 64:
        raise ValidationFailed("q has at most 100 characters, region at most 64")
    if "\x00" in search + region:
        raise ValidationFailed("q and region must not contain NUL characters")
    category = query.get("category") or None
    _enum(ServiceCategory, category, "category")
    technician = query.get("technician_id")
    if technician is not None and not (
        technician.isascii() and technician.isdigit() and int(technician) < 2**31
    ):
        raise ValidationFailed("technician_id must be a staff id (0: not assigned)")
    breached = query.get("breached", "false")
    if breached not in ("true", "false"):
        raise ValidationFailed("breached must be true or false")
    return {
        "search": search or None,
        "category": category,
        "region": region or None,
        "technician_id": int(technician) if technician is not None else None,
        "breached": breached == "true",
    }


@routes.get("/api/queue")
@needs(Action.QUEUE)
async def dispatch_queue(request: web.Request) -> web.Response:
    views = await listings.dispatch_queue(request.app[DESK])
    return web.json_response({"queue": [v.to_dict() for v in views]})


@routes.get("/api/tickets/{number}")
@needs(Action.TICKETS_READ)
async def get_ticket(request: web.Request) -> web.Response:
    view = await listings.ticket(request.app[DESK], request.match_info["number"], seen_by(request))
    return web.json_response(view.to_dict())


def _refused_move(request: web.Request, body: dict, target: str) -> web.Response | None:
    """The finer rules of a move: a technician makes only a visit's moves; closing and
    judging a complaint is the supervisors' (`tickets.judge`)."""
    who = principal(request)
    if who.role in OWN_TICKETS_ONLY and target not in TECHNICIAN_MOVES:
        moves = ", ".join(sorted(TECHNICIAN_MOVES))
        return error_response(403, "forbidden", f"a technician may only move to: {moves}")
    judged = target in JUDGED_MOVES or any(body.get(f) is not None for f in JUDGED_FIELDS)
    if judged and not allowed(who.role, Action.TICKETS_JUDGE):
        return error_response(
            403,
            "forbidden",
            "closing and a complaint's outcome, cause or responsibility are for supervisors",
        )
    return None


@routes.post("/api/tickets/{number}/status")
@needs(Action.TICKETS_MOVE)
async def move_status(request: web.Request) -> web.Response:
    body = await json_body(request)
    target = body.get("status")
    if not isinstance(target, str):
        raise ValidationFailed("status is required")
    if (refused := _refused_move(request, body, target)) is not None:
        return refused
    technician_id, major_fault = body.get("technician_id"), body.get("major_fault")
    if technician_id is not None and not _is_id(technician_id):
        raise ValidationFailed("technician_id must be a staff id (a number)")
    if major_fault is not None and not isinstance(major_fault, bool):
        raise ValidationFailed("major_fault must be true or false")
    change = transitions.StatusChange(
        target=target,
        actor=staff_actor(request),
        seen_by=seen_by(request),
        note=_text(body, "note"),
        technician_id=technician_id,
        outcome=_text(body, "outcome"),
        cause=_text(body, "cause"),
        responsible_dept=_text(body, "responsible_dept"),
        major_fault=major_fault,
    )
    view = await transitions.change_status(request.app[DESK], request.match_info["number"], change)
    return web.json_response(view.to_dict())


@routes.post("/api/tickets/{number}/assign")
@needs(Action.TICKETS_ASSIGN)
async def assign(request: web.Request) -> web.Response:
    body = await json_body(request)
    technician_id = body.get("technician_id")
    if not _is_id(technician_id):
        raise ValidationFailed("technician_id (a number) is required")
    view = await transitions.assign(
        request.app[DESK],
        request.match_info["number"],
        technician_id,
        actor=staff_actor(request),
    )
    return web.json_response(view.to_dict())


@routes.post("/api/tickets/{number}/notes")
@needs(Action.TICKETS_NOTE)
async def add_note(request: web.Request) -> web.Response:
    body = await json_body(request)
    view = await transitions.add_note(
        request.app[DESK],
        request.match_info["number"],
        _text(body, "note") or "",
        actor=staff_actor(request),
        seen_by=seen_by(request),
    )
    return web.json_response(view.to_dict())


@routes.post("/api/tickets/{number}/expedite")
@needs(Action.TICKETS_EXPEDITE)
async def expedite_ticket(request: web.Request) -> web.Response:
    """Staff urge a ticket: recorded under the staff name, escalated to the supervisors
    when a running SLA clock is past its warning point. The body is optional."""
    body = await json_body(request) if request.can_read_body else {}
    note = _text(body, "note")
    if note is not None and not (note := note.strip()):
        raise ValidationFailed("note must not be blank")
    result = await expedite(
        request.app[DESK],
        request.match_info["number"],
        actor=staff_actor(request),
        **({"note": note} if note else {}),
    )
    return web.json_response({**result.view.to_dict(), "escalated": result.escalated})


@routes.get("/api/staff")
@needs(Action.STAFF_READ)
async def list_staff(request: web.Request) -> web.Response:
    people = await listings.active_staff(request.app[DESK])
    return web.json_response({"staff": people})
