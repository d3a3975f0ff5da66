"""The forms as declarative tables: which slots a flow collects, how each is asked,
read from NLU entities or free text, shown in the summary, and what submitting does.

In the spirit of python-telegram-bot's conversationbot example: the tables say *what*,
one small function per slot or step says *how*.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from backend.domain.errors import DomainError
from backend.domain.kinds import Channel, RegionClass, ServiceCategory, Severity, TicketKind
from backend.services import texts as desk_texts
from backend.services.registration import Registration
from backend.services.replies import Button, Reply
from bot.dialogue import parsing
from bot.dialogue import texts as T
from nlu.client import Entity, NluResult


class Invalid(Exception):
    """A value the customer gave that cannot be used; the message says why."""


@dataclass
class Ctx:
    """What a step may look at and use: the port (service calls), the chat and its state."""

    port: object  # StorePort (duck-typed so the engine can be driven by a fake in tests)
    channel: str
    external_id: str
    state: dict
    handoff: bool = False  # set by a step: hand the chat to a person
    _customer: object = None
    _loaded: bool = False

    @property
    def slots(self) -> dict:
        return self.state.setdefault("slots", {})

    async def customer(self):
        if not self._loaded:
            self._customer = await self.port.customer_of(self.channel, self.external_id)
            self._loaded = True
        if self._customer is not None:
            self.state["customer_id"] = self._customer.id
        return self._customer

    def known_customer(self, customer) -> None:
        """The chat's customer as the turn loaded it (saves a read when a step asks)."""
        self._customer, self._loaded = customer, True

    def forget_customer(self) -> None:
        self._customer, self._loaded = None, False

    async def units(self):
        customer = await self.customer()
        return await self.port.units_of(customer.id if customer else None)

    @property
    def verified(self) -> bool:
        return bool(self.state.get("verified"))


Reader = Callable[[Ctx, str], Awaitable[object]]
EntityReader = Callable[[Ctx, NluResult], Awaitable[object]]


@dataclass(frozen=True)
class Slot:
    name: str
    ask: Callable[[Ctx], Awaitable[Reply]]
    read: Reader  # free text typed when asked -> value, or raise Invalid
    entities: EntityReader | None = None  # NLU entities (any time) -> value or None
    skip: object = None  # value of the "/skip" button; None: not skippable
    show: Callable[[object], str] = str


@dataclass(frozen=True)
class Flow:
    name: str
    intent: str
    kind: TicketKind
    slots: tuple[Slot, ...]
    first: Callable[[Ctx, NluResult], Awaitable[None]]  # what the opening message already says
    submit: Callable[[Ctx], Awaitable[list[Reply]]]
    filled: Callable[[Ctx], Awaitable[None]] = field(default=None)  # after any slot fills

    @property
    def title(self) -> str:
        return T.FLOW_TITLES[self.name]

    def slot(self, name: str) -> Slot:
        return next(s for s in self.slots if s.name == name)


# ---- product ------------------------------------------------------------------------------
def _product_value(unit, *, serial=None, model=None) -> dict:
    if unit is not None:
        return {
            "serial": unit.serial_number,
            "model": unit.model,
            "unit_id": unit.id,
            "label": f"{unit.label}（序列号 {unit.serial_number}）",
            "address": unit.address,
        }
    return {
        "serial": serial,
        "model": model,
        "unit_id": None,
        "label": model or serial or T.PRODUCT_UNKNOWN_LABEL,
        "address": None,
    }


async def _product_from(ctx: Ctx, serial: str | None, model: str | None) -> dict | None:
    customer = await ctx.customer()
    if serial:
        unit = await ctx.port.unit_by_serial(serial)
        if unit is None:
            raise Invalid(T.UNKNOWN_SERIAL.format(serial=serial))
        return _product_value(unit)
    if model:
        unit = await ctx.port.unit_for(
            serial=None, model=model, customer_id=customer.id if customer else None
        )
        return _product_value(unit, model=model)
    return None


async def product_entities(ctx: Ctx, nlu: NluResult):
    return await _product_from(ctx, nlu.first("serial_number"), nlu.first("product_model"))


async def product_read(ctx: Ctx, text: str):
    if parsing.DONT_KNOW.search(text):
        return _product_value(None)
    code = parsing.serial_in(text) or parsing.model_in(text)
    if code:
        unit = await ctx.port.unit_by_serial(code)  # a code may be either: try the serial
        if unit is not None:
            return _product_value(unit)
    if model := parsing.model_in(text):
        return await _product_from(ctx, None, model)
    if serial := parsing.serial_in(text):
        return await _product_from(ctx, serial, None)
    raise Invalid(T.BAD_PRODUCT)


