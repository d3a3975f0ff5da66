"""The web chat "sends" by writing the notice into the chat's transcript.

The web page reads its session's messages (with buttons) from the store, so delivery is
one row insert, done in the same transaction that marks the notice sent: exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.services.outbox import Claimed, Delivered
from backend.store.tables import ChannelIdentity, Message


class WebSender:
    channel = "web"
    transactional = True  # the dispatcher calls send_in inside its recording transaction

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send_in(self, session: AsyncSession, notice: Claimed, now: datetime) -> Delivered:
        customer_id = (
            await session.execute(
                select(ChannelIdentity.customer_id).where(
                    ChannelIdentity.channel == "web", ChannelIdentity.external_id == notice.chat_id
                )
            )
        ).scalar_one_or_none()
        row = Message(
            channel="web",
            external_id=notice.chat_id,
            customer_id=customer_id,
            ticket_id=notice.ticket_id,
            direction="out",
            speaker="system",
            text=notice.text,
            buttons=notice.buttons or None,
            at=now,
        )
        session.add(row)
        await session.flush()
        return Delivered(f"web:{row.id}")
