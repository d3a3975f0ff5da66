"""Logging set-up: personal data (phones) never reaches a log line in clear, and every
line carries the id of the request it belongs to.

The request id lives in a context variable: the aiohttp middleware below sets one per
HTTP request (a sane `X-Request-Id` the caller sent, else a fresh one), the Telegram
channel one per update; asyncio tasks and the store's worker thread (Database copies the
context) inherit it, so one id follows a message through the channel, the NLU call and
the store. `AFTERCARE_LOG_FORMAT=json` writes one JSON object a line (python-json-logger).
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets

from aiohttp import web
from pythonjsonlogger.json import JsonFormatter

from backend.domain.contact import mask_phone

_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[48]00-?\d{3}-?\d{4})(?!\d)")
# What a caller's X-Request-Id may be: short, plain (it is copied into every log line).
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_ID_HEADER = "X-Request-Id"

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def mask_text(text: str) -> str:
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def new_request_id(given: str | None = None) -> str:
    """Bind a request id to the current context (the given one when sane) and return it."""
    rid = given if given and _SANE_ID.fullmatch(given) else secrets.token_hex(6)
    request_id.set(rid)
    return rid


@web.middleware
async def request_id_middleware(request: web.Request, handler):
    # aiohttp runs each request in its own task: setting the variable here is local to it.
    rid = new_request_id(request.headers.get(REQUEST_ID_HEADER))
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = rid
        raise
    response.headers[REQUEST_ID_HEADER] = rid
    return response


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        record.request_id = request_id.get()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "request_id", "message")


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskingFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                list(JSON_FIELDS),
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The dispatcher ticks every second; its scheduler's per-run lines would drown the log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
