"""Every typed application key in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from backend.config import Settings
from backend.services.desk import Desk
from backend.store.db import Database
from nlu.client import NluClient

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel
    from bot.dialogue.engine import Engine

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
DESK = web.AppKey("desk", Desk)
NLU = web.AppKey("nlu", NluClient)
# Channels sit above the API layer, so their types are named for the checker only.
ENGINE: web.AppKey[Engine] = web.AppKey("engine")  # the dialogue engine (bot.dialogue)
TELEGRAM: web.AppKey[TelegramChannel] = web.AppKey("telegram")  # when a bot token is set
