"""The REST chat channel for integrations, compatible with Rasa's `rest` input channel.

`POST /webhooks/rest/webhook` with `{"sender": "<id>", "message": "<text>"}` answers a
JSON list of `{"recipient_id", "text", "buttons": [{"title", "payload"}]}`. A button's
payload sent back as `message` selects it.

Its senders live in their own namespace: stored as channel "web" with the external id
`rest:<sender>`, which no web chat session can be (those are the server's own random
ids without a colon), so a REST caller can never reach a web chat conversation. The
caller proves it is the integration with AFTERCARE_REST_SECRET, as a bearer token or
as `X-Aftercare-Signature: sha256=<hex HMAC-SHA256 of the raw body>`; without a secret
configured the channel answers only while the service listens on loopback.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from backend.domain import fields
from backend.httpjson import error_response, json_body
from bot.channels.keys import ENGINE, REST_OPEN, REST_SECRET, TRUSTED_PROXIES
from bot.channels.wire import client_address, json_response, rest_message
from bot.dialogue.engine import Input

CHANNEL = "web"
NAMESPACE = "rest:"
MAX_MESSAGE = fields.size("message")
MAX_SENDER = fields.size("chat_id") - len(NAMESPACE)  # the stored chat id holds the prefix
SIGNATURE_HEADER = "X-Aftercare-Signature"

routes = web.RouteTableDef()


def chat_id(sender: str) -> str:
    """The stored chat of a REST sender."""
    return NAMESPACE + sender


async def _authorised(request: web.Request) -> bool:
    secret = request.app[REST_SECRET]
    if secret is None:
        return request.app[REST_OPEN]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), secret):
        return True
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature.startswith("sha256="):
        return False
    expected = hmac.new(secret, await request.read(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(
        signature[len("sha256=") :].strip().lower().encode(), expected.encode()
    )


@routes.post("/webhooks/rest/webhook")
async def webhook(request: web.Request) -> web.Response:
    if not await _authorised(request):
        return error_response(
            401, "unauthorized", "the REST channel needs AFTERCARE_REST_SECRET (bearer or HMAC)"
        )
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
    replies = await request.app[ENGINE].handle(CHANNEL, chat_id(sender), inp)
    return json_response([rest_message(sender, r) for r in replies])


@routes.get("/webhooks/rest/")
async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})
