"""Staff API: erasing a customer (PIPL Art. 47); admins only (`customers.erase`)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import needs
from backend.api.errors import json_body
from backend.api.keys import DESK
from backend.api.tickets import staff_actor
from backend.domain.errors import ValidationFailed
from backend.domain.permissions import Action
from backend.services.erasure import erase_customer

routes = web.RouteTableDef()


@routes.post("/api/customers/erase")
@needs(Action.ERASE)
async def erase(request: web.Request) -> web.Response:
    """`{"phone": "..."}` -> what was anonymised; an unknown phone is 404. The actor is
    the signed-in admin."""
    body = await json_body(request)
    phone = body.get("phone")
    if not isinstance(phone, str) or not phone.strip():
        raise ValidationFailed("phone is required")
    report = await erase_customer(request.app[DESK], phone, actor=staff_actor(request))
    return web.json_response(report.as_dict())
