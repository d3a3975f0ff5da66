"""Turning replies into the Rasa REST wire format (shared by REST, web chat and staff API)."""

from __future__ import annotations

import functools
import ipaddress
import json

from aiohttp import web

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


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def trusted_networks(setting: str) -> Networks:
    """AFTERCARE_TRUSTED_PROXIES: comma-separated addresses or networks."""
    parts = (p.strip() for p in setting.split(","))
    return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)


def client_address(request: web.Request, trusted: Networks) -> str | None:
    """Who sent the request: the peer, or, when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one of ours (a client can prepend anything it
    likes to that header, so it is read from the right)."""
    peer = request.remote
    if not _within(peer, trusted):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop if _valid(hop) else peer
    return peer


def via_trusted_proxy(request: web.Request, trusted: Networks) -> bool:
    return _within(request.remote, trusted)


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _within(address: str | None, trusted: Networks) -> bool:
    if not address or not trusted:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)
