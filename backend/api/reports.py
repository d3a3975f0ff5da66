"""Staff API: the monthly report (SPEC section 8)."""

from __future__ import annotations

import re

from aiohttp import web

from backend.api.keys import DESK
from backend.domain.errors import ValidationFailed

routes = web.RouteTableDef()

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@routes.get("/api/reports/monthly")
async def monthly(request: web.Request) -> web.Response:
    month = request.query.get("month", "")
    if not _MONTH.match(month):
        raise ValidationFailed("month must be given as YYYY-MM, e.g. 2026-10")
    from backend.services.reports import monthly_report  # noqa: PLC0415 (until it lands)

    return web.json_response(await monthly_report(request.app[DESK], month))
