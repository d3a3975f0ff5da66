"""GET /api/openapi.json: the OpenAPI 3.1 document of every HTTP endpoint.

The document is written by hand beside the code (openapi.yaml, where a reviewer reads
the interface as a whole) and kept honest by tests: tests/api/test_openapi.py compares
it with the app's router both ways, tests/api/test_fuzz.py runs Schemathesis against the
running app on it. The codes the domain owns are filled in here from the domain's own
tables, so a new status or kind never needs a second edit.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources

import yaml
from aiohttp import web

from backend.api.access import needs
from backend.domain import lifecycle
from backend.domain.kinds import Channel, RegionClass, ServiceCategory, Severity, TicketKind
from backend.domain.permissions import ROLES, Action
from backend.services import handoff
from nlu.trainingdata import known_intents

routes = web.RouteTableDef()


def _enum(values) -> dict:
    return {"type": "string", "enum": sorted(str(v) for v in values)}


def domain_schemas() -> dict[str, dict]:
    return {
        "TicketKind": _enum(TicketKind),
        "TicketStatus": _enum(lifecycle.STATUSES),
        "Channel": _enum(Channel),
        "ChatChannel": _enum(handoff.CHANNELS),  # chats staff can take over
        "RegionClass": _enum(RegionClass),
        "Severity": _enum(Severity),
        "ServiceCategory": _enum(ServiceCategory),
        "Role": _enum(ROLES),
        "Intent": _enum(known_intents()),  # what an inbox message may be labelled as
    }


@functools.cache
def _document() -> dict:
    # Read on first use, not at import; the file does not change while the app runs.
    text = resources.files(__package__).joinpath("openapi.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    doc["components"]["schemas"].update(domain_schemas())
    return doc


def document() -> dict:
    """A fresh copy (callers such as Schemathesis may change what they are given)."""
    return copy.deepcopy(_document())


@routes.get("/api/openapi.json")
@needs(Action.DOCUMENT)
async def get_document(request: web.Request) -> web.Response:
    return web.json_response(_document())
