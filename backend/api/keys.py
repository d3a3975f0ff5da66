"""Every typed application key of the API in one place (the chat's are in
bot/channels/keys.py), and the ports the API calls out through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from backend.config import Settings
from backend.services.accounts import Principal
from backend.services.desk import Desk
from backend.services.replies import Reply
from backend.services.sessions import SessionPolicy
from backend.store.db import Database
from nlu.client import NluClient


class ChatPush(Protocol):
    """Delivers what staff say to a chat the moment it is recorded. The composition root
    plugs in the live channels (Telegram); a web page needs nothing, it picks pushed
    messages up from the transcript by polling."""

    async def push(self, channel: str, chat_id: str, reply: Reply) -> None: ...


SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
DESK = web.AppKey("desk", Desk)
NLU = web.AppKey("nlu", NluClient)
CHAT_PUSH = web.AppKey("chat_push", ChatPush)
SESSIONS = web.AppKey("sessions", SessionPolicy)
# The running Telegram bot's @username, when there is one (the composition root knows it;
# TELEGRAM_BOT_USERNAME comes first): staff binding links name it.
BOT_NAME: web.AppKey[Callable[[], str | None]] = web.AppKey("bot_name")
# The authenticated caller of a request (backend/api/access.py).
PRINCIPAL = web.RequestKey("principal", Principal)
