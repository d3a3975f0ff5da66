"""The web chat page at /chat and its endpoints, on a session the server issues.

`GET /chat` serves the page and sets the session cookie (bot/channels/sessions.py);
`POST /chat/send` takes the customer's message and answers the bot's replies;
`GET /chat/messages` is the page's poll for what is pushed to it (notices with their
buttons, staff replies); `POST /chat/identify` binds the session to a host site's
signed-in user (`user_id` + `identifier_hash`, as Chatwoot's identity validation).
Each takes the session from the cookie only: a session id in the URL or the body is
refused, so one client can never read or act in another's conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from importlib import resources

from aiohttp import web

from backend.domain import fields
from backend.domain.contact import normalise_phone
from backend.domain.errors import ValidationFailed
from backend.httpjson import error_response, json_body
from backend.services.chat_api import Pushed
from bot.channels import sessions
from bot.channels.keys import CHAT_DESK, ENGINE, IDENTITY_SECRET, TRUSTED_PROXIES
from bot.channels.wire import client_address, dumps, json_response
from bot.dialogue.engine import Input

CHANNEL = "web"
MAX_MESSAGE = fields.size("message")
MAX_USER_ID = 64
# Plain ASCII digits only: int() would also take "+5", " 5", "5_0" and other scripts'
# digits, none of which the page ever sends. The desk checks the range.
_DIGITS = re.compile(r"[0-9]{1,19}")
BAD_AFTER = "after must be a message id (a whole number from 0)"
NO_SESSION = "no web chat session: open /chat first (the session is its cookie)"
routes = web.RouteTableDef()


@routes.get("/chat")
async def page(request: web.Request) -> web.Response:
    html = resources.files(__package__).joinpath("page.html").read_text("utf-8")
    response = web.Response(
        text=html, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-cache"}
    )
    sessions.issue(request, response)
    return response


def _session(request: web.Request) -> str:
    if "session" in request.query:  # the old page's ?session=…: never a session
        raise _refusal(400, "session_in_url", "the session is the cookie, never a parameter")
    session_id = sessions.session_of(request)
    if session_id is None:
        raise _refusal(401, "no_session", NO_SESSION)
    return session_id


@routes.post("/chat/send")
async def send(request: web.Request) -> web.Response:
    session_id = _session(request)
    body = await json_body(request)
    message = body.get("message")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        return error_response(400, "bad_message", f"message must be text of <= {MAX_MESSAGE}")
    address = client_address(request, request.app[TRUSTED_PROXIES])
    inp = Input(text=message.strip(), address=address)
    # Over a limit the engine raises LimitReached: 429 with Retry-After (errors middleware).
    replies = await request.app[ENGINE].handle(CHANNEL, session_id, inp)
    return json_response({"replies": [_reply(r.text, r.buttons) for r in replies]})


@routes.get("/chat/messages")
async def pushed(request: web.Request) -> web.Response:
    """Messages pushed to this session after `after`: notices and staff replies, with
    their buttons. The first poll (no `after`) gets no history, only the id to start from."""
    session_id = _session(request)
    after = None
    if "after" in request.query:
        raw = request.query["after"]
        if not _DIGITS.fullmatch(raw):
            return error_response(400, "bad_after", BAD_AFTER)
        after = int(raw)
    try:
        page = await request.app[CHAT_DESK].pushed(CHANNEL, session_id, after)
    except ValidationFailed as exc:  # `after` beyond any message id
        return error_response(400, "bad_after", str(exc))
    return json_response({"messages": [_message(m) for m in page.messages], "last": page.last})


@routes.post("/chat/identify")
async def identify(request: web.Request) -> web.Response:
    """A host site vouches for its signed-in user: `identifier_hash` is HMAC-SHA256 of
    `user_id` under AFTERCARE_IDENTITY_SECRET (hex). The user id is the customer's
    mobile number (README "Host-site identity"): the session becomes that customer's,
    verified."""
    session_id = _session(request)
    secret = request.app[IDENTITY_SECRET]
    if secret is None:
        return error_response(404, "identity_off", "host-site identity is not configured")
    body = await json_body(request)
    user_id, given = body.get("user_id"), body.get("identifier_hash")
    if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_USER_ID:
        return error_response(400, "bad_user_id", f"user_id must be 1-{MAX_USER_ID} characters")
    if not isinstance(given, str):
        return error_response(400, "bad_identifier_hash", "identifier_hash must be text")
    expected = hmac.new(secret, user_id.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.strip().lower().encode(), expected.encode()):
        return error_response(403, "bad_identity", "identifier_hash does not match user_id")
    phone = normalise_phone(user_id)
    if phone is None:
        return error_response(422, "bad_user_id", "user_id must be the customer's phone number")
    await request.app[CHAT_DESK].bind_phone(CHANNEL, session_id, phone)
    return json_response({"verified": True})


def _reply(text: str, buttons) -> dict:
    return {"text": text, "buttons": [{"title": b.title, "payload": b.payload} for b in buttons]}


def _message(m: Pushed) -> dict:
    return {
        "id": m.id,
        "text": m.text,
        "speaker": m.speaker,
        "at": m.at.isoformat(),
        "buttons": [{"title": title, "payload": payload} for title, payload in m.buttons],
    }


def _refusal(status: int, code: str, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized}[status]
    return cls(text=dumps({"error": code, "message": message}), content_type="application/json")