async def product_ask(ctx: Ctx) -> Reply:
    units = await ctx.units()
    buttons = [
        Button(u.label, parsing.payload("inform", serial_number=u.serial_number)) for u in units[:5]
    ]
    text = T.ASK_PRODUCT_KNOWN if units else T.ASK_PRODUCT
    return Reply(text, (*buttons, T.SKIP_PRODUCT))


# ---- free text ------------------------------------------------------------------------
async def text_read(ctx: Ctx, text: str):
    if not parsing.meaningful(text, 2):
        raise Invalid(T.BAD_TEXT)
    return text.strip()[:2000]


def ask(text: str, *buttons: Button, request_contact: bool = False):
    async def _ask(ctx: Ctx) -> Reply:
        return Reply(text, tuple(buttons), request_contact=request_contact)

    return _ask


# ---- address ------------------------------------------------------------------------------
async def address_entities(ctx: Ctx, nlu: NluResult):
    if ctx.state.get("asking") == "address" and parsing.looks_like_address(nlu.text):
        return parsing.ADDRESS_LEAD.sub("", nlu.text.strip())[:300]  # all of it, not a piece
    span = parsing.address_span(nlu.text, nlu.entities)
    if span is not None:  # the whole clause, when NLU found only pieces of it
        return nlu.text[span[0] : span[1]][:300]
    value = nlu.first("address")
    return value.strip() if value and parsing.meaningful(value, 3) else None


async def address_read(ctx: Ctx, text: str):
    t = parsing.ADDRESS_LEAD.sub("", text.strip())
    numbered = len(parsing.CJK.findall(t)) >= 4 and any(c.isdigit() for c in t)
    if parsing.looks_like_address(t) or numbered:
        return t[:300]
    raise Invalid(T.BAD_ADDRESS)


async def address_ask(ctx: Ctx) -> Reply:
    product = ctx.slots.get("product") or {}
    if product.get("address"):
        return Reply(
            T.ASK_ADDRESS_KNOWN.format(address=product["address"]),
            (Button("使用登记地址", "/use_unit_address"),),
        )
    return Reply(T.ASK_ADDRESS)


# ---- phone --------------------------------------------------------------------------------
async def phone_entities(ctx: Ctx, nlu: NluResult):
    value = nlu.first("phone")
    return parsing.phone_in(value) if value else parsing.phone_in(nlu.text)


async def phone_read(ctx: Ctx, text: str):
    if phone := parsing.phone_in(text):
        return phone
    raise Invalid(T.BAD_PHONE)


# ---- visit time / date --------------------------------------------------------------------
async def visit_entities(ctx: Ctx, nlu: NluResult):
    return nlu.first("visit_time")


async def date_entities(ctx: Ctx, nlu: NluResult):
    if value := nlu.first("requested_date"):
        return _check_date(ctx, date.fromisoformat(value))
    found = parsing.date_in(nlu.first("visit_time") or nlu.text, ctx.port.today())
    if found is None:
        return None
    return _check_date(ctx, found)


def _check_date(ctx: Ctx, found: date) -> str:
    if found <= ctx.port.today():
        raise Invalid(T.PAST_DATE)
    return found.isoformat()


async def date_read(ctx: Ctx, text: str):
    found = parsing.date_in(text, ctx.port.today())
    if found is None:
        raise Invalid(T.BAD_DATE)
    return _check_date(ctx, found)


async def date_ask(ctx: Ctx) -> Reply:
    today = ctx.port.today()
    from datetime import timedelta

    days = [today + timedelta(days=n) for n in (1, 2, 3)]
    return Reply(
        T.ASK_DATE,
        tuple(
            Button(parsing.format_date(d), parsing.payload("inform", requested_date=d.isoformat()))
            for d in days
        ),
    )


def show_date(value) -> str:
    return parsing.format_date(date.fromisoformat(value))


# ---- complaint: the ticket concerned, severity ------------------------------------------
async def concerning_entities(ctx: Ctx, nlu: NluResult):
    number = nlu.first("ticket_id") or parsing.ticket_in(nlu.text)
    if not number:
        return None
    own = await ctx.port.own_ticket(ctx.channel, ctx.external_id, number, verified=ctx.verified)
    if own is None:
        raise Invalid(T.UNKNOWN_TICKET.format(number=parsing.ticket_in(number) or number))
    return own.number


async def concerning_read(ctx: Ctx, text: str):
    if any(w in text for w in ("没有", "不涉及", "无", "不知道", "不记得")):
        return ""
    raise Invalid(T.ASK_CONCERNING_NONE)


