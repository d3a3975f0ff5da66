"""Staff API: the monthly report (SPEC section 8)."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import needs
from backend.api.keys import DESK
from backend.domain.periods import parse_month
from backend.domain.permissions import Action
from backend.services.reports import monthly_report

routes = web.RouteTableDef()


@routes.get("/api/reports/monthly")
@needs(Action.REPORTS)
async def monthly(request: web.Request) -> web.Response:
    month = request.query.get("month", "")
    parse_month(month)
    return web.json_response(await monthly_report(request.app[DESK], month))
