"""Turning replies into the Rasa REST wire format (shared by REST, web chat and staff API)."""

from __future__ import annotations

from backend.services.replies import Reply


def rest_message(recipient: str, reply: Reply) -> dict:
    data: dict = {"recipient_id": recipient, "text": reply.text}
    if reply.buttons:
        data["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    return data
