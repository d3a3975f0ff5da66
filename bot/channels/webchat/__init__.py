"""The web chat page at /chat (uses the REST channel) and its notification poll."""

from __future__ import annotations

from importlib import resources

from aiohttp import web
from sqlalchemy import select

from backend.api.errors import error_response
from backend.api.keys import DB
from backend.store.tables import Message
from bot.channels.wire import json_response

CHANNEL = "web"
PUSHED_SPEAKERS = ("system", "staff")  # dispatcher notices and staff replies
routes = web.RouteTableDef()


@routes.get("/chat")
async def page(request: web.Request) -> web.Response:
    html = resources.files(__package__).joinpath("page.html").read_text("utf-8")
    return web.Response(
        text=html, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


@routes.get("/chat/messages")
async def pushed(request: web.Request) -> web.Response:
    """Messages pushed to a web session after `after`: notices and staff replies."""
    session_id = request.query.get("session", "").strip()
    first = "after" not in request.query  # first poll: no history, just where to start
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        return error_response(400, "bad_after", "after must be a message id")
    if not 0 < len(session_id) <= 128:
        return error_response(400, "bad_session", "session is required")
    async with request.app[DB].sessions() as session:
        rows = (
            (
                await session.execute(
                    select(Message)
                    .where(
                        Message.channel == CHANNEL,
                        Message.external_id == session_id,
                        Message.direction == "out",
                        Message.speaker.in_(PUSHED_SPEAKERS),
                        Message.id > after,
                    )
                    .order_by(Message.id)
                    .limit(50)
                )
            )
            .scalars()
            .all()
        )
        if first:
            last = (
                await session.execute(
                    select(Message.id)
                    .where(Message.channel == CHANNEL, Message.external_id == session_id)
                    .order_by(Message.id.desc())
                    .limit(1)
                )
            ).scalar() or 0
            return json_response({"messages": [], "last": last})
    return json_response(
        {
            "messages": [
                {"id": m.id, "text": m.text, "speaker": m.speaker, "at": m.at.isoformat()}
                for m in rows
            ],
            "last": rows[-1].id if rows else after,
        }
    )
