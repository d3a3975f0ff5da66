"""What the web chat page polls for: notices and staff replies pushed to its session.

The page gets the bot's own answers in the reply to what it posts; everything else
reaches it here (the dispatcher and the staff API record those messages in the chat's
transcript). A read-only unit of work: polls every few seconds never take SQLite's write
lock.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, func, literal, select
from sqlalchemy.orm import Session

from backend.domain.errors import ValidationFailed
from backend.services.chat_api import Pushed, PushedPage
from backend.services.desk import Desk
from backend.store.tables import Message

PUSHED_SPEAKERS = ("system", "staff")  # dispatcher notices, hand-backs and staff replies
PAGE = 50
MAX_ID = 2**63 - 1  # what a page may ask: the widest id any backend could hand out


async def pushed(desk: Desk, channel: str, chat_id: str, after: int | None) -> PushedPage:
    """Messages pushed to the chat after message `after`, oldest first, at most PAGE.
    `after` None (a page just opened) answers no history, only where to start.
    ValidationFailed when `after` cannot be a message id."""
    if after is not None and not 0 <= after <= MAX_ID:
        raise ValidationFailed(f"after must be a message id from 0 to {MAX_ID}")
    return await desk.db.read(_pushed, channel, chat_id, after)


def _pushed(session: Session, channel: str, chat_id: str, after: int | None) -> PushedPage:
    if after is None:
        last = session.execute(
            select(func.max(Message.id)).where(
                Message.channel == channel, Message.external_id == chat_id
            )
        ).scalar()
        return PushedPage(messages=(), last=last or 0)
    rows = session.scalars(
        select(Message)
        .where(
            Message.channel == channel,
            Message.external_id == chat_id,
            Message.direction == "out",
            Message.speaker.in_(PUSHED_SPEAKERS),
            # As a BIGINT: PostgreSQL would read the parameter as the column's INTEGER,
            # and an `after` past 2**31 would fail there instead of matching nothing.
            Message.id > literal(after, BigInteger),
        )
        .order_by(Message.id)
        .limit(PAGE)
    ).all()
    messages = tuple(
        Pushed(
            id=m.id,
            text=m.text,
            speaker=m.speaker,
            at=m.at,
            buttons=tuple((b["title"], b["payload"]) for b in m.buttons or ()),
        )
        for m in rows
    )
    return PushedPage(messages=messages, last=messages[-1].id if messages else after)
