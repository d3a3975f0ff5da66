"""What any console page's response carries, template or not: the navigation (one
entry per workplace, shown to the roles the permissions table allows), the security
headers, and the page a role without the permission sees.

Pages carry no inline script or style: the Content-Security-Policy allows only the
app's own files (`/console/static/…`), so an injected `<script>` or `style=` in a
ticket's text does nothing even if escaping were ever missed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiohttp import web

from backend.domain.permissions import ROLE_ZH, Action, allowed

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    action: Action


# In the order a role's first entry is its landing page (GET /console sends it there).
NAV: tuple[NavItem, ...] = (
    NavItem("/console/queue", "派工台", Action.QUEUE),
    NavItem("/console/jobs", "我的任务", Action.JOBS),
    NavItem("/console/caller", "来电", Action.CALLERS),
    NavItem("/console/handoff", "转人工", Action.CHATS),
    NavItem("/console/reports", "报表", Action.REPORTS),
    NavItem("/console/nlu", "未识别消息", Action.NLU_INBOX),
    NavItem("/console/admin/units", "机组资料", Action.UNITS),
    NavItem("/console/admin/staff", "人员账号", Action.ACCOUNTS),
    NavItem("/console/audit", "审计日志", Action.AUDIT),
)


def nav_for(role: str) -> list[NavItem]:
    return [item for item in NAV if allowed(role, item.action)]


def landing(role: str) -> str | None:
    items = nav_for(role)
    return items[0].path if items else None


def protect(response: web.StreamResponse, csp: str = CSP) -> web.StreamResponse:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def refused_page(role: str) -> web.Response:
    """A role that may not open a page: said in the page, with the way back."""
    back = landing(role) or "/console/login"
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>无权访问</title></head><body><h1>无权访问</h1>"
        f"<p>您的角色（{html.escape(ROLE_ZH.get(role, role))}）不能打开这个页面。</p>"
        f'<p><a href="{html.escape(back)}">返回工作台</a></p></body></html>'
    )
    response = web.Response(text=text, status=403, content_type="text/html", charset="utf-8")
    return protect(response)
