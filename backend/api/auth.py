"""Bearer-token checks for staff and hotline endpoints."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from aiohttp import web

from backend.api.errors import error_response


def bearer_ok(request: web.Request, expected: str) -> bool:
    return bearer_in(request.headers, expected)


def bearer_in(headers: Mapping[str, str], expected: str) -> bool:
    header = headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode()
    )


def require_token(get_token):
    """Middleware factory guarding /api/ with the token `get_token(request)` returns."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path.startswith("/api/") and not bearer_ok(request, get_token(request)):
            return error_response(401, "unauthorized", "a valid bearer token is required")
        return await handler(request)

    return middleware
