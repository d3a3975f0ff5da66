"""The conversation state: what a chat remembers between turns, typed.

Stored as JSON in the conversation row with a version number (`v`). Rows written before
versioning (a free dict of about fourteen keys, "version 1") still load: `from_json`
reads both. The top-level keys `misses`, `handed_off_at` and `ticket` keep their old
names and meaning because the staff hand-off service reads and resets them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERSION = 2
# How many of a chat's latest channel update ids are remembered to drop re-deliveries.
# Telegram may restart update ids at a random value after a week without updates, so
# only an id seen recently is a repeat; a lower one is not.
SEEN_UPDATES = 50


@dataclass
class Form:
    """A form in progress: which flow, what is answered, what is being asked."""

    flow: str
    slots: dict[str, Any] = field(default_factory=dict)  # answered slots
    asking: str | None = None  # the pending slot, or "confirm" at the summary
    editing: bool = False  # a single field is being corrected from the summary
    tries: int = 0  # times `asking` was asked and not answered (the loop guard)
    started_after: int = 0  # the last message before the form: its transcript follows

    def to_json(self) -> dict:
        return {
            "flow": self.flow,
            "slots": self.slots,
            "asking": self.asking,
            "editing": self.editing,
            "tries": self.tries,
            "started_after": self.started_after,
        }


@dataclass
class Pending:
    """A question of ours outside a form (cancel this ticket? which product?)."""

    action: str  # "cancel" | "warranty"
    ticket: str | None = None


@dataclass
class ConversationState:
    form: Form | None = None
    pending: Pending | None = None
    misses: int = 0  # messages in a row the bot did not understand
    handed_off_at: str | None = None  # ISO time the chat went to a person (handoff)
    ticket_id: int | None = None  # the ticket the chat is about now
    ticket: str | None = None  # ... and its number
    customer_id: int | None = None  # the customer the chat is bound to
    verified: bool = False  # the chat proved it is that customer
    seen_updates: list[int] = field(default_factory=list)  # latest channel update ids
    # Not stored: a survey of this chat waits for input (read from the survey table).
    survey: bool = False

    def seen(self, update_id: int | None) -> bool:
        """Whether this channel update was handled already; remembers it if not."""
        if update_id is None:
            return False
        if update_id in self.seen_updates:
            return True
        self.seen_updates = [*self.seen_updates, update_id][-SEEN_UPDATES:]
        return False

    def focus(self, ticket_id: int, number: str) -> None:
        self.ticket_id, self.ticket = ticket_id, number

    def to_json(self) -> dict:
        return {
            "v": VERSION,
            "form": self.form.to_json() if self.form else None,
            "pending": (
                {"action": self.pending.action, "ticket": self.pending.ticket}
                if self.pending
                else None
            ),
            "misses": self.misses,
            "handed_off_at": self.handed_off_at,
            "ticket_id": self.ticket_id,
            "ticket": self.ticket,
            "customer_id": self.customer_id,
            "verified": self.verified,
            "seen_updates": self.seen_updates,
        }

    @classmethod
    def from_json(cls, data: dict | None, last_update_id: int | None = None) -> ConversationState:
        """`last_update_id`: the row's column of that name, all a version-1 row knew of
        the updates it handled."""
        data = data or {}
        if data.get("v", 1) == 1:
            state = cls._from_v1(data)
            state.seen_updates = [] if last_update_id is None else [last_update_id]
            return state
        form = data.get("form")
        pending = data.get("pending")
        return cls(
            form=Form(**form) if form else None,
            pending=Pending(**pending) if pending else None,
            misses=int(data.get("misses") or 0),
            handed_off_at=data.get("handed_off_at"),
            ticket_id=data.get("ticket_id"),
            ticket=data.get("ticket"),
            customer_id=data.get("customer_id"),
            verified=bool(data.get("verified")),
            seen_updates=[int(u) for u in data.get("seen_updates") or ()],
        )

    @classmethod
    def _from_v1(cls, data: dict) -> ConversationState:
        """Today's rows before versioning: flat keys; `pending` a dict; per-turn flags
        (`form_starts_here`, `link_from_message`) that never outlive a turn are ignored."""
        form = None
        if data.get("flow"):
            form = Form(
                flow=data["flow"],
                slots=dict(data.get("slots") or {}),
                asking=data.get("asking"),
                editing=bool(data.get("editing")),
                started_after=int(data.get("form_started_after") or 0),
            )
        pending = data.get("pending") or None
        return cls(
            form=form,
            pending=Pending(pending["action"], pending.get("ticket")) if pending else None,
            misses=int(data.get("misses") or 0),
            handed_off_at=data.get("handed_off_at"),
            ticket_id=data.get("ticket_id"),
            ticket=data.get("ticket"),
            customer_id=data.get("customer_id"),
            verified=bool(data.get("verified")),
        )
