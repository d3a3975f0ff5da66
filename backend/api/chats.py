"""Staff endpoints for chats handed to a person (`chats`: dispatchers, supervisors).

GET  /api/chats/handoff                              chats waiting for a person
GET  /api/chats/{channel}/{external_id}/transcript   the whole transcript
POST /api/chats/{channel}/{external_id}/reply        {"text": ...} (as the signed-in user)
POST /api/chats/{channel}/{external_id}/handback     the bot takes over again
"""

from __future__ import annotations

import logging

from aiohttp import web

from backend.api.access import needs, principal
from backend.api.errors import error_response, json_body
from backend.api.keys import CHAT_PUSH, DESK
from backend.domain.kinds import Channel
from backend.domain.permissions import Action
from backend.services import handoff
from backend.services.replies import Reply

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


def _chat(request: web.Request) -> tuple[str, str]:
    channel = request.match_info["channel"]
    handoff.check_channel(channel)  # before reading the body: an unknown chat is a 404
    return channel, request.match_info["external_id"]


@routes.get("/api/chats/handoff")
@needs(Action.CHATS)
async def waiting(request: web.Request) -> web.Response:
    chats = await handoff.waiting(request.app[DESK])
    return web.json_response(
        {
            "chats": [
                {
                    "channel": c.channel,
                    "external_id": c.chat_id,
                    "since": c.since,
                    "ticket": c.ticket,
                    "last_customer_message": c.last_customer_message,
                    "waited_seconds": c.waited_seconds,
                    "phone": c.phone,
                }
                for c in chats
            ]
        }
    )


@routes.get("/api/chats/{channel}/{external_id}/transcript")
@needs(Action.CHATS)
async def transcript(request: web.Request) -> web.Response:
    t = await handoff.transcript(request.app[DESK], *_chat(request))
    return web.json_response(
        {
            "channel": t.channel,
            "external_id": t.chat_id,
            "handed_off": t.handed_off,
            "messages": [
                {
                    "id": m.id,
                    "at": m.at.isoformat(),
                    "direction": m.direction,
                    "speaker": m.speaker,
                    "text": m.text,
                    "intent": m.intent,
                    "ticket": m.ticket,
                    "button": m.button,
                }
                for m in t.messages
            ],
        }
    )


@routes.post("/api/chats/{channel}/{external_id}/reply")
@needs(Action.CHATS)
async def staff_reply(request: web.Request) -> web.Response:
    channel, chat_id = _chat(request)
    body = await json_body(request)
    text = handoff.reply_text(body.get("text"))
    message_id = await handoff.staff_reply(
        request.app[DESK], channel, chat_id, text, principal(request).actor
    )
    failed = await _deliver(request.app, channel, chat_id, Reply(text))
    return failed or web.json_response({"id": message_id}, status=201)


@routes.post("/api/chats/{channel}/{external_id}/handback")
@needs(Action.CHATS)
async def hand_back(request: web.Request) -> web.Response:
    channel, chat_id = _chat(request)
    # The web page polls only pushed (system/staff) messages, so it is recorded as one.
    speaker = "system" if channel == Channel.WEB else "bot"
    reply = await handoff.hand_back(
        request.app[DESK], channel, chat_id, speaker=speaker, actor=principal(request).actor
    )
    if reply is None:
        return error_response(404, "not_found", "no such chat")
    failed = await _deliver(request.app, channel, chat_id, reply)
    return failed or web.json_response({"handed_off": False})


async def _deliver(app: web.Application, channel: str, chat_id: str, reply: Reply):
    """Push what was just recorded; a 502 saying so when the channel refuses it (the
    transcript keeps it either way: it was said, only the delivery failed)."""
    try:
        await app[CHAT_PUSH].push(channel, chat_id, reply)
    except Exception as exc:
        log.exception("could not deliver to %s chat %s", channel, chat_id)
        return error_response(
            502,
            "delivery_failed",
            f"recorded in the transcript, but the {channel} channel did not take it: {exc}",
        )
    return None
