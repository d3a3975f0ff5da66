"""The web chat's "send": the notice becomes a row of the chat's transcript.

The web page reads its session's messages (with buttons) from the store, so delivery is
one row insert. The dispatcher runs it inside the transaction that marks the notice sent
(`outbox.deliver_in_store`): a notice is in the transcript exactly when it is recorded
sent, never twice and never lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.kinds import Channel
from backend.services.delivery import Claimed, Delivered
from backend.store.tables import ChannelIdentity, Message


def deliver_to_web(session: Session, notice: Claimed, now: datetime) -> Delivered:
    customer_id = session.execute(
        select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == Channel.WEB.value,
            ChannelIdentity.external_id == notice.chat_id,
        )
    ).scalar_one_or_none()
    row = Message(
        channel=Channel.WEB.value,
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
    session.flush()
    return Delivered(f"web:{row.id}")
