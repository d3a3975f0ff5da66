"""Staff endpoints of the misunderstood-message inbox (backend/services/nlu_inbox.py).

GET  /api/nlu/inbox?labelled=false&limit=   open (or labelled) items, grouped by likely intent
POST /api/nlu/inbox/{id}/label               {"intent": "..."} (by the signed-in staff member)

Supervisors only (the `nlu.inbox` action of backend/domain/permissions.py).
"""

from __future__ import annotations

from aiohttp import web

from backend.api.access import needs
from backend.api.errors import json_body, path_id
from backend.api.keys import DESK
from backend.api.tickets import staff_actor
from backend.domain.errors import ValidationFailed
from backend.domain.permissions import Action
from backend.services import nlu_inbox
from nlu.trainingdata import known_intents

routes = web.RouteTableDef()


@routes.get("/api/nlu/inbox")
@needs(Action.NLU_INBOX)
async def inbox(request: web.Request) -> web.Response:
    labelled = request.query.get("labelled", "false")
    if labelled not in ("true", "false"):
        raise ValidationFailed("labelled must be true or false")
    try:
        limit = min(max(int(request.query.get("limit", 200)), 1), nlu_inbox.MAX_ITEMS)
    except ValueError:
        raise ValidationFailed("limit must be a number") from None
    found = await nlu_inbox.items(request.app[DESK], labelled=labelled == "true", limit=limit)
    return web.json_response(
        {
            "intents": sorted(known_intents()),
            "items": len(found),
            "groups": nlu_inbox.grouped(found),
        }
    )


@routes.post("/api/nlu/inbox/{id}/label")
@needs(Action.NLU_INBOX)
async def label(request: web.Request) -> web.Response:
    item_id = path_id(request, "id", "inbox item")
    body = await json_body(request)
    actor = staff_actor(request)
    item = await nlu_inbox.label(request.app[DESK], item_id, body.get("intent"), actor)
    return web.json_response(item.as_json())
