"""The JSON-over-HTTP conventions every endpoint shares, the staff API and the chat
channels alike: an error is `{"error": "<code>", "message": "..."}`, and a request body
must be one JSON object (a 400 `malformed_json` says what is wrong otherwise).

Plain aiohttp, nothing of the store, so the channels (bot/) use it too.
"""

from __future__ import annotations

import json

from aiohttp import web


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


async def json_body(request: web.Request) -> dict:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "malformed_json", "message": str(exc)}),
            content_type="application/json",
        ) from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "malformed_json", "message": "expected a JSON object"}),
            content_type="application/json",
        )
    return body
