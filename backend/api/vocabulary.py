"""GET /api/vocabulary: the desk's codes with their Chinese labels and the lifecycles'
allowed moves, so the console shows and offers exactly what the domain says (it keeps
no copy of its own).

{"kinds": {"repair": {"label": "报修", "initial": "new",
                      "statuses": {"new": {"label": "已受理", "final": false,
                                           "assignable": true,
                                           "moves": ["dispatched", "cancelled"]}, ...},
                      "move_needs": {"dispatched": "technician"}}, ...},
 "final_statuses": ["cancelled", "closed"],
 "categories": {"free": {"label": "免费（C 类）", "description": "保修期内，免费服务"}, ...},
 "clocks": {"on_site": "上门时限", ...}, "region_classes": {"city": "市区", ...},
 "severities": {...}, "channels": {...}}
"""

from __future__ import annotations

import functools

from aiohttp import web

from backend.api.access import needs
from backend.domain import lifecycle, sla
from backend.domain.kinds import Channel, RegionClass, ServiceCategory, Severity, TicketKind
from backend.domain.permissions import Action
from backend.services import texts

routes = web.RouteTableDef()


def _kind(kind: TicketKind) -> dict:
    machine = lifecycle.MACHINES[kind]
    return {
        "label": texts.KIND_ZH[kind],
        "initial": lifecycle.initial_status(kind),
        "statuses": {
            status: {
                "label": texts.STATUS_ZH[status],
                "final": not lifecycle.is_open(status),
                "assignable": lifecycle.can_assign(kind, status),
                "moves": list(moves),
            }
            for status, moves in machine.items()
        },
        "move_needs": dict(lifecycle.MOVE_NEEDS[kind]),
    }


@functools.cache
def vocabulary() -> dict:
    """Built once: it is the code's own tables, which do not change while it runs."""
    return {
        "kinds": {kind.value: _kind(kind) for kind in TicketKind},
        "final_statuses": sorted(lifecycle.FINAL),
        "categories": {
            c.value: {"label": texts.CATEGORY_LABEL_ZH[c], "description": texts.CATEGORY_ZH[c]}
            for c in ServiceCategory
        },
        "clocks": {clock: texts.CLOCK_ZH[clock] for clock in sla.CLOCKS},
        "region_classes": {r.value: texts.REGION_CLASS_ZH[r] for r in RegionClass},
        "severities": {s.value: texts.SEVERITY_ZH[s] for s in Severity},
        "channels": {c.value: texts.CHANNEL_ZH[c] for c in Channel},
    }


@routes.get("/api/vocabulary")
@needs(Action.VOCABULARY)
async def get_vocabulary(request: web.Request) -> web.Response:
    return web.json_response(vocabulary())
