"""Staff API: the monthly report (SPEC section 8), its downloads and the 12-month trend.

A month that has been frozen (services/report_snapshots.py) is served from its
snapshot, in JSON and in the downloads alike."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import needs
from backend.api.keys import DESK
from backend.api.tickets import staff_actor
from backend.domain.periods import parse_month
from backend.domain.permissions import Action
from backend.services import audit, report_export
from backend.services.reports import monthly_report, monthly_trend

routes = web.RouteTableDef()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request: web.Request) -> str:
    month = request.query.get("month", "")
    parse_month(month)  # a bad month is a 422 before any work
    return month


@routes.get("/api/reports/monthly")
@needs(Action.REPORTS)
async def monthly(request: web.Request) -> web.Response:
    return web.json_response(await monthly_report(request.app[DESK], _month(request)))


@routes.get("/api/reports/trend")
@needs(Action.REPORTS)
async def trend(request: web.Request) -> web.Response:
    return web.json_response(await monthly_trend(request.app[DESK], _month(request)))


async def _download(
    request: web.Request, report: dict, body: bytes, suffix: str, content_type: str
) -> web.Response:
    # Every export is in the audit log: who took which month, in which format.
    await audit.exported(
        request.app[DESK],
        actor=staff_actor(request),
        what="monthly_report",
        subject=f"report:{report['month']}",
        fmt=suffix,
    )
    name = f"aftercare-report-{report['month']}.{suffix}"
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8" if suffix == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@routes.get("/api/reports/monthly.csv")
@needs(Action.REPORTS)
async def monthly_csv(request: web.Request) -> web.Response:
    report = await monthly_report(request.app[DESK], _month(request))
    return await _download(request, report, report_export.to_csv(report), "csv", "text/csv")


@routes.get("/api/reports/monthly.xlsx")
@needs(Action.REPORTS)
async def monthly_xlsx(request: web.Request) -> web.Response:
    report = await monthly_report(request.app[DESK], _month(request))
    return await _download(request, report, report_export.to_xlsx(report), "xlsx", XLSX)
