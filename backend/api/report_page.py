"""The supervisor's reports page, /console/reports: a month's figures (SPEC section 8)
and the 12-month trend as charts drawn on the server (backend/api/charts.py), with the
month's CSV and XLSX downloads. No script at all: the month picker is a plain GET form.

The figures are the API's (services/reports.py): a frozen month shows its snapshot.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Any

from aiohttp import web

from backend.api import charts
from backend.api.charts import Series
from backend.api.keys import DESK
from backend.domain.errors import ValidationFailed
from backend.domain.periods import parse_month
from backend.services import texts
from backend.services.reports import month_before, monthly_report, monthly_trend
from backend.services.texts import label_zh

routes = web.RouteTableDef()

STYLE = """
 body { font:15px/1.6 -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif;
        margin:0; background:#f6f7fb; color:#223; }
 header { background:#fff; border-bottom:1px solid #e3e6ee; padding:12px 24px;
          display:flex; gap:24px; align-items:center; flex-wrap:wrap; }
 header h1 { font-size:20px; margin:0; }
 main { padding:16px 24px; max-width:1400px; }
 section { background:#fff; border:1px solid #e3e6ee; border-radius:8px; padding:12px 18px;
           margin-bottom:16px; }
 h2 { font-size:17px; margin:4px 0 10px; }
 h3 { font-size:15px; margin:14px 0 4px; }
 .grid { display:flex; flex-wrap:wrap; gap:8px 32px; }
 .figure { min-width:140px; }
 .figure b { display:block; font-size:22px; }
 .note { color:#667; }
 .error { color:#c62828; }
 a.download { margin-right:16px; }
 svg.chart { max-width:100%; height:auto; }
"""


def _month_zh(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def _percent(value: float | None) -> str:
    return "无数据" if value is None else f"{value * 100:.1f}%"


def _plain(value: float | int | None) -> str:
    return "无数据" if value is None else f"{value:g}"


def _figure(label: str, value: str) -> str:
    return f'<div class="figure"><span>{escape(label)}</span><b>{escape(value)}</b></div>'


def _summary(report: dict[str, Any]) -> str:
    tickets, overall = report["tickets"], report["satisfaction"]["overall"]
    figures = [
        _figure("登记工单", str(tickets["total"])),
        _figure("未结工单", str(tickets["open"])),
        _figure("投诉", str(report["complaints"]["total"])),
        _figure("满意度指数", _plain(overall["satisfaction_index"])),
        _figure("回访回复率", _percent(overall["response_rate"])),
        _figure("保修期内返修率", _percent(report["warranty_revisit"]["rate"])),
        _figure("平均上门小时数", _plain(report["times"]["avg_hours_to_site"])),
    ]
    figures += [
        _figure(f"{label_zh(texts.CLOCK_ZH, clock)}达标率", _percent(f["hit_rate"]))
        for clock, f in report["sla"].items()
    ]
    return f'<div class="grid" id="summary">{"".join(figures)}</div>'


def _month_charts(report: dict[str, Any]) -> str:
    complaints, satisfaction = report["complaints"], report["satisfaction"]
    sla = [(label_zh(texts.CLOCK_ZH, c), f["hit_rate"]) for c, f in report["sla"].items()]
    causes = [(label_zh({}, c), s["count"]) for c, s in complaints["by_cause"].items()]
    departments = [(label_zh({}, d), s["count"]) for d, s in complaints["by_department"].items()]
    technicians = [
        (t["name"] or "未派工", t["satisfaction_index"]) for t in satisfaction["by_technician"]
    ]
    regions = [
        (label_zh({}, r), f["satisfaction_index"]) for r, f in satisfaction["by_region"].items()
    ]
    return "".join(
        (
            "<h3>SLA 达标率（按时限）</h3>",
            charts.bar_chart("sla", "SLA 达标率", sla, percent=True, top=1),
            "<h3>投诉原因</h3>",
            charts.bar_chart("causes", "投诉原因", causes),
            "<h3>责任部门</h3>",
            charts.bar_chart("departments", "责任部门", departments),
            "<h3>满意度指数（按师傅）</h3>",
            charts.bar_chart("by-technician", "满意度指数（按师傅）", technicians, top=100),
            "<h3>满意度指数（按区域）</h3>",
            charts.bar_chart("by-region", "满意度指数（按区域）", regions, top=100),
        )
    )


def _trend_charts(trend: dict[str, Any]) -> str:
    points = trend["months"]
    months = [p["month"] for p in points]
    clocks = list(points[0]["sla_hit_rate"]) if points else []
    sla = [
        Series(label_zh(texts.CLOCK_ZH, c), [p["sla_hit_rate"].get(c) for p in points])
        for c in clocks
    ]
    causes = sorted({cause for p in points for cause in p["complaints_by_cause"]})
    by_cause = [
        Series(label_zh({}, c), [p["complaints_by_cause"].get(c, 0) for p in points])
        for c in causes
    ]
    rates = [
        Series("回访回复率", [p["response_rate"] for p in points]),
        Series("保修期内返修率", [p["warranty_revisit_rate"] for p in points]),
    ]
    satisfaction = [Series("满意度指数", [p["satisfaction_index"] for p in points])]
    return "".join(
        (
            "<h3>SLA 达标率</h3>",
            charts.line_chart("trend-sla", "SLA 达标率趋势", months, sla, percent=True, top=1),
            "<h3>满意度指数</h3>",
            charts.line_chart(
                "trend-satisfaction", "满意度指数趋势", months, satisfaction, top=100
            ),
            "<h3>回访回复率与保修期内返修率</h3>",
            charts.line_chart(
                "trend-rates", "回复率与返修率趋势", months, rates, percent=True, top=1
            ),
            "<h3>投诉原因（件数）</h3>",
            charts.line_chart("trend-causes", "投诉原因趋势", months, by_cause),
        )
    )


def _frozen_note(report: dict[str, Any]) -> str:
    if report.get("frozen_at"):
        at = escape(report["frozen_at"])
        return f'<p class="note" id="frozen">本月报已存档（{at}），以下为存档数据。</p>'
    return '<p class="note" id="frozen">本月报尚未存档，以下按当前数据实时计算。</p>'


def render(month: str, report: dict | None, trend: dict | None, error: str, nonce: str) -> str:
    query = f"month={escape(month, quote=True)}"
    head = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Aftercare 售后服务台 · 月报</title><style nonce="{nonce}">{STYLE}</style>'
        "</head><body><header><h1>售后服务月报</h1>"
        '<form method="get" action="/console/reports"><label for="month">月份 </label>'
        f'<input id="month" name="month" type="month" value="{escape(month, quote=True)}" '
        "required> "
        '<button type="submit">查看</button></form><a href="/console">返回工作台</a></header><main>'
    )
    if report is None or trend is None:
        return head + f'<p class="error" role="alert">{escape(error)}</p></main></body></html>'
    return (
        head
        + f"<section><h2>{escape(_month_zh(report['month']))}</h2>"
        + _frozen_note(report)
        + f'<p><a class="download" id="download-xlsx" href="/api/reports/monthly.xlsx?{query}">'
        "下载 Excel（XLSX）</a>"
        f'<a class="download" id="download-csv" href="/api/reports/monthly.csv?{query}">'
        "下载 CSV</a></p>"
        + _summary(report)
        + "</section><section><h2>本月图表</h2>"
        + _month_charts(report)
        + "</section><section><h2>近 12 个月趋势</h2>"
        + _trend_charts(trend)
        + "</section></main></body></html>"
    )


@routes.get("/console/reports")
async def reports_page(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    month = request.query.get("month") or month_before(desk.now(), desk.calendar.tz)
    nonce = secrets.token_urlsafe(16)
    try:
        parse_month(month)
        report, trend = await monthly_report(desk, month), await monthly_trend(desk, month)
        page, status = render(month, report, trend, "", nonce), 200
    except ValidationFailed:
        page, status = render(month, None, None, "月份格式应为 YYYY-MM，例如 2026-10。", nonce), 422
    response = web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
    return response
