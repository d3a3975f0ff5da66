"""The chat's one way into the desk: a typed interface and the values that cross it.

The dialogue engine and the chat channels (`bot/`) call only `ChatDesk`; the services
implement it (`backend.services.chat.ChatService`), and the composition root hands the
implementation to the engine. This module is plain Python on the domain's types, so
`bot/` imports it without importing the store (the import contracts in pyproject.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Protocol

from backend.domain.service_terms import ServiceTerms
from backend.services.replies import Reply
from backend.services.values import Registration, TicketView

__all__ = [
    "STAFF_LINK_PREFIX",
    "ChatDesk",
    "ChatRow",
    "CodeCheck",
    "Filed",
    "KnownCustomer",
    "Miss",
    "Outgoing",
    "Pushed",
    "PushedPage",
    "Registration",
    "TicketBrief",
    "TicketView",
    "UnitInfo",
]

# A staff member's binding link starts `/start bind_...`: any other start parameter (a
# customer's deep link) is the customer's greeting as usual.
STAFF_LINK_PREFIX = "bind_"


@dataclass(frozen=True)
class KnownCustomer:
    """What the dialogue uses of the chat's customer: only ever the customer of a
    verified binding (an SMS code, Telegram's own contact, a host site's identity)."""

    id: int
    phone: str | None


@dataclass
class ChatRow:
    """A chat as a turn starts from it: its stored state (JSON) and flags."""

    state: dict
    handed_off: bool
    last_update_id: int | None
    exists: bool
    customer: KnownCustomer | None = None  # the customer this chat is bound to, if any
    survey_open: bool = False  # a survey of this chat waits for an answer or a comment
    last_message_id: int = 0  # the chat's newest transcript row (a form's starts after it)


@dataclass(frozen=True)
class CodeCheck:
    """What a typed verification code did: `outcome` is "verified", "wrong" (tries left),
    "locked" (no tries left), "expired" or "none" (no code was sent to this chat)."""

    outcome: str
    tries_left: int = 0
    customer_id: int | None = None
    phone: str | None = None


@dataclass(frozen=True)
class UnitInfo:
    id: int
    product_name: str
    model: str
    serial_number: str
    address: str | None
    warranty_end: date | None
    contract_end: date | None

    @property
    def label(self) -> str:
        return f"{self.product_name} {self.model}"


@dataclass(frozen=True)
class Filed:
    """What the customer is told of a ticket just filed."""

    id: int
    number: str
    category: str | None
    region_class: str
    severity: str | None


@dataclass(frozen=True)
class TicketBrief:
    id: int
    number: str
    kind: str
    status: str
    registered_at: datetime


@dataclass(frozen=True)
class Miss:
    """A customer message the NLU did not understand, for the labelling inbox
    (backend/services/nlu_inbox.py): its text (masked there), the NLU's ranking, the
    model that read it, and why it is kept."""

    text: str
    ranking: tuple[tuple[str, float], ...] = ()
    model: str | None = None
    reason: str = "fallback"  # fallback | corrected (staff read it as `suggested`)
    suggested: str | None = None


@dataclass(frozen=True)
class Outgoing:
    text: str
    speaker: str = "bot"


@dataclass(frozen=True)
class Pushed:
    """A message pushed to a web chat (a notice or a staff reply), with its buttons."""

    id: int
    text: str
    speaker: str
    at: datetime
    buttons: tuple[tuple[str, str], ...] = ()  # (title, payload)


@dataclass(frozen=True)
class PushedPage:
    messages: tuple[Pushed, ...]
    last: int  # the id to ask `after` next time


class ChatDesk(Protocol):
    """Every read and write a conversation needs. Each call is one unit of work."""

    tz: tzinfo  # the desk's local time zone (dates and times shown to customers)
    attachments_dir: Path | None  # where a channel stores the photos customers send
    terms: ServiceTerms  # the published price list and service wording

    def today(self) -> date: ...

    def now(self) -> datetime: ...

    # ---- abuse limits (backend/services/limits.py) -----------------------------------
    def admit(self, channel: str, chat_id: str, address: str | None) -> None:
        """One incoming message of this chat from this client address (None: no address,
        e.g. Telegram); raises LimitReached (its message is the polite reply)."""

    def admit_handoff(self, channel: str, chat_id: str) -> None:
        """The chat asks for a person once more; raises LimitReached when too often."""

    # ---- the conversation ----------------------------------------------------------
    async def load(self, channel: str, chat_id: str) -> ChatRow: ...

    async def save_turn(
        self,
        channel: str,
        chat_id: str,
        *,
        state: dict,
        handed_off: bool,
        update_id: int | None,
        incoming: str | None,
        intent: str | None,
        outgoing: list[Outgoing],
        exists: bool = False,
        link: tuple[int, int] | None = None,
        customer_id: int | None = None,
        ticket_id: int | None = None,
        missed: Miss | None = None,
    ) -> None:
        """Store the state (JSON) and the turn's transcript in one unit of work.

        `exists`: the chat's row is known to exist (the turn loaded it). `link`: (message
        id, ticket id): this chat's messages after that id that belong to no ticket yet
        go to that ticket. `customer_id` / `ticket_id`: what the turn's messages concern.
        `missed`: the turn's message fell back; it goes to the labelling inbox (masked)
        in the same unit."""
        ...

    async def survey_input(self, channel: str, chat_id: str, text: str) -> list[Reply] | None:
        """A waiting survey's take on the input; None when no survey wants it."""
        ...

    async def pushed(self, channel: str, chat_id: str, after: int | None) -> PushedPage:
        """Notices and staff replies pushed to this chat after message `after` (None:
        nothing yet, only where to start)."""
        ...

    # ---- staff ------------------------------------------------------------------------
    async def bind_staff(self, token: str, chat_id: str) -> str | None:
        """A staff member opened their one-time binding link (Telegram sent `/start
        <token>` from chat `chat_id`): that chat gets the desk's notices to them. Their
        display name, or None when the token is unknown, used or expired (nothing bound)."""
        ...

    # ---- customers and units ---------------------------------------------------------
    async def customer_of(self, channel: str, chat_id: str) -> KnownCustomer | None: ...

    async def bind_phone(self, channel: str, chat_id: str, phone: str) -> int:
        """Bind the chat to the customer owning `phone`, verified by the channel."""
        ...

    async def send_code(self, channel: str, chat_id: str, phone: str) -> bool:
        """Text a verification code to `phone` for this chat; False when the SMS provider
        did not take it. Raises LimitReached (too many codes for the phone or the chat)
        and ValidationFailed (not a mobile number)."""
        ...

    async def check_code(self, channel: str, chat_id: str, code: str) -> CodeCheck:
        """The code the chat typed; the right one binds the chat to the phone's customer,
        verified."""
        ...

    async def units_of(self, customer_id: int | None) -> list[UnitInfo]: ...

    async def unit_for(
        self, *, serial: str | None, model: str | None, customer_id: int | None
    ) -> UnitInfo | None: ...

    def category_of(self, unit: UnitInfo | None) -> str: ...

    # ---- tickets ----------------------------------------------------------------------
    async def register(self, reg: Registration) -> Filed: ...

    async def tickets_of(
        self,
        channel: str,
        chat_id: str,
        *,
        verified: bool,
        open_only: bool = False,
        limit: int = 5,
    ) -> list[TicketBrief]: ...

    async def own_ticket(
        self, channel: str, chat_id: str, number: str, *, verified: bool
    ) -> TicketBrief | None: ...

    async def view(self, number: str) -> TicketView: ...

    async def expedite(self, number: str) -> tuple[TicketView, bool]:
        """Record the customer's urge; True when it was escalated to the supervisor."""
        ...

    async def cancel(self, number: str) -> TicketView: ...

    def can_cancel(self, kind: str, status: str) -> bool: ...

    async def add_attachment(
        self,
        channel: str,
        chat_id: str,
        *,
        file_ref: str,
        ticket_id: int | None,
        path: str | None = None,
    ) -> None: ...
