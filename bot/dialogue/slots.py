"""The slots the flows share, and how each is asked, read, recognised and shown.

One small function per reading step; each slot's table entry (bottom) names them and
says what else is known about it (its label, the words for it in a correction, whether a
message can be just this value).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from backend.services import texts as desk_texts
from backend.services.replies import Button, Reply
from bot.dialogue import direct, parsing
from bot.dialogue import texts as T
from bot.dialogue.form import Ctx, Invalid, Slot
from nlu.client import NluResult


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


def _typed_product(*, serial=None, model=None) -> dict:
    """A code as the customer typed it, not looked up: no unit, no registered address.
    The desk still finds the unit by its serial when filing (its warranty category
    applies), but the chat is never told whether it exists or whose it is."""
    return _product_value(None, serial=serial, model=model)


async def _own_unit(ctx: Ctx, serial: str | None, model: str | None):
    """The chat's verified customer's unit with that serial / model, if any (the desk
    answers None for anyone else's: backend/services/chat.py `_find_unit`)."""
    customer = await ctx.customer()
    if customer is None:
        return None
    return await ctx.desk.unit_for(serial=serial, model=model, customer_id=customer.id)


async def _product_from(ctx: Ctx, serial: str | None, model: str | None) -> dict | None:
    if serial:
        unit = await _own_unit(ctx, serial, None)
        return _product_value(unit) if unit else _typed_product(serial=serial)
    if model:
        unit = await _own_unit(ctx, None, model)
        return _product_value(unit, model=model)
    return None


async def product_entities(ctx: Ctx, nlu: NluResult):
    return await _product_from(ctx, nlu.first("serial_number"), nlu.first("product_model"))


async def product_read(ctx: Ctx, text: str):
    if parsing.DONT_KNOW.search(text):
        return _product_value(None)
    code = parsing.serial_in(text) or parsing.model_in(text)
    if code and (unit := await _own_unit(ctx, code, None)) is not None:
        return _product_value(unit)  # a code may be either: one of theirs by serial
    model = parsing.model_in(text)
    if serial := parsing.serial_in(text):
        if model and (unit := await _own_unit(ctx, None, model)) is not None:
            return _product_value(unit, model=model)
        return _typed_product(serial=serial)  # long plain codes are serials
    if model:
        return await _product_from(ctx, None, model)
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
    return text.strip()


def ask(text: str, *buttons: Button, request_contact: bool = False):
    async def _ask(ctx: Ctx) -> Reply:
        return Reply(text, tuple(buttons), request_contact=request_contact)

    return _ask


# ---- address ------------------------------------------------------------------------------
async def address_entities(ctx: Ctx, nlu: NluResult):
    if ctx.asking("address") and parsing.looks_like_address(nlu.text):
        return parsing.ADDRESS_LEAD.sub("", nlu.text.strip())  # all of it, not a piece
    span = parsing.address_span(nlu.text, nlu.entities)
    if span is not None:  # the whole clause, when NLU found only pieces of it
        return nlu.text[span[0] : span[1]]
    value = nlu.first("address")
    return value.strip() if value and parsing.meaningful(value, 3) else None


async def address_read(ctx: Ctx, text: str):
    t = parsing.ADDRESS_LEAD.sub("", text.strip())
    numbered = len(parsing.CJK.findall(t)) >= 4 and any(c.isdigit() for c in t)
    if parsing.looks_like_address(t) or numbered:
        return t
    raise Invalid(T.BAD_ADDRESS)


async def address_ask(ctx: Ctx) -> Reply:
    product = ctx.slots.get("product") or {}
    if product.get("address"):
        return Reply(
            T.ASK_ADDRESS_KNOWN.format(address=product["address"]),
            (Button("使用登记地址", "/use_unit_address"),),
        )
    if product.get("serial") and not ctx.verified:  # their own unit's address, once verified
        return Reply(T.ASK_ADDRESS_TYPED)
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
# DIET now and then tags a stray Latin word as the time (abc typed at the phone
# question): a visit time always holds a digit or a Chinese word. The NLU pipeline
# checks its spans' shapes too (aftercare_nlu/entity_shapes.py); this is the
# dialogue's own floor for whatever NLU server answers.
_TIMEISH = re.compile(r"[0-9\uff10-\uff19\u4e00-\u9fff]")


async def visit_entities(ctx: Ctx, nlu: NluResult):
    value = nlu.first("visit_time")
    return value if value and _TIMEISH.search(value) else None


async def date_entities(ctx: Ctx, nlu: NluResult):
    if value := nlu.first("requested_date"):
        return _check_date(ctx, date.fromisoformat(value))
    found = parsing.date_in(nlu.first("visit_time") or nlu.text, ctx.desk.today())
    if found is None:
        return None
    return _check_date(ctx, found)


def _check_date(ctx: Ctx, found: date) -> str:
    if found <= ctx.desk.today():
        raise Invalid(T.PAST_DATE)
    return found.isoformat()


async def date_read(ctx: Ctx, text: str):
    found = parsing.date_in(text, ctx.desk.today())
    if found is None:
        raise Invalid(T.BAD_DATE)
    return _check_date(ctx, found)


async def date_ask(ctx: Ctx) -> Reply:
    today = ctx.desk.today()
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
    own = await ctx.desk.own_ticket(ctx.channel, ctx.external_id, number, verified=ctx.verified)
    if own is None:
        raise Invalid(T.UNKNOWN_TICKET.format(number=parsing.ticket_in(number) or number))
    return own.number


async def concerning_read(ctx: Ctx, text: str):
    if any(w in text for w in ("没有", "不涉及", "无", "不知道", "不记得")):
        return ""
    raise Invalid(T.ASK_CONCERNING_NONE)


async def concerning_ask(ctx: Ctx) -> Reply:
    tickets = await ctx.desk.tickets_of(ctx.channel, ctx.external_id, verified=ctx.verified)
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


def show_product(value) -> str:
    return (value or {}).get("label") or T.PRODUCT_UNKNOWN_LABEL


def unit_address(ctx: Ctx) -> str | None:
    """The registered address of the form's product (the "使用登记地址" button)."""
    return (ctx.slots.get("product") or {}).get("address")


async def prefill_known(ctx: Ctx) -> None:
    """Known data is not asked again: the bound phone, the registered unit's address."""
    slots = ctx.slots
    if "phone" not in slots:
        customer = await ctx.customer()
        if customer is not None and customer.phone:
            slots["phone"] = customer.phone
    if "address" not in slots and (address := unit_address(ctx)):
        slots["address"] = address


# ---- the table ------------------------------------------------------------------------
DESCRIPTION = Slot(
    "description",
    T.FIELD_LABELS["description"],
    ask(T.ASK_DESCRIPTION),
    text_read,
    words=("描述", "故障", "问题"),
    own_words=True,
    stored="description",
)
PRODUCT = Slot(
    "product",
    T.FIELD_LABELS["product"],
    product_ask,
    product_read,
    product_entities,
    skip=_product_value(None),
    show=show_product,
    words=("型号", "序列号", "产品"),
    whole=direct.is_code,
    structured=True,
    stored_keys={"serial": "serial_number", "model": "product_model"},
)
ADDRESS = Slot(
    "address",
    T.FIELD_LABELS["address"],
    address_ask,
    address_read,
    address_entities,
    words=("地址",),
    whole=direct.address_only,
    plain=parsing.looks_like_address,
    shortcuts={"use_unit_address": unit_address},
    stored="address",
)
PHONE = Slot(
    "phone",
    T.FIELD_LABELS["phone"],
    ask(T.ASK_PHONE, request_contact=True),
    phone_read,
    phone_entities,
    words=("电话", "手机", "号码"),
    whole=direct.is_phone,
    structured=True,
    from_contact=True,
    stored="phone",
)
VISIT_TIME = Slot(
    "visit_time",
    T.FIELD_LABELS["visit_time"],
    ask(T.ASK_VISIT_TIME, T.SKIP_VISIT),
    text_read,
    visit_entities,
    skip=T.VISIT_ASAP,
    words=("上门时间", "时间"),
    whole=direct.is_visit_time,
    stored="visit_time",
)
REQUESTED_DATE = Slot(
    "requested_date",
    T.FIELD_LABELS["requested_date"],
    date_ask,
    date_read,
    date_entities,
    show=show_date,
    words=("日期", "哪天", "改到", "改成周", "改到周"),
    whole=direct.is_date,
    structured=True,
)
CONCERNING = Slot(
    "concerning",
    T.FIELD_LABELS["concerning"],
    concerning_ask,
    concerning_read,
    concerning_entities,
    skip="",
    show=lambda v: v or "不涉及具体工单",
    whole=direct.is_ticket,
    structured=True,
)
SEVERITY = Slot(
    "severity",
    T.FIELD_LABELS["severity"],
    ask(T.ASK_SEVERITY, *T.SEVERITY_BUTTONS),
    severity_read,
    severity_entities,
    show=lambda v: T.SEVERITY_ZH.get(v, v),
    words=("严重",),
    structured=True,
)
