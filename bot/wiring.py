"""Attaching the dialogue engine and the chat channels to the app (called by compose)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlparse

from aiohttp import web

from backend.config import Settings, is_loopback
from bot.channels import rest, sessions, webchat
from bot.channels.keys import (
    CHAT_DESK,
    ENGINE,
    IDENTITY_SECRET,
    REST_OPEN,
    REST_SECRET,
    TELEGRAM,
    TRUSTED_PROXIES,
    WEBCHAT_KEY,
)
from bot.channels.telegram import DEFAULT_WEBHOOK_PATH, TelegramChannel
from bot.channels.wire import trusted_networks
from bot.dialogue.engine import Engine, Meter, Nlu

log = logging.getLogger(__name__)


def install(
    app: web.Application,
    settings: Settings,
    nlu: Callable[[], Nlu | None],
    meter: Callable[[], Meter | None] = lambda: None,
) -> None:
    """Routes now (the router freezes at start-up); engine and Telegram in cleanup_ctx,
    after the services (`CHAT_DESK`, set by the composition root), the NLU client
    (`nlu()`, opened by then) and the message counters (`meter()`) that they use."""
    app[TRUSTED_PROXIES] = trusted_networks(settings.trusted_proxies)
    app[WEBCHAT_KEY] = sessions.new_key(settings.webchat_secret)
    app[IDENTITY_SECRET] = _bytes(settings.identity_secret)
    app[REST_SECRET] = _bytes(settings.rest_secret)
    app[REST_OPEN] = is_loopback(settings.host)  # no secret: only while nobody else can call
    app.add_routes(rest.routes)
    app.add_routes(webchat.routes)
    if settings.telegram_token and settings.telegram_webhook_url:
        path = urlparse(settings.telegram_webhook_url).path or DEFAULT_WEBHOOK_PATH
        app.router.add_post(path, _telegram_webhook)

    async def engine_ctx(app: web.Application) -> AsyncIterator[None]:
        engine = Engine(app[CHAT_DESK], nlu(), meter=meter())
        app[ENGINE] = engine
        channel = None
        if settings.telegram_token:
            desk = app[CHAT_DESK]
            channel = TelegramChannel(settings, engine, attachments_dir=desk.attachments_dir)
            await channel.start()
            app[TELEGRAM] = channel
        try:
            yield
        finally:
            if channel is not None:
                await channel.stop()

    app.cleanup_ctx.append(engine_ctx)


def _bytes(secret: str | None) -> bytes | None:
    return secret.encode() if secret else None


async def _telegram_webhook(request: web.Request) -> web.Response:
    channel = request.app.get(TELEGRAM)
    if channel is None or not channel.webhook_mode:
        raise web.HTTPNotFound()
    return await channel.webhook(request)


__all__ = ["Nlu", "install"]
