"""The store's tables (SQLAlchemy 2 declarative). Migrations live in store/migrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from backend.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="customer")


class ChannelIdentity(Base):
    """How a customer is reached: a Telegram chat, a web chat session, a phone number."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # e.g. bot blocked (403)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When the chat proved it is the customer (SMS code, own contact, host identity);
    # an unverified binding (made by a typed phone before 0004) grants nothing.
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    customer: Mapped[Customer | None] = relationship(back_populates="identities")


class SmsCode(Base):
    """A one-time code sent to a phone for one chat (backend/services/verification.py).
    Only its hash is kept; `tries` counts wrong answers."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index("ix_sms_codes_chat", "channel", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Unit(Base):
    """A product unit sold, with the dates that decide who pays."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(64), index=True)
    serial_number: Mapped[str] = mapped_column(String(64), unique=True)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(64))
    region_class: Mapped[str] = mapped_column(String(16), default="city")
    abroad: Mapped[bool] = mapped_column(Boolean, default=False)


# The chat, the hotline and the units import find a unit by its serial number regardless
# of case (services/customers.find_unit, services/units_import): without this index each
# lookup reads the whole table.
Index("ix_units_serial_upper", func.upper(Unit.serial_number))


class Staff(Base):
    """A staff account: a person (or a hotline system) with a role
    (backend/domain/permissions.py). `name` is the display name; a disabled account
    (`active` false) can neither sign in nor use its tokens."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # permissions.ROLES
    region: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; None: no login


class StaffToken(Base):
    """A personal API token; only its SHA-256 is kept (the token is shown once)."""

    __tablename__ = "staff_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffLink(Base):
    """A one-time Telegram binding link (`https://t.me/<bot>?start=<token>`): only the
    token's SHA-256 is kept; `used_at` set once it bound the chat (it never binds again)."""

    __tablename__ = "staff_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffSession(Base):
    """A console sign-in; the cookie's value is kept only as a keyed hash."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HotlineAgent(Base):
    """An agent id a hotline account may post calls for (an unknown one is refused)."""

    __tablename__ = "hotline_agents"
    __table_args__ = (UniqueConstraint("staff_id", "agent_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))


class TicketCounter(Base):
    """The last serial handed out per kind and month; bumped atomically."""

    __tablename__ = "ticket_counters"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[str] = mapped_column(String(4), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_kind_status", "kind", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("channel_identities.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    product_model: Mapped[str | None] = mapped_column(String(64))
    serial_number: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(64))
    region_class: Mapped[str] = mapped_column(String(16), default="city")
    abroad: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    visit_time: Mapped[str | None] = mapped_column(String(100))
    requested_date: Mapped[date | None] = mapped_column(Date)
    severity: Mapped[str | None] = mapped_column(String(16))
    cause: Mapped[str | None] = mapped_column(String(64))
    responsible_dept: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(Text)
    major_fault: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    on_site_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketEvent(Base):
    """Every change of a ticket: time, actor, from, to, note."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # status | assign | note | expedite | ...
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    customer_visible: Mapped[bool] = mapped_column(Boolean, default=False)


class SlaClock(Base):
    """One running or finished service-level clock of a ticket."""

    __tablename__ = "sla_clocks"
    __table_args__ = (UniqueConstraint("ticket_id", "clock"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    clock: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    warn_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)  # e.g. a major fault
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Message(Base):
    """A conversation message or hotline transcript turn, kept as the ticket's transcript."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    speaker: Mapped[str] = mapped_column(String(16))  # customer | bot | agent | staff
    text: Mapped[str] = mapped_column(Text)
    # Pushed notices keep their buttons so the web chat page can show them.
    buttons: Mapped[list | None] = mapped_column(JSON)
    intent: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # photo | document
    file_ref: Mapped[str] = mapped_column(String(256))  # channel file id
    path: Mapped[str | None] = mapped_column(String(300))  # local copy, when downloaded
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Survey(Base):
    """The satisfaction survey (回访) of one ticket, with its answers."""

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_chat", "channel", "chat_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # satisfaction | acceptance
    status: Mapped[str] = mapped_column(String(16))  # scheduled | sent | answered | expired
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    region: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attitude: Mapped[str | None] = mapped_column(String(16))
    skill: Mapped[str | None] = mapped_column(String(16))
    punctuality: Mapped[str | None] = mapped_column(String(16))
    promise: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    follow_up_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # The chat the survey went to (answers are only taken from there) and whether the
    # optional free-text question is still open.
    channel: Mapped[str | None] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(128))
    awaiting_comment: Mapped[bool] = mapped_column(Boolean, default=False)


class Notification(Base):
    """The outbox: written in the same transaction as the change that causes it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128), index=True)
    audience: Mapped[str] = mapped_column(String(16))  # customer | staff
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    channel_message_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Conversation(Base):
    """Dialogue state per chat, stored so a restart resumes mid-form."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)
    last_update_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HotlineCall(Base):
    """A 400-hotline call record; the same call posted twice yields one ticket."""

    __tablename__ = "hotline_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_key: Mapped[str] = mapped_column(String(128), unique=True)
    caller: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditLog(Base):
    """Who did what to whom, append-only: rows are only ever inserted. The subject names
    a record by its id (`customer:12`), never by personal data, so an erasure's own
    entry does not keep what it erased."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(128), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class ReportSnapshot(Base):
    """A month's report as it was frozen (SPEC section 8: the report by the 10th). Later
    edits to that month's tickets do not change it; the API and the downloads serve it. One
    per month: the unique key makes the freeze happen once among all processes."""

    __tablename__ = "report_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM, local time
    frozen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    body: Mapped[dict] = mapped_column(JSON)


class NluInboxItem(Base):
    """A customer message the NLU did not understand (it fell back) or that staff read
    differently, kept for labelling (backend/services/nlu_inbox.py). The text is stored
    masked (phones and addresses, backend.logs.mask_text) and bound to no chat or
    customer; the same text again only counts up, keyed by the hash of the masked text."""

    __tablename__ = "nlu_inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    text_key: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))  # fallback | corrected
    channel: Mapped[str] = mapped_column(String(16))  # where it was last seen
    likely_intent: Mapped[str | None] = mapped_column(String(64), index=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    top_intents: Mapped[list] = mapped_column(JSON, default=list)  # [[intent, confidence]]
    model: Mapped[str | None] = mapped_column(String(64))  # the model that missed it
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    label: Mapped[str | None] = mapped_column(String(64), index=True)
    labelled_by: Mapped[str | None] = mapped_column(String(64))
    labelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
