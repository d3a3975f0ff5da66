"""Erasing a customer (PIPL Art. 47): their personal data goes, the service facts stay.

One unit of work anonymises everything that names, reaches or quotes the customer: the
customer record, the chats they used (identities, conversation state, transcripts,
photos, outbox rows), their hotline calls, survey comments, the units' link and address,
and the personal fields of their tickets. What the reports count stays as it was: a
ticket keeps its kind, status, category, channel, region, timestamps, SLA clocks,
technician and survey scores, so the monthly figures add up the same after an erasure.
The audit log records who erased whom (by id) and when.

Chats are "theirs" when bound to the customer, when they filed or are linked to one of
their tickets, when a survey or notice of their tickets went there, or when the customer
typed their phone number there (the form state or a message holds it). Each such chat
gets a random pseudonym in place of its external id (a Telegram chat id identifies a
person as well as a phone number does) and is marked unreachable, so nothing is sent to
it again and its transcript rows still read as one chat.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from backend.domain.contact import mask_phone, normalise_phone
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.kinds import Channel
from backend.services import audit, photos
from backend.services.customers import by_phone
from backend.services.desk import Desk
from backend.services.outbox import UNSENT
from backend.store.tables import (
    Attachment,
    ChannelIdentity,
    Conversation,
    Customer,
    HotlineCall,
    Message,
    Notification,
    SmsCode,
    Survey,
    Ticket,
    TicketEvent,
    Unit,
)

log = logging.getLogger(__name__)

# What replaces the customer's words: staff reading an old transcript see why it is empty.
ERASED = "[已删除]"
# The hotline caller column cannot be empty; this is no phone number.
ERASED_CALLER = "erased"
ACTION = "customer.erase"

Chat = tuple[str, str]  # (channel, external id)


@dataclass(frozen=True)
class ErasureReport:
    """What one erasure anonymised (row counts), for the CLI, the API and the audit."""

    customer_id: int
    audit_id: int
    tickets: int = 0
    chats: int = 0
    identities: int = 0
    conversations: int = 0
    messages: int = 0
    attachments: int = 0
    files_removed: int = 0
    notifications: int = 0
    notifications_cancelled: int = 0
    hotline_calls: int = 0
    surveys: int = 0
    units: int = 0
    ticket_events: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


async def erase_customer(desk: Desk, phone: str, *, actor: str) -> ErasureReport:
    """Anonymise the customer with this phone number everywhere, in one transaction;
    their photo files are removed after it commits (see services/photos.py)."""
    canonical = normalise_phone(phone or "")
    if canonical is None:
        raise ValidationFailed(f"这不是有效的手机号码：{mask_phone(phone)}")
    if not actor or not actor.strip():
        raise ValidationFailed("请注明执行删除的人（actor）")
    counts, paths = await desk.db.write(_erase, canonical, actor.strip()[:64], desk.now())
    report = ErasureReport(**counts, files_removed=photos.remove_files(paths))
    log.info("customer %s erased by %s", report.customer_id, actor)
    return report


def _erase(
    session: Session, phone: str, actor: str, now: datetime
) -> tuple[dict, list[str | None]]:
    customer = by_phone(session, phone)
    if customer is None:
        raise NotFound(f"没有手机号为 {mask_phone(phone)} 的客户")
    # Lock the customer first: a ticket filed for them concurrently either commits
    # before (and is erased here) or waits and finds the phone gone.
    session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    cid = customer.id
    counts: dict[str, int] = {}

    tickets = (
        session.execute(
            select(Ticket).where(or_(Ticket.customer_id == cid, Ticket.contact_phone == phone))
        )
        .scalars()
        .all()
    )
    ticket_ids = [t.id for t in tickets]
    calls = (
        session.execute(
            select(HotlineCall).where(
                or_(HotlineCall.caller == phone, HotlineCall.ticket_id.in_(ticket_ids))
            )
        )
        .scalars()
        .all()
    )
    call_keys = [c.call_key for c in calls]
    chats = _their_chats(session, cid, phone, ticket_ids)
    # What staff notices may quote of the customer, gathered before it is erased below.
    quoted = (phone, customer.name, *_addresses(session, cid, tickets), *_said(session, tickets))

    if phone:  # the verification codes texted to the phone (their hashes name it)
        session.execute(delete(SmsCode).where(SmsCode.phone == phone))
    # The chats: identity, conversation, transcript, photos, outbox, survey routing.
    paths: list[str | None] = []
    counts["chats"] = len(chats)
    counts["identities"] = counts["conversations"] = 0
    counts["notifications"] = counts["notifications_cancelled"] = 0
    counts["messages"] = counts["attachments"] = 0
    for channel, external_id in sorted(chats):
        pseudonym = f"erased-{secrets.token_hex(8)}"
        same = {"channel": channel, "external_id": external_id}
        counts["identities"] += _update(
            session,
            ChannelIdentity,
            _chat_of(ChannelIdentity, same),
            customer_id=None,
            external_id=pseudonym,
            blocked_at=now,  # unreachable: notify_customer skips blocked chats
            verified_at=None,
        )
        session.execute(delete(SmsCode).where(_chat_of(SmsCode, same)))  # codes sent there
        counts["conversations"] += _update(
            session,
            Conversation,
            _chat_of(Conversation, same),
            external_id=pseudonym,
            state={},  # the form's slots held phone, address, name
            handed_off=False,
            updated_at=now,
        )
        counts["messages"] += _update(
            session,
            Message,
            _chat_of(Message, same),
            external_id=pseudonym,
            text=ERASED,
            buttons=None,
        )
        paths += photos.take_attachments(session, _chat_of(Attachment, same))
        counts["attachments"] = len(paths)
        notices = and_(
            Notification.channel == channel,
            Notification.chat_id == external_id,
            Notification.audience == "customer",
        )
        counts["notifications_cancelled"] += _cancel_unsent(session, notices)
        counts["notifications"] += _update(
            session, Notification, notices, chat_id=pseudonym, payload={"text": ERASED}
        )
        _update(
            session,
            Survey,
            and_(Survey.channel == channel, Survey.chat_id == external_id),
            chat_id=pseudonym,
            awaiting_comment=False,
        )

    # Their tickets: the personal fields go, the facts the reports count stay.
    if ticket_ids:
        of_theirs = Message.ticket_id.in_(ticket_ids)
        counts["messages"] += _update(
            session, Message, and_(of_theirs, Message.text != ERASED), text=ERASED, buttons=None
        )
        paths += photos.take_attachments(session, Attachment.ticket_id.in_(ticket_ids))
        counts["attachments"] = len(paths)
        counts["surveys"] = _update(
            session,
            Survey,
            and_(Survey.ticket_id.in_(ticket_ids), Survey.comment.is_not(None)),
            comment=ERASED,
        )
        counts["notifications"] += _scrub_ticket_notices(
            session,
            Notification.ticket_id.in_(ticket_ids),
            quoted,
        )
        counts["ticket_events"] = _update(
            session,
            TicketEvent,
            and_(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.note.is_not(None)),
            note=ERASED,  # notes quote the customer (a rejection's reason, staff notes)
        )
    # The customer's own words: any message they wrote, wherever it is linked.
    counts["messages"] += _update(
        session,
        Message,
        and_(Message.customer_id == cid, Message.text != ERASED),
        text=ERASED,
        buttons=None,
    )

    # Hotline: the caller number and every turn of their calls.
    if call_keys:
        counts["messages"] += _update(
            session,
            Message,
            and_(Message.call_id.in_(call_keys), Message.text != ERASED),
            text=ERASED,
        )
        _update(
            session,
            Message,
            and_(Message.call_id.in_(call_keys), Message.external_id == phone),
            external_id=ERASED_CALLER,
        )
        _update(session, HotlineCall, HotlineCall.call_key.in_(call_keys), caller=ERASED_CALLER)
    counts["hotline_calls"] = len(call_keys)

    # Their units stay the manufacturer's sales records, without owner or address.
    counts["units"] = _update(
        session, Unit, Unit.customer_id == cid, customer_id=None, address=None
    )
    for ticket in tickets:
        ticket.contact_phone = None
        ticket.address = None
        ticket.visit_time = None  # the customer's own words ("周六下午，我妈在家")
        ticket.description = ERASED
        if ticket.outcome is not None:
            ticket.outcome = ERASED
    counts["tickets"] = len(tickets)
    customer.phone = None
    customer.name = None

    counts["audit_id"] = audit.record(
        session,
        at=now,
        actor=actor,
        action=ACTION,
        subject=f"customer:{cid}",
        detail={k: v for k, v in counts.items() if k != "audit_id"},
    )
    counts["customer_id"] = cid
    return counts, paths


def _chat_of(model, chat: dict):
    return and_(model.channel == chat["channel"], model.external_id == chat["external_id"])


def _update(session: Session, model, where, **values) -> int:
    stmt = update(model).where(where).values(**values).execution_options(synchronize_session=False)
    return session.execute(stmt).rowcount


def _cancel_unsent(session: Session, where) -> int:
    """Customer notices still waiting are given up: the chat is gone."""
    return _update(
        session,
        Notification,
        and_(where, Notification.status.in_(UNSENT)),
        status="dead",
        lease_until=None,
        last_error="customer erased",
    )


def _addresses(session: Session, cid: int, tickets) -> list[str]:
    units = session.execute(select(Unit.address).where(Unit.customer_id == cid)).scalars()
    return [a for a in (*units, *(t.address for t in tickets)) if a]


def _said(session: Session, tickets) -> list[str]:
    """The customer's words on their tickets: descriptions and survey comments."""
    comments = session.execute(
        select(Survey.comment).where(Survey.ticket_id.in_([t.id for t in tickets]))
    ).scalars()
    words = [*(t.description for t in tickets), *comments]
    return [w for w in words if w and w != ERASED]


