"""The aiohttp application factory for the staff API (tests build apps through it too)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from backend.api import (
    admin,
    callers,
    chats,
    console,
    customers,
    me,
    nlu_inbox,
    openapi,
    ops,
    photos,
    reports,
    tickets,
    vocabulary,
)
from backend.api.access import access_middleware
from backend.api.errors import errors_middleware
from backend.api.keys import CHAT_PUSH, DB, DESK, SESSIONS, SETTINGS
from backend.api.pages import setup_pages
from backend.config import Settings
from backend.domain.calendar import WorkingCalendar
from backend.domain.clock import SystemClock
from backend.domain.kinds import Channel
from backend.domain.limits import Rate
from backend.domain.service_terms import ServiceTerms
from backend.domain.sla import SlaPolicy
from backend.logs import request_id_middleware
from backend.services.aliyun_sms import AliyunSms
from backend.services.desk import Clock, Desk
from backend.services.limits import LimitPolicy, Limits
from backend.services.replies import Reply
from backend.services.sessions import SessionPolicy
from backend.services.sms import LogGateway, SmsGateway
from backend.store.db import Database

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # a transcript fits; a runaway upload does not


def build_desk(settings: Settings, db: Database, clock: Clock | None = None) -> Desk:
    return Desk(
        db=db,
        clock=clock or SystemClock(),
        calendar=WorkingCalendar.load(settings.calendar_file),
        policy=SlaPolicy.load(settings.sla_file),
        serious_severity=settings.serious_severity,
        survey_delay=timedelta(hours=settings.survey_delay_hours),
        retention=timedelta(days=settings.retention_days),
        audit_retention=timedelta(days=settings.audit_retention_days),
        attachments_dir=settings.var_dir / "attachments",
        limits=Limits(limit_policy(settings)),
        sms=sms_gateway(settings),
        terms=ServiceTerms.load(settings.service_file),
    )


def sms_gateway(settings: Settings) -> SmsGateway:
    if settings.sms_gateway == "aliyun":
        return AliyunSms(
            access_key_id=settings.aliyun_sms_access_key_id or "",
            access_key_secret=settings.aliyun_sms_access_key_secret or "",
            sign_name=settings.aliyun_sms_sign_name or "",
            template_code=settings.aliyun_sms_template_code or "",
            endpoint=settings.aliyun_sms_endpoint,
        )
    return LogGateway()


def limit_policy(settings: Settings) -> LimitPolicy:
    return LimitPolicy(
        enabled=settings.limits,
        chat=Rate(settings.chat_rate, 60, settings.chat_burst),
        address=Rate(settings.address_rate, 60, settings.address_burst),
        handoffs=Rate(settings.handoffs_per_hour, 3600, settings.handoffs_per_hour),
        agent_calls=Rate(settings.agent_calls_per_hour, 3600, settings.agent_calls_per_hour),
        tickets_per_day=settings.tickets_per_day,
        page_interval=timedelta(minutes=settings.page_interval_minutes),
        codes_per_hour=settings.codes_per_hour,
    )


class PolledOnly:
    """CHAT_PUSH when no live channel is plugged in (the API alone, in tests): a web page
    finds staff messages in the transcript by polling; nothing else can be reached."""

    async def push(self, channel: str, chat_id: str, reply: Reply) -> None:
        if channel != Channel.WEB:
            log.warning("no live %s channel: message to chat %s only recorded", channel, chat_id)


def session_policy(settings: Settings) -> SessionPolicy:
    # Without a configured secret (tests, `aftercare run` fills one in): one per app,
    # so its sessions end with it.
    key = settings.session_secret or secrets.token_urlsafe(32)
    return SessionPolicy(key=key.encode(), idle=timedelta(hours=settings.session_idle_hours))


def store_ctx(clock: Clock | None):
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        db = Database(app[SETTINGS].database_url)
        await db.upgrade()
        app[DB] = db
        app[DESK] = desk = build_desk(app[SETTINGS], db, clock)
        app[SESSIONS] = session_policy(app[SETTINGS])
        log.info("store ready (%s)", db.dialect)
        yield
        await desk.sms.close()
        await db.close()

    return ctx


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[
            request_id_middleware,
            errors_middleware,
            access_middleware,  # every route's action against the permissions table
        ],
    )
    app[SETTINGS] = settings
    app[CHAT_PUSH] = PolledOnly()  # the composition root plugs in the live channels
    app.cleanup_ctx.append(store_ctx(clock))
    app.add_routes(ops.routes)  # /healthz, /readyz, /metrics
    app.add_routes(tickets.routes)
    app.add_routes(reports.routes)
    app.add_routes(console.routes)
    app.add_routes(chats.routes)
    app.add_routes(vocabulary.routes)
    app.add_routes(customers.routes)
    app.add_routes(nlu_inbox.routes)
    app.add_routes(openapi.routes)
    app.add_routes(me.routes)
    app.add_routes(callers.routes)
    app.add_routes(admin.routes)
    app.add_routes(photos.routes)  # a ticket's photos (multipart, its own size limits)
    setup_pages(app)  # the console's pages (backend/api/pages/)
    return app
