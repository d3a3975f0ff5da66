"""Who sent a request: the peer, or behind our own proxies (AFTERCARE_TRUSTED_PROXIES)
the client they forward; and whether it came over https. Plain aiohttp: the chat
channels (bot/) and the staff API share it."""

from __future__ import annotations

import ipaddress

from aiohttp import web

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


def over_https(request: web.Request, trusted: Networks) -> bool:
    """The request reached us over TLS, directly or through one of our proxies (only a
    trusted peer's X-Forwarded-Proto is believed)."""
    if request.secure:
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and _within(request.remote, trusted)
