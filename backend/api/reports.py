"""Staff API: the monthly report (SPEC section 8)."""

from __future__ import annotations

from aiohttp import web

from backend.api.keys import DESK
from backend.domain.periods import parse_month
from backend.services.reports import monthly_report

routes = web.RouteTableDef()


@routes.get("/api/reports/monthly")
async def monthly(request: web.Request) -> web.Response:
    month = request.query.get("month", "")
    parse_month(month)
    return web.json_response(await monthly_report(request.app[DESK], month))