async def concerning_ask(ctx: Ctx) -> Reply:
    tickets = await ctx.port.tickets_of(ctx.channel, ctx.external_id, verified=ctx.verified)
    buttons = [
        Button(
            f"{t.number} {desk_texts.STATUS_ZH.get(t.status, t.status)}",
            parsing.payload("inform", ticket_id=t.number),
        )
        for t in tickets[:5]
    ]
    text = T.ASK_CONCERNING if buttons else T.ASK_CONCERNING_NONE
    return Reply(text, (*buttons, T.SKIP_CONCERNING))


async def severity_entities(ctx: Ctx, nlu: NluResult):
    value = nlu.first("severity")
    return value if value in ("normal", "serious") else None


async def severity_read(ctx: Ctx, text: str):
    if "严重" in text and "不严重" not in text:
        return "serious"
    if any(w in text for w in ("一般", "不严重", "普通")):
        return "normal"
    raise Invalid(T.BAD_SEVERITY)


# ---- opening messages -----------------------------------------------------------------
def _description_from(nlu: NluResult) -> str:
    entities = list(nlu.entities)
    if (span := parsing.address_span(nlu.text, nlu.entities)) is not None:
        entities.append(Entity("address", "", *span))
    return parsing.strip_spans(
        nlu.text,
        entities,
        ("phone", "address", "serial_number", "product_model", "visit_time", "ticket_id"),
    )


def flow_description(flow: Flow, nlu: NluResult) -> str | None:
    """What a message says about the matter of the form (the fault, the complaint), if
    it says anything beyond asking for the form."""
    text = nlu.text
    if text.startswith("/"):
        return None
    if flow.name == "repair" and parsing.substantive_fault(text):
        said = _description_from(nlu)
        return said[:2000] if parsing.meaningful(said, 2) else None
    if flow.name == "complaint" and parsing.substantive_complaint(text):
        return (_description_from(nlu) or text.strip())[:2000]
    return None


async def repair_first(ctx: Ctx, nlu: NluResult) -> None:
    if nlu.text.startswith("/"):
        return  # a button: nothing was said
    if nlu.intent == "report_fault" and parsing.substantive_fault(nlu.text):
        description = _description_from(nlu)
        if parsing.meaningful(description, 2):
            ctx.slots["description"] = description[:2000]


async def complaint_first(ctx: Ctx, nlu: NluResult) -> None:
    if nlu.text.startswith("/"):
        return
    if nlu.intent == "complain" and parsing.substantive_complaint(nlu.text):
        ctx.slots["description"] = _description_from(nlu)[:2000] or nlu.text.strip()[:2000]


async def nothing_first(ctx: Ctx, nlu: NluResult) -> None:
    return None


async def prefill_known(ctx: Ctx) -> None:
    """Known data is not asked again: the bound phone, the registered unit's address."""
    slots = ctx.slots
    if "phone" not in slots:
        customer = await ctx.customer()
        if customer is not None and customer.phone:
            slots["phone"] = customer.phone
    product = slots.get("product")
    if product and product.get("address") and "address" not in slots:
        slots["address"] = product["address"]


# ---- submitting ---------------------------------------------------------------------------
def _registration(ctx: Ctx, kind: TicketKind, **extra) -> Registration:
    s = ctx.slots
    product = s.get("product") or {}
    return Registration(
        kind=kind,
        channel=Channel(ctx.channel),
        external_id=ctx.external_id,
        phone=s.get("phone"),
        serial_number=product.get("serial"),
        product_model=product.get("model"),
        address=s.get("address"),
        **extra,
    )


async def _register(ctx: Ctx, reg: Registration):
    filed = await ctx.port.register(reg)
    ctx.state["ticket_id"] = filed.id
    ctx.state["ticket"] = filed.number
    ctx.state["link_from_message"] = ctx.state.get("form_started_after", 0)
    return filed


def _category_text(category: str | None) -> str:
    return desk_texts.CATEGORY_ZH[ServiceCategory(category or "paid")]


async def repair_submit(ctx: Ctx) -> list[Reply]:
    s = ctx.slots
    view = await _register(
        ctx,
        _registration(
            ctx,
            TicketKind.REPAIR,
            description=s["description"],
            visit_time=s.get("visit_time") or T.VISIT_ASAP,
        ),
    )
    text = T.REPAIR_DONE.format(
        number=view.number,
        category=_category_text(view.category),
        promise=desk_texts.SLA_PROMISE_ZH[RegionClass(view.region_class)],
    )
    if view.category == ServiceCategory.PAID.value:
        text += T.PAID_NOTICE.format(prices=T.PRICES)
    return [Reply(text)]


