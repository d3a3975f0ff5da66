"""Staff API: erasing a customer (PIPL Art. 47).

Guarded by the staff bearer token like the rest of /api/ for now; it must become
admin-only once staff accounts and roles exist."""

from __future__ import annotations

from aiohttp import web

from backend.api.errors import json_body
from backend.api.keys import DESK
from backend.api.tickets import staff_actor
from backend.domain.errors import ValidationFailed
from backend.services.erasure import erase_customer

routes = web.RouteTableDef()


@routes.post("/api/customers/erase")
async def erase(request: web.Request) -> web.Response:
    """`{"phone": "...", "actor": "..."}` -> what was anonymised; an unknown phone is 404."""
    body = await json_body(request)
    phone = body.get("phone")
    if not isinstance(phone, str) or not phone.strip():
        raise ValidationFailed("phone is required")
    report = await erase_customer(request.app[DESK], phone, actor=staff_actor(body))
    return web.json_response(report.as_dict())
