"""Turning replies into the Rasa REST wire format (shared by REST, web chat and staff API)."""

from __future__ import annotations

import functools
import json

from aiohttp import web

from backend.clients import Networks, client_address, trusted_networks, via_trusted_proxy
from backend.services.replies import Reply

# UTF-8 JSON: Chinese text as itself, not \uXXXX escapes (still valid JSON, and what
# Rasa's REST channel clients parse alike). Content-Type: application/json; charset=utf-8.
dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(data, *, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def rest_message(recipient: str, reply: Reply) -> dict:
    data: dict = {"recipient_id": recipient, "text": reply.text}
    if reply.buttons:
        data["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    return data


# Who is asking (the peer, or behind our own proxies the forwarded client): one rule,
# in backend/clients.py, shared with the staff API.
__all__ = [
    "Networks",
    "client_address",
    "json_response",
    "rest_message",
    "trusted_networks",
    "via_trusted_proxy",
]
