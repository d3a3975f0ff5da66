"""The forms as declarative tables: which slots a flow collects (bot/dialogue/slots.py
says how each is asked, read and shown), what its opening message already says, and
what submitting does.

In the spirit of python-telegram-bot's conversationbot example: the tables say *what*,
one small function per slot or step says *how*. Adding a flow: README "Adding a flow".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.domain.kinds import Channel, RegionClass, ServiceCategory, Severity, TicketKind
from backend.services import texts as desk_texts
from backend.services.chat_api import Registration
from backend.services.replies import Reply
from bot.dialogue import parsing
from bot.dialogue import texts as T
from bot.dialogue.form import Ctx, Flow
from bot.dialogue.slots import (
    ADDRESS,
    CONCERNING,
    DESCRIPTION,
    PHONE,
    PRODUCT,
    REQUESTED_DATE,
    SEVERITY,
    VISIT_TIME,
    prefill_known,
)
from nlu.client import Entity, NluResult


# ---- what an opening message says ----------------------------------------------------
def _description_from(nlu: NluResult) -> str:
    entities = list(nlu.entities)
    if (span := parsing.address_span(nlu.text, nlu.entities)) is not None:
        entities.append(Entity("address", "", *span))
    return parsing.strip_spans(
        nlu.text,
        entities,
        ("phone", "address", "serial_number", "product_model", "visit_time", "ticket_id"),
    )


def fault_told(nlu: NluResult) -> str | None:
    """The fault a message describes ("空调不制冷了，型号…" -> "空调不制冷了")."""
    if nlu.text.startswith("/") or not parsing.substantive_fault(nlu.text):
        return None
    said = _description_from(nlu)
    return said[:2000] if parsing.meaningful(said, 2) else None


def complaint_told(nlu: NluResult) -> str | None:
    if nlu.text.startswith("/") or not parsing.substantive_complaint(nlu.text):
        return None
    return (_description_from(nlu) or nlu.text.strip())[:2000]


# ---- submitting ---------------------------------------------------------------------------
def registration(ctx: Ctx, kind: TicketKind, **extra) -> Registration:
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


async def register(ctx: Ctx, reg: Registration):
    filed = await ctx.desk.register(reg)
    ctx.state.focus(filed.id, filed.number)
    ctx.link = (ctx.form.started_after, filed.id)  # the form's transcript joins the ticket
    return filed


def _category_text(category: str | None) -> str:
    return desk_texts.CATEGORY_ZH[ServiceCategory(category or "paid")]


def _category_told(ctx: Ctx) -> bool:
    """Whether the chat may be told the ticket's service category: only once verified.
    Before that, the category comes from whatever unit a typed serial, model or phone
    names (the desk applies it silently): telling it would say whether someone's unit
    exists and is under warranty."""
    return ctx.verified


async def repair_submit(ctx: Ctx) -> list[Reply]:
    s = ctx.slots
    view = await register(
        ctx,
        registration(
            ctx,
            TicketKind.REPAIR,
            description=s["description"],
            visit_time=s.get("visit_time") or T.VISIT_ASAP,
        ),
    )
    told = _category_told(ctx)
    text = T.REPAIR_DONE.format(
        number=view.number,
        category=_category_text(view.category) if told else T.CATEGORY_AFTER_CHECK,
        promise=desk_texts.SLA_PROMISE_ZH[RegionClass(view.region_class)],
    )
    if told and view.category == ServiceCategory.PAID.value:
        text += ctx.desk.terms.say("paid_notice")
    return [Reply(text)]


async def complaint_submit(ctx: Ctx) -> list[Reply]:
    s = ctx.slots
    view = await register(
        ctx,
        registration(
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
    view = await register(
        ctx,
        registration(
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
                category=(
                    _category_text(view.category) if _category_told(ctx) else T.CATEGORY_AFTER_CHECK
                ),
            )
        )
    ]


# ---- the table -------------------------------------------------------------------------
REPAIR = Flow(
    name="repair",
    title="报修",
    intent="report_fault",
    kind=TicketKind.REPAIR,
    slots=(
        DESCRIPTION,
        PRODUCT,
        ADDRESS,
        PHONE,
        VISIT_TIME,
    ),
    describe=fault_told,
    submit=repair_submit,
    filled=prefill_known,
    from_details=True,
)
COMPLAINT = Flow(
    name="complaint",
    title="投诉",
    intent="complain",
    kind=TicketKind.COMPLAINT,
    slots=(
        DESCRIPTION.relabelled("投诉内容").ask_with(T.ASK_COMPLAINT),
        CONCERNING,
        SEVERITY,
        PHONE,
    ),
    describe=complaint_told,
    submit=complaint_submit,
    filled=prefill_known,
)
MAINTENANCE = Flow(
    name="maintenance",
    title="保养预约",
    intent="book_maintenance",
    kind=TicketKind.MAINTENANCE,
    slots=(PRODUCT, REQUESTED_DATE, ADDRESS, PHONE),
    submit=maintenance_submit,
    filled=prefill_known,
)


class Flows:
    """The flows the engine runs, by name and by the intent that starts them."""

    def __init__(self, flows: Iterable[Flow]):
        self._by_name = {f.name: f for f in flows}
        self._by_intent = {f.intent: f for f in self._by_name.values()}

    def get(self, name: str | None) -> Flow | None:
        return self._by_name.get(name or "")

    def for_intent(self, intent: str | None) -> Flow | None:
        return self._by_intent.get(intent or "")

    def with_details(self) -> list[Flow]:
        return [f for f in self._by_name.values() if f.from_details]

    def __iter__(self):
        return iter(self._by_name.values())

    def plus(self, *flows: Flow) -> Flows:
        return Flows([*self, *flows])


FLOWS = Flows([REPAIR, COMPLAINT, MAINTENANCE])
