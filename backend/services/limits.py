"""The abuse limits, each decided here and nowhere else.

- messages: per chat (a web session, a REST sender, a Telegram chat) and per client
  address, token buckets in memory (backend/domain/limits.py); the engine asks once per
  incoming message (`ChatDesk.admit`), before anything is read or written, so a refused
  message leaves nothing behind;
- hand-offs per chat and hotline calls per agent: token buckets too;
- tickets per phone and per chat a day: counted in the store, inside the filing unit of
  work (`check_tickets`), so the limit holds across processes and restarts; concurrent
  filings for one phone or chat are serialised there (`lock_names`: an advisory lock on
  PostgreSQL, the write lock on SQLite), so two of them cannot both see four and file;
- SMS verification codes per phone and per chat an hour: counted in the store too
  (`check_codes`, inside the unit of work that makes the code, serialised the same way);
- supervisor pages: at most one per complaint per `page_interval` (backend/services/
  notices.py `escalate` asks `paged_recently`).

Every refusal raises `LimitReached` (its message is the polite reply) and is counted
through `Limits.refused`, the one place the metric is fed: it calls the desk's own
`Metrics.limit_refused` (backend/services/desk.py binds it), so each desk's `/metrics`
counts only its own refusals (tests run several apps in one process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.domain.errors import LimitReached
from backend.domain.kinds import Channel
from backend.domain.limits import Buckets, Rate
from backend.services import texts
from backend.store.db import lock_names
from backend.store.tables import SmsCode, Ticket

# Tickets filed by customers themselves are limited; staff, hotline agents and the desk's
# own follow-ups (surveys) file for customers and are not.
CUSTOMER_CHANNELS = frozenset({Channel.WEB, Channel.TELEGRAM})
DAY = timedelta(days=1)

CHAT = Rate(30, 60, 10)
ADDRESS = Rate(600, 60, 100)
HANDOFFS = Rate(3, 3600, 3)
AGENT_CALLS = Rate(60, 3600, 20)


@dataclass(frozen=True)
class LimitPolicy:
    """The numbers in force (backend/config.py builds it from the settings)."""

    enabled: bool = True
    chat: Rate = CHAT  # messages per chat
    address: Rate = ADDRESS  # messages per client address (NAT: many people)
    handoffs: Rate = HANDOFFS  # hand-offs to a person per chat
    agent_calls: Rate = AGENT_CALLS  # hotline calls imported per agent
    tickets_per_day: int = 5  # per phone and per chat, rolling 24 hours
    page_interval: timedelta = timedelta(hours=1)  # supervisor pages per complaint
    codes_per_hour: int = 5  # SMS verification codes per phone and per chat


OFF = LimitPolicy(enabled=False)


@dataclass
class Limits:
    policy: LimitPolicy = OFF
    # Told the name of every limit that refused something (aftercare_limit_refusals_total);
    # the Desk binds it to its Metrics when none is given.
    on_refusal: Callable[[str], None] | None = None
    _buckets: dict[str, Buckets] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        p = self.policy
        self._buckets = {
            "chat": Buckets(p.chat),
            "address": Buckets(p.address),
            "handoff": Buckets(p.handoffs),
            "agent_calls": Buckets(p.agent_calls),
        }

    @property
    def enabled(self) -> bool:
        return self.policy.enabled

    def refused(self, limit: str) -> None:
        """Count one refusal of `limit` (the metric's label)."""
        if self.on_refusal is not None:
            self.on_refusal(limit)

    @property
    def page_quiet(self) -> timedelta | None:
        """How long after a supervisor page a complaint is not paged again (None: off)."""
        return self.policy.page_interval if self.policy.enabled else None

    def take(self, limit: str, key: str, now: datetime, message: str) -> None:
        """Spend one token of `limit` for `key`, or raise LimitReached with `message`."""
        if not self.policy.enabled:
            return
        wait = self._buckets[limit].take(key, now.timestamp())
        if wait > 0:
            self.refused(limit)
            raise LimitReached(limit, wait, message)

    def message(self, channel: str, chat_id: str, address: str | None, now: datetime) -> None:
        """One incoming chat message: the address first (a flood from many senders),
        then the chat. Raises LimitReached with the customer's polite reply."""
        if address:
            self.take("address", address, now, texts.TOO_MANY_MESSAGES)
        self.take("chat", f"{channel}:{chat_id}", now, texts.TOO_MANY_MESSAGES)

    def handoff(self, channel: str, chat_id: str, now: datetime) -> None:
        self.take("handoff", f"{channel}:{chat_id}", now, texts.TOO_MANY_HANDOFFS)

    def agent_call(self, agent_id: str, now: datetime) -> None:
        self.take("agent_calls", agent_id, now, texts.TOO_MANY_CALLS)


def check_tickets(
    session: Session,
    limits: Limits,
    *,
    channel: Channel,
    actor: str,
    follow_up: bool,
    phone: str | None,
    identity_id: int | None,
    now: datetime,
) -> None:
    """Inside the filing unit of work: a customer's own chat files at most
    `tickets_per_day` tickets per phone and per chat in 24 hours. The desk's own
    follow-ups (a survey's complaint, a rejected outcome) and staff filings are not
    counted against the customer."""
    policy = limits.policy
    if not policy.enabled or channel not in CUSTOMER_CHANNELS:
        return
    if actor != "customer" or follow_up:
        return
    scope, names = [], []
    if phone:
        scope.append(Ticket.contact_phone == phone)
        names.append(f"tickets-of-phone:{phone}")
    if identity_id is not None:
        scope.append(Ticket.identity_id == identity_id)
        names.append(f"tickets-of-chat:{identity_id}")
    if not scope:
        return
    # Two filings for one phone or chat at once would both count four and both file:
    # the second waits here until the first has committed, then counts its ticket too.
    lock_names(session, names)
    since = now - DAY
    stmt = select(func.count(), func.min(Ticket.registered_at)).where(
        Ticket.registered_at > since, or_(*scope)
    )
    filed, oldest = session.execute(stmt).one()
    if filed >= policy.tickets_per_day:
        limits.refused("tickets")  # now, not on commit: the refusal rolls the unit back
        wait = (oldest + DAY - now).total_seconds() if oldest else DAY.total_seconds()
        raise LimitReached(
            "tickets", wait, texts.TOO_MANY_TICKETS.format(limit=policy.tickets_per_day)
        )


HOUR = timedelta(hours=1)


def check_codes(
    session: Session, limits: Limits, *, channel: str, chat_id: str, phone: str, now: datetime
) -> None:
    """Inside the unit of work that makes a code: at most `codes_per_hour` codes per
    phone (someone's phone flooded with texts, the provider's bill) and per chat (one chat
    trying phone after phone) in the last hour."""
    policy = limits.policy
    if not policy.enabled:
        return
    # Codes asked at once for one phone or chat would both count four: serialised.
    lock_names(session, [f"codes-of-phone:{phone}", f"codes-of-chat:{channel}:{chat_id}"])
    since = now - HOUR
    scopes = (
        SmsCode.phone == phone,
        (SmsCode.channel == channel) & (SmsCode.external_id == chat_id),
    )
    for scope in scopes:
        stmt = select(func.count(), func.min(SmsCode.created_at)).where(
            SmsCode.created_at > since, scope
        )
        sent, oldest = session.execute(stmt).one()
        if sent >= policy.codes_per_hour:
            limits.refused("sms_codes")
            wait = (oldest + HOUR - now).total_seconds() if oldest else HOUR.total_seconds()
            raise LimitReached("sms_codes", wait, texts.TOO_MANY_CODES)
