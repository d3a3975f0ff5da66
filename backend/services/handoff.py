"""Chats handed to a person: the staff's queue, a chat's transcript, a staff reply and
giving the chat back to the bot. Each use case is one unit of work.

Delivering a reply or the hand-back notice to the customer is not done here: the caller
(the staff API) hands the returned Reply to the channel, after the transcript holds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import flag_modified

from backend.domain import fields
from backend.domain.contact import mask_phone
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.domain.kinds import Channel
from backend.services import audit, tapped, texts
from backend.services.desk import Desk
from backend.services.replies import Reply
from backend.store.tables import Conversation, Customer, Message, Ticket

log = logging.getLogger(__name__)

# The chat channels a person can take over (the hotline and the API have no chat).
CHANNELS = (Channel.TELEGRAM.value, Channel.WEB.value)
MAX_REPLY = fields.size("message")  # a staff reply is one chat message


class NotHandedOff(Conflict):
    """A hand-back of a chat the bot already has: telling the customer twice that the
    person has left would only confuse them."""

    code = "not_handed_off"


@dataclass(frozen=True)
class WaitingChat:
    channel: str
    chat_id: str
    since: str | None  # when it was handed off (ISO 8601, as stored)
    ticket: str | None  # the number of the ticket the chat is about
    last_customer_message: str | None
    waited_seconds: int | None = None  # how long it has waited, by the desk's clock
    phone: str | None = None  # the customer's phone, masked (when the chat knows them)


@dataclass(frozen=True)
class Line:
    id: int
    at: datetime
    direction: str
    speaker: str
    text: str
    intent: str | None
    ticket: str | None
    button: str | None = None  # a tapped button's title, when the text is its payload


@dataclass(frozen=True)
class Transcript:
    channel: str
    chat_id: str
    handed_off: bool
    messages: tuple[Line, ...]


def check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise NotFound(f"no chat channel {channel!r}")


# ---- the use cases ------------------------------------------------------------------


async def waiting(desk: Desk) -> list[WaitingChat]:
    """Chats waiting for a person, longest-waiting first, each with what the customer
    said last."""
    return await desk.db.read(_waiting, desk.now())


async def transcript(desk: Desk, channel: str, chat_id: str) -> Transcript:
    check_channel(channel)
    return await desk.db.read(_transcript, channel, chat_id)


async def staff_reply(desk: Desk, channel: str, chat_id: str, text: str, actor: str) -> int:
    """Record what a person answers the chat (who: `actor`, in the audit log); returns
    the message id. The caller delivers `Reply(text)` (stripped, as recorded)."""
    check_channel(channel)
    text = reply_text(text)
    message_id = await desk.db.write(_staff_reply, channel, chat_id, text, desk.now(), actor)
    log.info("%s replied to %s chat %s (message %d)", actor, channel, chat_id, message_id)
    return message_id


async def hand_back(
    desk: Desk, channel: str, chat_id: str, *, speaker: str, actor: str
) -> Reply | None:
    """Give the chat back to the bot: the customer is told so, with the main menu.
    None when there is no such chat; NotHandedOff when the bot has it already."""
    check_channel(channel)
    reply = Reply(texts.HANDED_BACK, texts.MENU)
    found = await desk.db.write(_hand_back, channel, chat_id, speaker, reply, desk.now(), actor)
    return reply if found else None


def reply_text(text: object) -> str:
    """A staff reply as it is recorded and sent: 1 to 4000 characters, trimmed."""
    if not isinstance(text, str) or not 0 < len(text.strip()) <= MAX_REPLY:
        raise ValidationFailed(f"text must be 1-{MAX_REPLY} characters")
    return text.strip()


# ---- units of work --------------------------------------------------------------------


def _waiting(session: Session, now: datetime) -> list[WaitingChat]:
    # One statement: each chat joined to its latest incoming message (the highest id of
    # the chat's customer messages), not one query per chat.
    last = aliased(Message)
    latest_in = (
        select(func.max(Message.id))
        .where(
            Message.channel == Conversation.channel,
            Message.external_id == Conversation.external_id,
            Message.direction == "in",
        )
        .correlate(Conversation)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Conversation, last.text)
        .outerjoin(last, last.id == latest_in)
        .where(Conversation.handed_off.is_(True))
        .order_by(Conversation.updated_at, Conversation.id)
    ).all()
    ids = {_state(conv).get("customer_id") for conv, _ in rows} - {None}
    phones = {}
    if ids:
        found = session.execute(select(Customer.id, Customer.phone).where(Customer.id.in_(ids)))
        phones = dict(found.all())
    return [
        WaitingChat(
            channel=conv.channel,
            chat_id=conv.external_id,
            since=_state(conv).get("handed_off_at"),
            ticket=_state(conv).get("ticket"),
            last_customer_message=text,
            waited_seconds=_waited(_state(conv).get("handed_off_at"), now),
            phone=mask_phone(phones.get(_state(conv).get("customer_id"))) or None,
        )
        for conv, text in rows
    ]


def _waited(since: str | None, now: datetime) -> int | None:
    try:
        moment = datetime.fromisoformat(since) if since else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0, int((now - moment).total_seconds()))


def _transcript(session: Session, channel: str, chat_id: str) -> Transcript:
    rows = session.execute(
        select(Message, Ticket.number)
        .outerjoin(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.channel == channel, Message.external_id == chat_id)
        .order_by(Message.id)
    ).all()
    conv = _conversation(session, channel, chat_id)
    if conv is None and not rows:
        raise NotFound(f"no {channel} chat {chat_id!r}")
    return Transcript(
        channel=channel,
        chat_id=chat_id,
        handed_off=bool(conv and conv.handed_off),
        messages=tuple(
            Line(m.id, m.at, m.direction, m.speaker, m.text, m.intent, number, pressed)
            for (m, number), (_, pressed) in zip(
                rows, tapped.as_read((m.direction, m.text, m.buttons) for m, _ in rows), strict=True
            )
        ),
    )


def _staff_reply(session: Session, channel: str, chat_id: str, text: str, now, actor: str) -> int:
    conv = _conversation(session, channel, chat_id)
    if conv is None:
        raise NotFound(f"no {channel} chat {chat_id!r}")
    message_id = _record(session, conv, speaker="staff", reply=Reply(text), now=now)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="chat.reply",
        subject=f"message:{message_id}",
        detail={"conversation": conv.id},
    )
    return message_id


def _hand_back(
    session: Session, channel: str, chat_id: str, speaker: str, reply: Reply, now, actor: str
) -> bool:
    conv = _conversation(session, channel, chat_id, lock=True)
    if conv is None:
        return False
    if not conv.handed_off:
        raise NotHandedOff(f"the {channel} chat {chat_id!r} is not with a person")
    state = dict(_state(conv))
    state.pop("handed_off_at", None)
    state["misses"] = 0  # the bot starts afresh: no "misunderstood twice" carried over
    conv.handed_off = False
    conv.state = state
    flag_modified(conv, "state")
    conv.updated_at = now
    _record(session, conv, speaker=speaker, reply=reply, now=now)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="chat.handback",
        subject=f"conversation:{conv.id}",
        detail={},
    )
    return True


def _conversation(
    session: Session, channel: str, chat_id: str, *, lock: bool = False
) -> Conversation | None:
    stmt = select(Conversation).where(
        Conversation.channel == channel, Conversation.external_id == chat_id
    )
    return session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


def _state(conv: Conversation) -> dict:
    return conv.state or {}


def _record(session: Session, conv: Conversation, *, speaker: str, reply: Reply, now) -> int:
    """An outgoing message in the chat's transcript, filed under the chat's ticket and
    customer; its buttons are kept for the web page, which shows it by polling."""
    state = _state(conv)
    message = Message(
        channel=conv.channel,
        external_id=conv.external_id,
        direction="out",
        speaker=speaker,
        text=reply.text,
        buttons=reply.to_payload().get("buttons"),
        at=now,
        ticket_id=state.get("ticket_id"),
        customer_id=state.get("customer_id"),
    )
    session.add(message)
    session.flush()
    return message.id
