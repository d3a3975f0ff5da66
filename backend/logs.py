"""Logging set-up: personal data (phones, addresses) never reaches a log line in clear.

The handler's filter masks the whole rendered line: the message with its `args`, the
exception text and traceback (a store error's text quotes the statement, and the
database's own detail can quote a value: `Key (phone)=(138…) already exists`), and any
stack info. Bound parameters are hidden at the source too (`hide_parameters=True` on
every engine, backend/store/db.py).

Every line also carries the id of the request it belongs to. The request id lives in a
context variable: the aiohttp middleware below sets one per HTTP request (a sane
`X-Request-Id` the caller sent, else a fresh one), the Telegram channel one per update;
asyncio tasks and the store's worker thread (Database copies the context) inherit it,
so one id follows a message through the channel, the NLU call and the store.
`AFTERCARE_LOG_FORMAT=json` writes one JSON object a line (python-json-logger).
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import sys
from typing import TextIO

from aiohttp import web
from pythonjsonlogger.json import JsonFormatter

from backend.domain.contact import mask_address, mask_phone, normalise_phone

# A phone in every form the desk accepts (backend/domain/contact.normalise_phone): with
# +86/0086, spaces or dashes between the digits ("138 1234 5678"), area codes in
# brackets, full-width digits. A digit run that merely contains one is left alone.
_D = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\\-\uff0d\u2013\u2014]?"
_PHONE = re.compile(
    rf"(?<![0-9\uff10-\uff19])(?:"
    rf"(?:(?:\+|\uff0b|00)?86{_SEP}{_SEP})?[1\uff11][3-9\uff13-\uff19]{_D}(?:{_SEP}{_D}){{8}}"
    rf"|[(\uff08]?[0\uff10]{_D}{{2,3}}[)\uff09]?{_SEP}{_D}(?:{_SEP}{_D}){{6,7}}"
    rf"|[48\uff14\uff18][0\uff10]{{2}}{_SEP}{_D}{{3}}{_SEP}{_D}{{4}}"
    rf")(?![0-9\uff10-\uff19])"
)
# What a caller's X-Request-Id may be: short, plain (it is copied into every log line).
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_ID_HEADER = "X-Request-Id"

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# A mainland address is one run of Chinese, digits and a few signs ("北京市海淀区中关村
# 大街27号院3号楼502室"). A run is taken for an address when it names two levels
# (省 市 区 路 …) or a numbered building part (27号, 3栋, 502室): ordinary log wording
# has neither, and masking a little too much in a log costs nothing.
_RUN = re.compile(r"[\u4e00-\u9fff0-9A-Za-z#\-－]{4,}")
_LEVELS = re.compile(r"省|市|区|县|镇|乡|村|路|街|道|巷|弄|小区|社区|花园|大厦|公寓")
_NUMBERED = re.compile(r"\d+\s*(?:号|栋|幢|单元|室|楼|弄|层)")


def _address(m: re.Match[str]) -> str:
    run = m.group(0)
    if len(_LEVELS.findall(run)) >= 2 or _NUMBERED.search(run):
        return mask_address(run)
    return run


def _phone(m: re.Match[str]) -> str:
    return mask_phone(normalise_phone(m.group(0)) or m.group(0))


# A web chat session id (bot/channels/sessions.py: token_urlsafe(24), 32 characters) is
# the key to a conversation: never written whole (a staff reply's path names it, and so
# would the access log's request line). Other 32-character tokens are hidden alike.
_SESSION = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])")


def mask_text(text: str) -> str:
    text = _SESSION.sub(r"\1…", text)
    return _RUN.sub(_address, _PHONE.sub(_phone, text))


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
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        record.request_id = request_id.get()
        if record.exc_info:
            # Rendered and masked here, and the raw exception dropped, so no handler or
            # formatter after us can print its unmasked text.
            record.exc_text = mask_text(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "request_id", "message")


def configure(level: str = "INFO", fmt: str = "text", stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
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
