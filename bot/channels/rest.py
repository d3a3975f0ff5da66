"""The REST chat channel, compatible with Rasa's `rest` input channel.

`POST /webhooks/rest/webhook` with `{"sender": "<id>", "message": "<text>"}` answers a
JSON list of `{"recipient_id", "text", "buttons": [{"title", "payload"}]}`. A button's
payload sent back as `message` selects it. Conversations of this channel are stored as
channel "web" (the web chat page uses it too).
"""

from __future__ import annotations

from aiohttp import web

from backend.domain import fields
from backend.httpjson import error_response, json_body
from bot.channels.keys import ENGINE, TRUSTED_PROXIES
from bot.channels.wire import client_address, json_response, rest_message
from bot.dialogue.engine import Input

CHANNEL = "web"
MAX_MESSAGE = fields.size("message")
MAX_SENDER = fields.size("chat_id")  # the chat id columns' size

routes = web.RouteTableDef()


@routes.post("/webhooks/rest/webhook")
async def webhook(request: web.Request) -> web.Response:
    body = await json_body(request)
    sender, message = body.get("sender"), body.get("message")
    if isinstance(sender, int) and not isinstance(sender, bool):  # True is an int too
        sender = str(sender)
    if not isinstance(sender, str) or not 0 < len(sender.strip()) <= MAX_SENDER:
        return error_response(400, "bad_sender", f"sender must be 1-{MAX_SENDER} characters")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        return error_response(400, "bad_message", f"message must be text of <= {MAX_MESSAGE}")
    sender = sender.strip()
    address = client_address(request, request.app[TRUSTED_PROXIES])
    inp = Input(text=message.strip(), address=address)
    # Over a limit the engine raises LimitReached: the API's error middleware answers
    # 429 with Retry-After and the polite reply as the message.
    replies = await request.app[ENGINE].handle(CHANNEL, sender, inp)
    return json_response([rest_message(sender, r) for r in replies])


@routes.get("/webhooks/rest/")
async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})