def _scrub_ticket_notices(session: Session, where, secrets_: tuple) -> int:
    """Staff notices about their tickets (escalations quote phone and address): what the
    customer said goes; the notice itself still reaches the supervisor if unsent."""
    words = sorted({s for s in secrets_ if s}, key=len, reverse=True)
    changed = 0
    for notice in session.execute(select(Notification).where(where)).scalars():
        payload = _scrub(notice.payload, words)
        if payload != notice.payload:
            notice.payload = payload
            changed += 1
    return changed


def _scrub(value, words: list[str]):
    if isinstance(value, str):
        for word in words:
            value = value.replace(word, ERASED)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, words) for v in value]
    return value


def _their_chats(session: Session, cid: int, phone: str, ticket_ids: list[int]) -> set[Chat]:
    """Every chat that is the customer's (see the module's docstring)."""
    chats: set[Chat] = set()

    def add(rows) -> None:
        chats.update((channel, external) for channel, external in rows if external)

    identity_ids = select(Ticket.identity_id).where(Ticket.id.in_(ticket_ids))
    add(
        session.execute(
            select(ChannelIdentity.channel, ChannelIdentity.external_id).where(
                or_(ChannelIdentity.customer_id == cid, ChannelIdentity.id.in_(identity_ids))
            )
        )
    )
    add(
        session.execute(
            select(Message.channel, Message.external_id)
            .where(
                or_(
                    Message.customer_id == cid,
                    Message.ticket_id.in_(ticket_ids),
                    and_(Message.speaker == "customer", Message.text.contains(phone)),
                )
            )
            .where(Message.channel != Channel.HOTLINE.value)  # a call is not a chat
            .distinct()
        )
    )
    add(
        session.execute(
            select(Survey.channel, Survey.chat_id).where(Survey.ticket_id.in_(ticket_ids))
        )
    )
    add(
        session.execute(
            select(Notification.channel, Notification.chat_id).where(
                Notification.ticket_id.in_(ticket_ids), Notification.audience == "customer"
            )
        )
    )
    # A form the customer filled in part holds their phone in its slots (JSON as text
    # on both backends; digits are never escaped).
    add(
        session.execute(
            select(Conversation.channel, Conversation.external_id).where(
                cast(Conversation.state, String).contains(phone)
            )
        )
    )
    return {chat for chat in chats if chat[0] and not chat[1].startswith("erased-")}
