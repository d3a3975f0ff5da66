"""The form machinery: what a step sees (`Ctx`), a slot, a flow, the summary.

A `Slot` carries everything known about one piece of information: how it is asked, read
from NLU entities and from free text, recognised without NLU, validated (its readers
raise `Invalid`), shown in the summary, and the words that name it in a correction
("地址写错了"). A `Flow` is a table of slots plus what its opening message says and what
submitting does. The engine and the steps know no slot or flow by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from backend.domain import fields
from backend.domain.kinds import TicketKind
from backend.services.chat_api import ChatDesk, KnownCustomer, UnitInfo
from backend.services.replies import Button, Reply
from bot.dialogue import parsing
from bot.dialogue import texts as T
from bot.dialogue.state import ConversationState, Form
from nlu.client import NluResult

if TYPE_CHECKING:
    from bot.dialogue.flows import Flows


class Invalid(Exception):
    """A value the customer gave that cannot be used; the message says why."""


@dataclass
class Ctx:
    """What a step may look at and use: the desk (service calls), the chat, its state,
    and what the turn decided beyond the state (hand off, link the form's transcript)."""

    desk: ChatDesk
    channel: str
    external_id: str
    state: ConversationState
    last_message_id: int = 0  # the chat's newest stored message before this turn
    flows: Flows | None = None  # the flows the engine runs
    handoff: bool = False  # set by a step: hand the chat to a person
    link: tuple[int, int] | None = None  # (after message id, ticket id) to link at save
    private: bool = True  # not a group chat (groups are never verified)
    _customer: KnownCustomer | None = None
    _loaded: bool = False

    @property
    def form(self) -> Form:
        assert self.state.form is not None, "no form in progress"
        return self.state.form

    @property
    def slots(self) -> dict:
        return self.state.form.slots if self.state.form else {}

    def asking(self, name: str) -> bool:
        """The form's question right now is slot `name`."""
        return self.state.form is not None and self.state.form.asking == name

    @property
    def verified(self) -> bool:
        return self.state.verified

    async def customer(self) -> KnownCustomer | None:
        if not self._loaded:
            self._customer = await self.desk.customer_of(self.channel, self.external_id)
            self._loaded = True
        if self._customer is not None:
            self.state.customer_id = self._customer.id
        return self._customer

    def known_customer(self, customer: KnownCustomer | None) -> None:
        """The chat's customer as the turn loaded it (saves a read when a step asks)."""
        self._customer, self._loaded = customer, True

    def forget_customer(self) -> None:
        self._customer, self._loaded = None, False

    async def units(self) -> list[UnitInfo]:
        customer = await self.customer()
        return await self.desk.units_of(customer.id if customer else None)


Reader = Callable[[Ctx, str], Awaitable[object]]
EntityReader = Callable[[Ctx, NluResult], Awaitable[object]]


@dataclass(frozen=True)
class Slot:
    name: str
    label: str  # in the summary and on the edit buttons
    ask: Callable[[Ctx], Awaitable[Reply]]
    read: Reader  # free text typed when asked -> value, or raise Invalid
    entities: EntityReader | None = None  # NLU entities (any time) -> value or None
    skip: object = None  # value of the "/skip" button; None: not skippable
    show: Callable[[object], str] = str
    words: tuple[str, ...] = ()  # what a customer calls it in a correction ("地址改成…")
    whole: Callable[[str], bool] | None = None  # the message is just this value: no NLU
    structured: bool = False  # a code, number or date: read before looking at the intent
    plain: Callable[[str], bool] | None = None  # text that is this value whatever NLU says
    own_words: bool = False  # the flow's own request ("空调不制冷") answers it

    # Button intents that fill it with a value known already ("使用登记地址").
    shortcuts: dict[str, Callable[[Ctx], object]] = field(default_factory=dict)
    from_contact: bool = False  # a contact the customer shares fills it (the phone)
    # The stored fields a value goes to (backend/domain/fields.py): a text value is
    # checked against `stored`; a structured one (the product) key by key.
    stored: str | None = None
    stored_keys: dict[str, str] = field(default_factory=dict)

    def fit(self, value):
        """The value, or Invalid when it would not fit where the desk stores it."""
        checks = [(self.stored, value)] if self.stored else []
        if isinstance(value, dict):
            checks += [(f, value.get(k)) for k, f in self.stored_keys.items()]
        for name, v in checks:
            if fields.too_long(name, v):
                raise Invalid(T.TOO_LONG.format(what=self.label, size=fields.size(name)))
        return value

    def relabelled(self, label: str) -> Slot:
        return replace(self, label=label)

    def ask_with(self, text: str) -> Slot:
        """The same slot asked in other words (a complaint's "what happened?")."""

        async def _ask(ctx: Ctx) -> Reply:
            return Reply(text)

        return replace(self, ask=_ask)


@dataclass(frozen=True)
class Flow:
    name: str
    title: str  # what the customer calls it: 报修, 投诉…
    intent: str  # the NLU intent that starts it
    kind: TicketKind
    slots: tuple[Slot, ...]
    submit: Callable[[Ctx], Awaitable[list[Reply]]]
    # What a message says about the matter of the form beyond asking for it (the fault,
    # the complaint), or None; it prefills the description and extends it mid-form.
    describe: Callable[[NluResult], str | None] = field(default=lambda nlu: None)
    filled: Callable[[Ctx], Awaitable[None]] | None = None  # after any slot fills
    from_details: bool = False  # details given with no request (型号, 地址…) start it

    def slot(self, name: str) -> Slot:
        return next(s for s in self.slots if s.name == name)

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.slots)


def summary(flow: Flow, ctx: Ctx) -> Reply:
    lines = [f"{s.label}：{s.show(ctx.slots[s.name])}" for s in flow.slots if s.name in ctx.slots]
    head = f"【{flow.title}】\n"
    return Reply(head + T.CONFIRM.format(lines="\n".join(lines)), T.CONFIRM_BUTTONS)


def edit_buttons(flow: Flow) -> Reply:
    buttons = [Button(s.label, parsing.payload("edit", slot=s.name)) for s in flow.slots]
    buttons.append(Button("信息无误，确认提交", "/affirm"))
    return Reply(T.WHICH_TO_EDIT, tuple(buttons))
