"""Operations endpoints: `/healthz` (liveness), `/readyz` (readiness), `/metrics`.

None of them needs the staff token (probes and scrapers do not carry it); `/metrics` is
instead loopback-only, or behind its own token (`AFTERCARE_METRICS_TOKEN`).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping

from aiohttp import web

from backend.api.access import needs
from backend.api.auth import bearer_in
from backend.api.errors import error_response
from backend.api.keys import DESK, NLU, SETTINGS
from backend.domain.permissions import Action
from backend.metrics import CONTENT_TYPE
from backend.services import health

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

# Headers a reverse proxy adds: a relayed request is not a local one, even though its
# TCP peer (the proxy on this host) is the loopback address.
_RELAYED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


@routes.get("/healthz")
@needs(Action.PUBLIC)
async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process serves and the store answers."""
    try:
        await health.alive(request.app[DESK])
    except Exception as exc:  # any store failure: the probe gets a reason, not a 500
        log.warning("liveness: the store does not answer: %s", exc)
        return web.json_response({"status": "down", "reason": "store: not answering"}, status=503)
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
@needs(Action.PUBLIC)
async def readyz(request: web.Request) -> web.Response:
    """Readiness: store reachable, migrations at head, the NLU serving the current model."""
    checks: dict[str, dict] = {}
    try:
        store = await health.store_health(request.app[DESK])
    except Exception as exc:
        log.warning("readiness: the store does not answer: %s", exc)
        checks["store"] = {"ready": False, "reason": "not answering"}
    else:
        checks["store"] = {
            "ready": store.migrated,
            "reason": f"at revision {store.revision}"
            + ("" if store.migrated else f", migrations not applied (head {store.head})"),
        }
    if (nlu := request.app.get(NLU)) is not None:
        state = await nlu.check()
        checks["nlu"] = {"ready": state.ready, "reason": state.reason}
        if state.starting:
            checks["nlu"]["starting"] = True
    ready = all(c["ready"] for c in checks.values())
    body: dict = {"status": "ready" if ready else "not_ready", "checks": checks}
    if not ready:
        body["reason"] = "; ".join(
            f"{k}: {c['reason']}" for k, c in checks.items() if not c["ready"]
        )
    return web.json_response(body, status=200 if ready else 503)


def metrics_allowed(
    peer: str | None, headers: Mapping[str, str], token: str | None
) -> tuple[int, str] | None:
    """None when the caller may scrape; else (status, reason). With a token set, the
    bearer token decides (any peer); without, only a direct loopback caller may."""
    if token:
        if bearer_in(headers, token):
            return None
        return 401, "a valid bearer token is required"
    if any(h in headers for h in _RELAYED):
        return 403, "metrics are served to loopback callers only (set AFTERCARE_METRICS_TOKEN)"
    try:
        loopback = peer is not None and ipaddress.ip_address(peer).is_loopback
    except ValueError:
        loopback = False  # a Unix socket or an unknown peer: not known to be local
    if not loopback:
        return 403, "metrics are served to loopback callers only (set AFTERCARE_METRICS_TOKEN)"
    return None


@routes.get("/metrics")
@needs(Action.PUBLIC)  # its own guard: loopback or the metrics token
async def metrics(request: web.Request) -> web.Response:
    refused = metrics_allowed(request.remote, request.headers, request.app[SETTINGS].metrics_token)
    if refused is not None:
        status, reason = refused
        return error_response(status, "unauthorized" if status == 401 else "forbidden", reason)
    desk = request.app[DESK]
    backlog = await health.outbox_backlog(desk)
    body = desk.metrics.render(
        outbox_pending=backlog.pending, outbox_oldest_seconds=backlog.oldest_seconds
    )
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
