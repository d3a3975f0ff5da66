"""Staff endpoints for handed-off chats (under /api/, so the staff token guards them).

GET  /api/chats/handoff                              chats waiting for a person
GET  /api/chats/{channel}/{external_id}/transcript   the whole transcript
POST /api/chats/{channel}/{external_id}/reply        {"text": ..., "staff": ...}
POST /api/chats/{channel}/{external_id}/handback     the bot takes over again
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from backend.api.errors import error_response, json_body
from backend.api.keys import DB
from backend.services.replies import Reply
from backend.store.tables import Conversation, Message, Ticket
from bot.channels.keys import ENGINE, TELEGRAM
from bot.channels.wire import json_response

routes = web.RouteTableDef()
CHANNELS = ("telegram", "web")


def _chat(request: web.Request) -> tuple[str, str]:
    channel, external_id = request.match_info["channel"], request.match_info["external_id"]
    if channel not in CHANNELS:
        raise web.HTTPNotFound()
    return channel, external_id


@routes.get("/api/chats/handoff")
async def handed_off(request: web.Request) -> web.Response:
    async with request.app[DB].sessions() as session:
        rows = (
            (
                await session.execute(
                    select(Conversation)
                    .where(Conversation.handed_off.is_(True))
                    .order_by(Conversation.updated_at)
                )
            )
            .scalars()
            .all()
        )
        out = []
        for conv in rows:
            last = (
                await session.execute(
                    select(Message)
                    .where(
                        Message.channel == conv.channel,
                        Message.external_id == conv.external_id,
                        Message.direction == "in",
                    )
                    .order_by(Message.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            out.append(
                {
                    "channel": conv.channel,
                    "external_id": conv.external_id,
                    "since": (conv.state or {}).get("handed_off_at"),
                    "ticket": (conv.state or {}).get("ticket"),
                    "last_customer_message": last.text if last else None,
                }
            )
    return json_response({"chats": out})


@routes.get("/api/chats/{channel}/{external_id}/transcript")
async def transcript(request: web.Request) -> web.Response:
    channel, external_id = _chat(request)
    async with request.app[DB].sessions() as session:
        rows = (
            await session.execute(
                select(Message, Ticket.number)
                .outerjoin(Ticket, Ticket.id == Message.ticket_id)
                .where(Message.channel == channel, Message.external_id == external_id)
                .order_by(Message.id)
            )
        ).all()
        conv = (
            await session.execute(
                select(Conversation).where(
                    Conversation.channel == channel, Conversation.external_id == external_id
                )
            )
        ).scalar_one_or_none()
    if conv is None and not rows:
        return error_response(404, "not_found", "no such chat")
    return json_response(
        {
            "channel": channel,
            "external_id": external_id,
            "handed_off": bool(conv and conv.handed_off),
            "messages": [
                {
                    "id": m.id,
                    "at": m.at.isoformat(),
                    "direction": m.direction,
                    "speaker": m.speaker,
                    "text": m.text,
                    "intent": m.intent,
                    "ticket": number,
                }
                for m, number in rows
            ],
        }
    )


@routes.post("/api/chats/{channel}/{external_id}/reply")
async def staff_reply(request: web.Request) -> web.Response:
    channel, external_id = _chat(request)
    body = await json_body(request)
    text = body.get("text")
    if not isinstance(text, str) or not 0 < len(text.strip()) <= 4000:
        return error_response(422, "validation_failed", "text must be 1-4000 characters")
    engine = request.app[ENGINE]
    message_id = await engine.port.add_message(
        channel, external_id, direction="out", speaker="staff", text=text.strip()
    )
    await _deliver(request.app, channel, external_id, Reply(text.strip()))
    return json_response({"id": message_id}, status=201)


@routes.post("/api/chats/{channel}/{external_id}/handback")
async def hand_back(request: web.Request) -> web.Response:
    channel, external_id = _chat(request)
    # A web page only polls pushed (system/staff) messages, so record it as one there.
    speaker = "system" if channel == "web" else "bot"
    reply = await request.app[ENGINE].hand_back(channel, external_id, speaker=speaker)
    if reply is None:
        return error_response(404, "not_found", "no such chat")
    await _deliver(request.app, channel, external_id, reply)
    return json_response({"handed_off": False})


async def _deliver(app: web.Application, channel: str, external_id: str, reply: Reply) -> None:
    """Telegram gets it now; a web page picks staff/system messages up by polling."""
    telegram = app.get(TELEGRAM)
    if channel == "telegram" and telegram is not None:
        await telegram.send(external_id, reply)
