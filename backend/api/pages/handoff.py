"""The hand-off inbox (`chats`: dispatchers, supervisors): the chats waiting for a person,
longest-waiting first, with how long each has waited; the selected chat's transcript, a
reply box and hand-back. The page renders the list; its script (static/handoff.js) keeps
the list and the open transcript fresh by polling the chats API every two seconds and
writes through the same API (reply, hand back), so every rule lives there once."""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.keys import DESK
from backend.api.pages.render import render
from backend.domain.permissions import Action
from backend.services import handoff

routes = web.RouteTableDef()

# Who said a line of a transcript, as staff read it (the stored speaker codes).
SPEAKERS = {"customer": "客户", "bot": "机器人", "staff": "客服", "system": "系统通知"}


def waited_label(seconds: int | None) -> str:
    """How long a chat has waited, as staff say it: 刚刚 / 5 分钟 / 1 小时 20 分钟 / 2 天 3 小时."""
    if seconds is None:
        return "—"
    minutes = seconds // 60
    if minutes < 1:
        return "不到 1 分钟"
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"
    days, hours = divmod(hours, 24)
    return f"{days} 天 {hours} 小时" if hours else f"{days} 天"


@routes.get("/console/handoff")
@page(Action.CHATS)
async def handoff_page(request: web.Request) -> web.Response:
    chats = await handoff.waiting(request.app[DESK])
    return render(
        request,
        "handoff_inbox.html",
        {
            "title": "转人工",
            "chats": chats,
            "waited_label": waited_label,
            "speakers": SPEAKERS,
        },
    )
