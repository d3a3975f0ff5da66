"""The store work of every chat turn: one read (`load`) and one write (`save`).

Both are synchronous units of work (`Database.read` / `Database.write`; on SQLite each
runs whole in one worker-thread hop) on prebuilt Core statements, built once at import:
building them anew each turn cost more CPU than running them (SQLAlchemy's compiled
cache still walks a fresh expression to find its key: 3.5 -> 1.5 ms per load).
Statement parameters `b_channel` and `b_external_id` name the chat (see `chat`).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import (
    Integer,
    Row,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.store.tables import ChannelIdentity, Conversation, Customer, Message, Survey

_CHANNEL = bindparam("b_channel")
_EXTERNAL_ID = bindparam("b_external_id")
_conversations = Conversation.__table__
_messages = Message.__table__


def chat(channel: str, external_id: str) -> dict[str, str]:
    return {"b_channel": channel, "b_external_id": external_id}


def _this_chat(channel_column, external_id_column):
    return (channel_column == _CHANNEL, external_id_column == _EXTERNAL_ID)


def _load():
    conv = _this_chat(Conversation.channel, Conversation.external_id)
    ident = _this_chat(ChannelIdentity.channel, ChannelIdentity.external_id)
    bound = (
        select(Customer.id)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(ChannelIdentity.verified_at.is_not(None))  # a verified binding only
    )
    return select(
        select(Conversation.id).where(*conv).scalar_subquery(),
        select(Conversation.state).where(*conv).scalar_subquery(),
        select(Conversation.handed_off).where(*conv).scalar_subquery(),
        select(Conversation.last_update_id).where(*conv).scalar_subquery(),
        bound.where(*ident).scalar_subquery(),
        bound.with_only_columns(Customer.phone).where(*ident).scalar_subquery(),
        exists().where(
            *_this_chat(Survey.channel, Survey.chat_id),
            or_(Survey.status == "sent", Survey.awaiting_comment.is_(True)),
        ),
        LAST_MESSAGE.scalar_subquery(),
    )


LAST_MESSAGE = (
    select(Message.id)
    .where(*_this_chat(Message.channel, Message.external_id))
    .order_by(Message.id.desc())
    .limit(1)
)
# (conversation id, state, handed_off, last_update_id, customer id, customer phone,
# survey waiting, last message id) of one chat; None / False for a chat never seen.
LOAD = _load()

# executemany over the turn's transcript rows (every Message column but id and buttons)
ADD_MESSAGES = insert(_messages)

# The messages of this chat after `b_link` that belong to no ticket yet go to `b_ticket`.
LINK_MESSAGES = (
    update(_messages)
    .where(
        *_this_chat(_messages.c.channel, _messages.c.external_id),
        _messages.c.ticket_id.is_(None),
        _messages.c.id > bindparam("b_link", type_=Integer),
    )
    .values(ticket_id=bindparam("b_ticket", type_=Integer))
)

# SET state, handed_off, updated_at from parameters of those names
SAVE_STATE = update(_conversations).where(
    *_this_chat(_conversations.c.channel, _conversations.c.external_id)
)

# ... and the channel's update id, which only ever grows: a late repeat cannot lower it.
_last_update = func.coalesce(_conversations.c.last_update_id, 0)
_update_id = bindparam("b_update", type_=Integer)
SAVE_STATE_AND_UPDATE = SAVE_STATE.values(
    last_update_id=case((_last_update > _update_id, _last_update), else_=_update_id)
)


@cache
def new_conversation(dialect: str):
    """Insert the chat's conversation row unless a concurrent turn just did."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        dialect_insert(_conversations)
        .values(
            channel=_CHANNEL,
            external_id=_EXTERNAL_ID,
            state={},
            handed_off=False,
            updated_at=bindparam("at", type_=_conversations.c.updated_at.type),
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    )


def load(session: Session, chat: dict[str, str]) -> Row:
    return session.execute(LOAD, chat).one()


def save(
    session: Session,
    chat: dict[str, str],
    *,
    now: datetime,
    state: dict,
    handed_off: bool,
    messages: list[dict],
    exists: bool,
    update_id: int | None = None,
    link: tuple[int, int] | None = None,
) -> None:
    """The turn's state and transcript rows. `exists`: the conversation row is known to
    exist. `link`: (message id, ticket id) — this chat's messages after that id and
    without a ticket go to that ticket (a form's transcript joins the ticket it filed)."""
    if not exists:
        dialect = session.get_bind().dialect.name
        session.execute(new_conversation(dialect), {**chat, "at": now})
    if messages:
        session.execute(ADD_MESSAGES, messages)
    if link is not None:
        session.execute(LINK_MESSAGES, {**chat, "b_link": link[0], "b_ticket": link[1]})
    values = {**chat, "state": state, "handed_off": handed_off, "updated_at": now}
    if update_id is None:
        session.execute(SAVE_STATE, values)
    else:
        session.execute(SAVE_STATE_AND_UPDATE, {**values, "b_update": update_id})
