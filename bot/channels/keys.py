"""The chat side's typed application keys, in one place (set by the composition root).

The API's own keys live in backend/api/keys.py; the backend never names these types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from backend.services.chat_api import ChatDesk

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel
    from bot.dialogue.engine import Engine

CHAT_DESK = web.AppKey("chat_desk", ChatDesk)  # the services, as the chat calls them
ENGINE: web.AppKey[Engine] = web.AppKey("engine")  # the dialogue engine
TELEGRAM: web.AppKey[TelegramChannel] = web.AppKey("telegram")  # when a bot token is set
# proxies whose X-Forwarded-For names the client (AFTERCARE_TRUSTED_PROXIES)
TRUSTED_PROXIES: web.AppKey[tuple] = web.AppKey("trusted_proxies")
# the web chat's cookie signing key (bot/channels/sessions.py)
WEBCHAT_KEY: web.AppKey[bytes] = web.AppKey("webchat_key")
# AFTERCARE_IDENTITY_SECRET as bytes (None: host-site identity is off)
IDENTITY_SECRET: web.AppKey[bytes | None] = web.AppKey("identity_secret")
# AFTERCARE_REST_SECRET, and whether the REST channel may go without it (loopback only)
REST_SECRET: web.AppKey[bytes | None] = web.AppKey("rest_secret")
REST_OPEN: web.AppKey[bool] = web.AppKey("rest_open")
