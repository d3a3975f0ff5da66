"""TEMPORARY shim (the staff-web branch brings the real one)."""

from __future__ import annotations

from backend.services.chat_api import PushedPage


async def pushed(desk, channel, chat_id, after) -> PushedPage:
    raise NotImplementedError
