"""The supervisor's reports (SPEC section 8): one month's figures and the 12 months up to
it, as server-drawn SVG charts (backend/api/pages/charts.py), each with its numbers in a
table, and the month's CSV / XLSX downloads (GET /api/reports/monthly.csv|.xlsx, which
record every download in the audit log).

`?month=YYYY-MM` picks the month (default: last month, in the working calendar's zone).
A frozen month (backend/services/report_snapshots.py) is shown from its snapshot and
says when it was frozen. The page only reads, through the reports use cases.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from backend.api.access import page
from backend.api.keys import DESK
from backend.api.pages import charts
from backend.api.pages.charts import Bar, Series
from backend.api.pages.render import render
from backend.domain.errors import ValidationFailed
from backend.domain.permissions import Action
from backend.services import reports, texts
from backend.services.texts import label_zh

routes = web.RouteTableDef()

NOBODY = "未派工"  # surveys / tickets with no technician


def month_zh(month: str) -> str:
    """'2026-10' -> '2026年10月'."""
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def _short(month: str) -> str:
    """The x label of a month in the trend: '10月', with the year at January."""
    year, number = month.split("-")
    return f"{year[2:]}年1月" if number == "01" else f"{int(number)}月"


def _rate(value: float | None) -> str:
    return "—" if value is None else charts.percent(value)


def _num(value: float | None) -> str:
    return "—" if value is None else charts.number(value)


def _clock(code: str) -> str:
    return label_zh(texts.CLOCK_ZH, code)


def _free(code: str) -> str:
    """A free-text key (region, cause, department); 'unspecified' as 未填写."""
    return label_zh({}, code)


def _sla(report: dict) -> dict[str, Any]:
    rows = [
        {
            "label": _clock(code),
            "hit": f["hit"],
            "missed": f["missed"],
            "rate": _rate(f["hit_rate"]),
        }
        for code, f in report["sla"].items()
    ]
    bars = [
        Bar(_clock(code), f["hit_rate"], f"达标 {f['hit']} / 超时 {f['missed']}")
        for code, f in report["sla"].items()
    ]
    chart = charts.bar_chart(
        "SLA 达标率（按时限）", bars, scale_max=1, fmt=charts.percent, css="sla"
    )
    return {"chart": chart, "rows": rows}


def _shares(title: str, shares: dict[str, dict], css: str) -> dict[str, Any]:
    # The biggest first; 未填写 after the named ones of its size.
    ordered = sorted(
        shares.items(),
        key=lambda item: (-item[1]["count"], item[0] == reports.UNSPECIFIED, item[0]),
    )
    rows = [
        {"label": _free(key), "count": s["count"], "share": _rate(s["share"])} for key, s in ordered
    ]
    bars = [Bar(_free(key), s["count"], f"占 {_rate(s['share'])}") for key, s in ordered]
    return {"chart": charts.bar_chart(title, bars, css=css), "rows": rows}


def _survey_row(label: str, f: dict) -> dict[str, Any]:
    return {
        "label": label,
        "index": _num(f["satisfaction_index"]),
        "rate": _rate(f["response_rate"]),
        "answered": f["answered"],
        "asked": f["asked"],
    }


def _satisfaction(report: dict) -> dict[str, Any]:
    s = report["satisfaction"]
    techs = [(t["name"] or NOBODY, t) for t in s["by_technician"]]
    regions = [(_free(code), f) for code, f in s["by_region"].items()]

    def index_bars(groups):
        return [
            Bar(name, f["satisfaction_index"], f"已回复 {f['answered']} 份") for name, f in groups
        ]

    def rate_bars(groups):
        return [
            Bar(name, f["response_rate"], f"已回复 {f['answered']} / 已发出 {f['asked']}")
            for name, f in groups
        ]

    return {
        "overall": _survey_row("全部", s["overall"]),
        "by_technician": {
            "chart": charts.bar_chart(
                "满意度指数（按师傅）", index_bars(techs), scale_max=100, css="tech-index"
            ),
            "rate_chart": charts.bar_chart(
                "回访回复率（按师傅）",
                rate_bars(techs),
                scale_max=1,
                fmt=charts.percent,
                css="tech-rate",
            ),
            "rows": [_survey_row(name, f) for name, f in techs],
        },
        "by_region": {
            "chart": charts.bar_chart(
                "满意度指数（按区域）", index_bars(regions), scale_max=100, css="region-index"
            ),
            "rate_chart": charts.bar_chart(
                "回访回复率（按区域）",
                rate_bars(regions),
                scale_max=1,
                fmt=charts.percent,
                css="region-rate",
            ),
            "rows": [_survey_row(name, f) for name, f in regions],
        },
    }


def _tickets(report: dict) -> dict[str, Any]:
    t = report["tickets"]
    kinds = [(label_zh(texts.KIND_ZH, k), n) for k, n in t["by_kind"].items()]
    categories = [(label_zh(texts.CATEGORY_LABEL_ZH, c), n) for c, n in t["by_category"].items()]
    regions = [(_free(r), n) for r, n in t["by_region"].items()]
    techs = [(x["name"] or NOBODY, x["tickets"]) for x in t["by_technician"]]
    return {
        "total": t["total"],
        "open": t["open"],
        "closed": t["closed"],
        "cancelled": t["cancelled"],
        "groups": [
            ("按类型", kinds),
            ("按服务类别", categories),
            ("按区域", regions),
            ("按师傅", techs),
        ],
        "chart": charts.bar_chart(
            "登记工单（按区域）", [Bar(name, n) for name, n in regions], css="tickets-region"
        ),
    }


def _trend(trend: dict) -> dict[str, Any]:
    points = trend["months"]
    labels = [_short(p["month"]) for p in points]
    tips = [month_zh(p["month"]) for p in points]
    clocks = list(points[-1]["sla_hit_rate"]) if points else list(reports.CLOCKS)

    def line(title, series, **kw):
        return charts.line_chart(title, labels, series, tips=tips, **kw)

    sla = line(
        "SLA 达标率趋势",
        [Series(_clock(c), [p["sla_hit_rate"].get(c) for p in points]) for c in clocks],
        scale_max=1,
        fmt=charts.percent,
        css="trend-sla",
    )
    satisfaction = line(
        "满意度指数趋势",
        [Series("满意度指数", [p["satisfaction_index"] for p in points])],
        scale_max=100,
        css="trend-satisfaction",
    )
    rates = line(
        "回访回复率与保修期内回访率趋势",
        [
            Series("回访回复率", [p["response_rate"] for p in points]),
            Series("保修期内回访率", [p["warranty_revisit_rate"] for p in points]),
        ],
        scale_max=1,
        fmt=charts.percent,
        css="trend-rates",
    )
    complaints = line(
        "投诉数量趋势",
        [Series("投诉数", [p["complaints"] for p in points])],
        css="trend-complaints",
    )
    rows = [
        {
            "month": month_zh(p["month"]),
            "frozen": p["frozen"],
            "sla": [_rate(p["sla_hit_rate"].get(c)) for c in clocks],
            "index": _num(p["satisfaction_index"]),
            "response": _rate(p["response_rate"]),
            "revisit": _rate(p["warranty_revisit_rate"]),
            "complaints": p["complaints"],
        }
        for p in points
    ]
    return {
        "charts": [sla, satisfaction, rates, complaints],
        "clocks": [_clock(c) for c in clocks],
        "rows": rows,
        "first": tips[0] if tips else "",
        "last": tips[-1] if tips else "",
    }


def view(report: dict, trend: dict) -> dict[str, Any]:
    """Everything the template shows, labels in Chinese, charts drawn."""
    revisit = report["warranty_revisit"]
    return {
        "month": report["month"],
        "month_zh": month_zh(report["month"]),
        "frozen_at": report.get("frozen_at"),
        "generated_at": report["generated_at"],
        "tickets": _tickets(report),
        "times": report["times"],
        "hours": _num,
        "sla": _sla(report),
        "complaints": {
            "total": report["complaints"]["total"],
            "by_cause": _shares("投诉原因", report["complaints"]["by_cause"], "causes"),
            "by_department": _shares(
                "责任部门", report["complaints"]["by_department"], "departments"
            ),
        },
        "satisfaction": _satisfaction(report),
        "revisit": {
            "rate": _rate(revisit["rate"]),
            "resolved": revisit["resolved"],
            "revisited": revisit["revisited"],
        },
        "trend": _trend(trend),
    }


@routes.get("/console/reports")
@page(Action.REPORTS)
async def reports_page(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    asked = request.query.get("month", "").strip()
    month, problem = reports.month_before(desk.now(), desk.calendar.tz), None
    if asked:
        try:
            month = reports.canonical_month(asked)
        except ValidationFailed:
            problem = f"月份“{asked}”无法识别，请按“年-月”选择，例如 2026-10。已为您显示上个月。"
    report = await reports.monthly_report(desk, month)
    trend = await reports.monthly_trend(desk, month)
    context = {"title": f"{month_zh(month)}报表", "problem": problem, **view(report, trend)}
    return render(request, "reports_page.html", context, status=422 if problem else 200)
