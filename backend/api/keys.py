"""Every typed application key in one place."""

from __future__ import annotations

from aiohttp import web

from backend.config import Settings
from backend.services.desk import Desk
from backend.store.db import Database
from nlu.client import NluClient

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
DESK = web.AppKey("desk", Desk)
NLU = web.AppKey("nlu", NluClient)
