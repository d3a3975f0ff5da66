"""Attaching the dialogue engine and the chat channels to the app (called by compose)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from backend.api.keys import DESK, NLU, SETTINGS
from bot.channels import rest, webchat
from bot.channels.keys import ENGINE, TELEGRAM
from bot.channels.telegram import DEFAULT_WEBHOOK_PATH, TelegramChannel
from bot.dialogue.engine import Engine

log = logging.getLogger(__name__)


async def _engine_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = Engine(app[DESK], app.get(NLU))
    app[ENGINE] = engine
    channel = None
    if settings.telegram_token:
        channel = TelegramChannel(
            settings, engine, attachments_dir=settings.var_dir / "attachments"
        )
        await channel.start()
        app[TELEGRAM] = channel
    try:
        yield
    finally:
        if channel is not None:
            await channel.stop()


async def _telegram_webhook(request: web.Request) -> web.Response:
    channel = request.app.get(TELEGRAM)
    if channel is None or not channel.webhook_mode:
        raise web.HTTPNotFound()
    return await channel.webhook(request)


def install(app: web.Application) -> None:
    """Routes now (the router freezes at start-up); engine and Telegram in cleanup_ctx,
    after the store and the NLU client they use."""
    settings = app[SETTINGS]
    app.add_routes(rest.routes)
    app.add_routes(webchat.routes)
    if settings.telegram_token and settings.telegram_webhook_url:
        from urllib.parse import urlparse

        path = urlparse(settings.telegram_webhook_url).path or DEFAULT_WEBHOOK_PATH
        app.router.add_post(path, _telegram_webhook)
    app.cleanup_ctx.append(_engine_ctx)
