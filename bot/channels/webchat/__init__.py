"""The web chat page at /chat (uses the REST channel) and its notification poll."""

from __future__ import annotations

import re
from importlib import resources

from aiohttp import web

from backend.domain import fields
from backend.domain.errors import ValidationFailed
from backend.services.chat_api import Pushed
from bot.channels.keys import CHAT_DESK
from bot.channels.wire import json_response

CHANNEL = "web"
MAX_SESSION = fields.size("chat_id")  # a session is the web chat's chat id
# Plain ASCII digits only: int() would also take "+5", " 5", "5_0" and other scripts'
# digits, none of which the page ever sends. The desk checks the range.
_DIGITS = re.compile(r"[0-9]{1,19}")
BAD_AFTER = "after must be a message id (a whole number from 0)"
routes = web.RouteTableDef()


@routes.get("/chat")
async def page(request: web.Request) -> web.Response:
    html = resources.files(__package__).joinpath("page.html").read_text("utf-8")
    return web.Response(
        text=html, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


@routes.get("/chat/messages")
async def pushed(request: web.Request) -> web.Response:
    """Messages pushed to a web session after `after`: notices and staff replies. The
    first poll (no `after`) gets no history, only the id to start from."""
    session_id = request.query.get("session", "").strip()
    if not 0 < len(session_id) <= MAX_SESSION:
        return _error("bad_session", f"session is required (1-{MAX_SESSION} characters)")
    after = None
    if "after" in request.query:
        raw = request.query["after"]
        if not _DIGITS.fullmatch(raw):
            return _error("bad_after", BAD_AFTER)
        after = int(raw)
    try:
        page = await request.app[CHAT_DESK].pushed(CHANNEL, session_id, after)
    except ValidationFailed as exc:  # `after` beyond any message id
        return _error("bad_after", str(exc))
    return json_response({"messages": [_message(m) for m in page.messages], "last": page.last})


def _message(m: Pushed) -> dict:
    return {
        "id": m.id,
        "text": m.text,
        "speaker": m.speaker,
        "at": m.at.isoformat(),
        "buttons": [{"title": title, "payload": payload} for title, payload in m.buttons],
    }


def _error(code: str, message: str) -> web.Response:
    return json_response({"error": code, "message": message}, status=400)
