"""The audit log (admins): who did what, filtered by actor, action and dates, paged.

Read through backend/services/audit.py with the same filters as GET /api/admin/audit
(backend/api/admin.audit_filters); actions are shown by their Chinese label where one
exists, actors by the staff member's name.
"""

from __future__ import annotations

import json

from aiohttp import web

from backend.api.access import page
from backend.api.admin import audit_filters
from backend.api.keys import DESK
from backend.api.pages.render import render
from backend.domain.errors import ValidationFailed
from backend.domain.permissions import Action
from backend.services import accounts, audit

routes = web.RouteTableDef()

PAGE = 50
ACTION_ZH = {
    "login": "登录",
    "login.failed": "登录失败",
    "logout": "退出登录",
    "account.create": "新增账号",
    "account.update": "修改账号",
    "account.disable": "停用账号",
    "account.telegram_link": "生成 Telegram 绑定链接",
    "account.telegram_bind": "绑定 Telegram",
    "token.create": "生成令牌",
    "token.revoke": "吊销令牌",
    "agent.add": "添加热线坐席",
    "customer.view": "查看客户完整资料",
    "customer.erase": "删除客户个人信息",
    "chat.reply": "人工回复",
    "chat.handback": "交还机器人",
    "export.monthly_report": "下载月度报表",
    "report.freeze": "冻结月度报表",
    "retention.purge": "过期数据清理",
    "units.import": "导入机组资料",
}
# The filter's choices: an exact action, or every one of a family (a trailing star).
ACTION_CHOICES = [
    ("login*", "登录与退出（全部）"),
    ("account.*", "账号（全部）"),
    ("token.*", "令牌（全部）"),
    *ACTION_ZH.items(),
]


def _page_number(request: web.Request) -> int:
    try:
        return max(int(request.query.get("page", 1)), 1)
    except ValueError:
        return 1


@routes.get("/console/audit")
@page(Action.AUDIT)
async def audit_page(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    number = _page_number(request)
    error = None
    try:
        filters = audit_filters(request)
    except ValidationFailed:
        filters, error = {}, "日期格式不正确，请按 年-月-日 选择日期。"
    found = await audit.entries(desk, **filters, limit=PAGE + 1, offset=(number - 1) * PAGE)
    names = {f"staff:{a['username']}": a["name"] for a in await accounts.accounts(desk)}
    rows = [
        {
            **e,
            "action_zh": ACTION_ZH.get(e["action"], e["action"]),
            "actor_name": names.get(e["actor"]),
            "detail_text": json.dumps(e["detail"], ensure_ascii=False, sort_keys=True)
            if e["detail"]
            else "",
        }
        for e in found[:PAGE]
    ]
    query = {k: request.query.get(k, "") for k in ("actor", "action", "from", "to")}
    return render(
        request,
        "audit_log.html",
        {
            "title": "审计日志",
            "rows": rows,
            "query": query,
            "choices": ACTION_CHOICES,
            "actors": sorted(names.items(), key=lambda item: item[0]),
            "page_number": number,
            "has_next": len(found) > PAGE,
            "error": error,
        },
    )