async def complaint_submit(ctx: Ctx) -> list[Reply]:
    s = ctx.slots
    view = await _register(
        ctx,
        _registration(
            ctx,
            TicketKind.COMPLAINT,
            description=s["description"],
            severity=Severity(s.get("severity") or "normal"),
            concerning=s.get("concerning") or None,
        ),
    )
    text = T.COMPLAINT_DONE.format(number=view.number)
    if view.severity == Severity.SERIOUS.value:
        text += T.COMPLAINT_SERIOUS
    return [Reply(text)]


async def maintenance_submit(ctx: Ctx) -> list[Reply]:
    s = ctx.slots
    requested = date.fromisoformat(s["requested_date"])
    product = s.get("product") or {}
    view = await _register(
        ctx,
        _registration(
            ctx,
            TicketKind.MAINTENANCE,
            description=f"预约保养：{product.get('label') or T.PRODUCT_UNKNOWN_LABEL}",
            requested_date=requested,
        ),
    )
    return [
        Reply(
            T.MAINTENANCE_DONE.format(
                number=view.number,
                date=parsing.format_date(requested),
                category=_category_text(view.category),
            )
        )
    ]


def show_product(value) -> str:
    return (value or {}).get("label") or T.PRODUCT_UNKNOWN_LABEL


PRODUCT = Slot(
    "product",
    product_ask,
    product_read,
    product_entities,
    skip=_product_value(None),
    show=show_product,
)
PHONE = Slot("phone", ask(T.ASK_PHONE, request_contact=True), phone_read, phone_entities)
ADDRESS = Slot("address", address_ask, address_read, address_entities)

FLOWS: dict[str, Flow] = {
    "repair": Flow(
        name="repair",
        intent="report_fault",
        kind=TicketKind.REPAIR,
        slots=(
            Slot("description", ask(T.ASK_DESCRIPTION), text_read),
            PRODUCT,
            ADDRESS,
            PHONE,
            Slot(
                "visit_time",
                ask(T.ASK_VISIT_TIME, T.SKIP_VISIT),
                text_read,
                visit_entities,
                skip=T.VISIT_ASAP,
            ),
        ),
        first=repair_first,
        submit=repair_submit,
        filled=prefill_known,
    ),
    "complaint": Flow(
        name="complaint",
        intent="complain",
        kind=TicketKind.COMPLAINT,
        slots=(
            Slot("description", ask(T.ASK_COMPLAINT), text_read),
            Slot(
                "concerning",
                concerning_ask,
                concerning_read,
                concerning_entities,
                skip="",
                show=lambda v: v or "不涉及具体工单",
            ),
            Slot(
                "severity",
                ask(T.ASK_SEVERITY, *T.SEVERITY_BUTTONS),
                severity_read,
                severity_entities,
                show=lambda v: T.SEVERITY_ZH.get(v, v),
            ),
            PHONE,
        ),
        first=complaint_first,
        submit=complaint_submit,
        filled=prefill_known,
    ),
    "maintenance": Flow(
        name="maintenance",
        intent="book_maintenance",
        kind=TicketKind.MAINTENANCE,
        slots=(
            PRODUCT,
            Slot("requested_date", date_ask, date_read, date_entities, show=show_date),
            ADDRESS,
            PHONE,
        ),
        first=nothing_first,
        submit=maintenance_submit,
        filled=prefill_known,
    ),
}
FLOW_BY_INTENT = {f.intent: f for f in FLOWS.values()}


def summary(flow: Flow, ctx: Ctx) -> Reply:
    lines = []
    for slot in flow.slots:
        if slot.name in ctx.slots:
            lines.append(f"{label(flow, slot.name)}：{slot.show(ctx.slots[slot.name])}")
    head = f"【{flow.title}】\n"
    return Reply(head + T.CONFIRM.format(lines="\n".join(lines)), T.CONFIRM_BUTTONS)


def label(flow: Flow, name: str) -> str:
    if flow.name == "complaint" and name == "description":
        return "投诉内容"
    return T.FIELD_LABELS[name]


def edit_buttons(flow: Flow) -> Reply:
    buttons = [
        Button(label(flow, s.name), parsing.payload("edit", slot=s.name)) for s in flow.slots
    ]
    buttons.append(Button("信息无误，确认提交", "/affirm"))
    return Reply(T.WHICH_TO_EDIT, tuple(buttons))


SUBMIT_ERRORS = (DomainError,)
