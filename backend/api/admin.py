"""Admin API: staff accounts, their tokens, hotline agents, the audit log, the settings.

GET  /api/admin/staff                         every account
POST /api/admin/staff                         create / update {username, role, name, region, ...}
POST /api/admin/staff/{username}/disable      tokens and sessions stop at once
GET  /api/admin/staff/{username}/tokens       the account's tokens (never the tokens themselves)
POST /api/admin/staff/{username}/tokens       a new token {label, expires_days}: shown once
POST /api/admin/tokens/{token_id}/revoke      revoke one token
GET  /api/admin/staff/{username}/agents       a hotline account's known agent ids
POST /api/admin/staff/{username}/agents       add one {agent_id}
GET  /api/admin/audit?action=&subject=&limit= the audit log, newest first
GET  /api/admin/settings                      the settings in force (secrets: set or not)
"""

from __future__ import annotations

from aiohttp import web

from backend.api.access import needs, principal
from backend.api.errors import json_body, path_id
from backend.api.keys import DESK, SETTINGS
from backend.config import SECRETS
from backend.domain.errors import ValidationFailed
from backend.domain.permissions import Action
from backend.services import accounts, audit

routes = web.RouteTableDef()

_SECRET_FIELDS = {name for name, _ in SECRETS} | {"telegram_token", "metrics_token"}


def _optional_text(body: dict, field: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string")
    return value


@routes.get("/api/admin/staff")
@needs(Action.ACCOUNTS)
async def list_accounts(request: web.Request) -> web.Response:
    return web.json_response({"staff": await accounts.accounts(request.app[DESK])})


@routes.post("/api/admin/staff")
@needs(Action.ACCOUNTS)
async def save_account(request: web.Request) -> web.Response:
    body = await json_body(request)
    active = body.get("active")
    if active is not None and not isinstance(active, bool):
        raise ValidationFailed("active must be true or false")
    saved = await accounts.save(
        request.app[DESK],
        accounts.check_username(body.get("username")),
        role=accounts.check_role(body.get("role")),
        name=_optional_text(body, "name"),
        region=_optional_text(body, "region"),
        password=_optional_text(body, "password"),
        telegram_chat_id=_optional_text(body, "telegram_chat_id"),
        active=active,
        actor=principal(request).actor,
    )
    return web.json_response(saved.account, status=201 if saved.created else 200)


@routes.post("/api/admin/staff/{username}/disable")
@needs(Action.ACCOUNTS)
async def disable_account(request: web.Request) -> web.Response:
    account = await accounts.disable(
        request.app[DESK], request.match_info["username"], actor=principal(request).actor
    )
    return web.json_response(account)


@routes.get("/api/admin/staff/{username}/tokens")
@needs(Action.ACCOUNTS)
async def list_tokens(request: web.Request) -> web.Response:
    found = await accounts.tokens(request.app[DESK], request.match_info["username"])
    return web.json_response({"tokens": found})


@routes.post("/api/admin/staff/{username}/tokens")
@needs(Action.ACCOUNTS)
async def create_token(request: web.Request) -> web.Response:
    body = await json_body(request) if request.can_read_body else {}
    issued = await accounts.issue_token(
        request.app[DESK],
        request.match_info["username"],
        label=body.get("label"),
        expires_days=body.get("expires_days"),
        actor=principal(request).actor,
    )
    return web.json_response({**issued.info, "token": issued.token}, status=201)


@routes.post("/api/admin/tokens/{token_id}/revoke")
@needs(Action.ACCOUNTS)
async def revoke_token(request: web.Request) -> web.Response:
    token_id = path_id(request, "token_id", "token")
    revoked = await accounts.revoke_token(
        request.app[DESK], token_id, actor=principal(request).actor
    )
    return web.json_response(revoked)


@routes.get("/api/admin/staff/{username}/agents")
@needs(Action.ACCOUNTS)
async def list_agents(request: web.Request) -> web.Response:
    found = await accounts.agents(request.app[DESK], request.match_info["username"])
    return web.json_response({"agents": found})


@routes.post("/api/admin/staff/{username}/agents")
@needs(Action.ACCOUNTS)
async def add_agent(request: web.Request) -> web.Response:
    body = await json_body(request)
    found = await accounts.add_agent(
        request.app[DESK],
        request.match_info["username"],
        body.get("agent_id"),
        actor=principal(request).actor,
    )
    return web.json_response({"agents": found})


@routes.get("/api/admin/audit")
@needs(Action.AUDIT)
async def audit_entries(request: web.Request) -> web.Response:
    try:
        limit = min(max(int(request.query.get("limit", 100)), 1), 1000)
    except ValueError:
        raise ValidationFailed("limit must be a number") from None
    found = await audit.entries(
        request.app[DESK],
        action=request.query.get("action") or None,
        subject=request.query.get("subject") or None,
        limit=limit,
    )
    return web.json_response({"entries": found})


@routes.get("/api/admin/settings")
@needs(Action.SETTINGS)
async def settings(request: web.Request) -> web.Response:
    values = request.app[SETTINGS].model_dump(mode="json")
    shown = {
        (type(request.app[SETTINGS]).model_fields[name].alias or name): (
            ("set" if value else "unset") if name in _SECRET_FIELDS else value
        )
        for name, value in values.items()
    }
    if "DATABASE_URL" in shown:  # may carry a password
        shown["DATABASE_URL"] = shown["DATABASE_URL"].split("@")[-1].split("://")[-1]
    return web.json_response({"settings": shown})
