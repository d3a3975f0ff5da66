"""Turning domain errors and bad input into clear JSON errors."""

from __future__ import annotations

import logging

from aiohttp import web

from backend.domain.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    LimitReached,
    NotFound,
    ValidationFailed,
)
from backend.domain.limits import retry_after
from backend.httpjson import error_response, json_body

log = logging.getLogger(__name__)

__all__ = ["error_response", "errors_middleware", "json_body", "path_id"]

_BODY_HEADERS = {"content-type", "content-length"}
# A use case's own error (a subclass, e.g. handoff.NotHandedOff) takes its family's status.
_STATUS = {NotFound: 404, InvalidTransition: 409, Conflict: 409, ValidationFailed: 422}


def path_id(request: web.Request, name: str, what: str) -> int:
    """A row id from the path: digits naming a 32-bit INTEGER id, else 404 (a bigger or
    odd one names nothing, and must not reach the database as an overflow)."""
    raw = request.match_info[name]
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise NotFound(f"no {what} {raw!r}")
    return int(raw)


@web.middleware
async def errors_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except LimitReached as exc:  # an abuse limit (backend/services/limits.py)
        wait = retry_after(exc.retry_after)
        resp = error_response(429, exc.code, str(exc))
        resp.headers["Retry-After"] = str(wait)
        return resp
    except DomainError as exc:
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
        return error_response(status, exc.code, str(exc))
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "too_large", "request body is too large")
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            response = error_response(exc.status, "http_error", exc.reason)
            # Keep what the exception says beside its text: a 405's Allow (RFC 9110).
            for name, value in exc.headers.items():
                if name.lower() not in _BODY_HEADERS:
                    response.headers[name] = value
            return response
        raise
