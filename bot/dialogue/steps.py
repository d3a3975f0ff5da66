"""One small function per step: the intent handlers and the form steps.

`step(ctx, nlu)` is the whole decision for one customer input: it reads the conversation
state in `ctx.state`, changes it, calls services through `ctx.desk`, and returns replies.
No step knows a flow or a slot by name: what differs between them is in their tables
(bot/dialogue/flows.py, bot/dialogue/slots.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from backend.domain import lifecycle
from backend.domain.errors import DomainError, LimitReached
from backend.domain.kinds import TicketKind
from backend.services import texts as desk_texts
from backend.services.replies import Button, Reply
from bot.dialogue import parsing, verify
from bot.dialogue import texts as T
from bot.dialogue.flows import Flows
from bot.dialogue.form import Ctx, Flow, Invalid, Slot, edit_buttons, summary
from bot.dialogue.state import Form, Pending
from nlu.client import Entity, NluResult

log = logging.getLogger(__name__)

# Intents that leave the current slot question for something else.
INTERRUPTS = frozenset(
    {
        "report_fault",
        "complain",
        "book_maintenance",
        "query_status",
        "expedite",
        "ask_warranty",
        "greet",
        "thanks",
        "goodbye",
        "out_of_scope",
        "affirm",
        "deny",
    }
)
CONFIDENT = 0.6
# A slot asked this many times and still missing is not asked again in the same words:
# its choices as buttons, or the offer of a person; after HAND_OFF_AFTER, a person.
TRIES = 3
HAND_OFF_AFTER = 5


def intent_of(nlu: NluResult) -> str | None:
    """The intent to act on: NLU's when understood, keywords while NLU is down."""
    if nlu.understood:
        return nlu.intent
    if not nlu.available:
        return parsing.keyword_intent(nlu.text)
    return None


async def step(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    state = ctx.state
    intent = intent_of(nlu)
    if nlu.understood or not nlu.available:
        state.misses = 0
    if state.form is not None and (flow := ctx.flows.get(state.form.flow)) is not None:
        return await in_form(ctx, flow, nlu, intent)
    state.form = None  # a flow that no longer exists
    if intent == "verify" or verify.asked(nlu.text):
        return await verify.start(ctx, nlu)
    pending, state.pending = state.pending, None
    if pending and (replies := await on_pending(ctx, pending, nlu, intent)) is not None:
        return replies
    return await on_intent(ctx, intent, nlu)


# ---- outside a form --------------------------------------------------------------------
async def on_intent(ctx: Ctx, intent: str | None, nlu: NluResult) -> list[Reply]:
    if nlu.starting:  # no guessing from keywords while the NLU loads: the buttons
        return [Reply(T.NLU_STARTING, T.MENU)]
    handler = HANDLERS.get(intent or "")
    if handler is not None:
        return await handler(ctx, nlu)
    if (flow := ctx.flows.for_intent(intent)) is not None:
        return await start_flow(ctx, flow, nlu)
    if not nlu.available:
        return [Reply(T.NLU_STARTING if nlu.starting else T.NLU_DOWN, T.MENU)]
    if (flow := flow_told(ctx.flows, nlu)) is not None:  # unsure of the intent, sure of details
        return await start_flow(ctx, flow, replace(nlu, intent=flow.intent))
    return await not_understood(ctx, nlu)


async def not_understood(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    ctx.state.misses += 1
    if ctx.state.misses >= 2:
        return await hand_off(ctx, nlu, T.HANDOFF_AFTER_MISSES)
    return [Reply(T.NOT_UNDERSTOOD, T.MENU)]


async def greet(ctx, nlu):
    return [Reply(T.WELCOME, T.MENU)]


async def thanks(ctx, nlu):
    return [Reply(T.THANKS + T.HOW_CAN_I_HELP)]


async def goodbye(ctx, nlu):
    return [Reply(T.GOODBYE)]


async def out_of_scope(ctx, nlu):
    return [Reply(T.OUT_OF_SCOPE, T.MENU)]


async def affirm_or_deny(ctx, nlu):
    return [Reply(T.OK_NOTED, T.MENU)]


async def inform(ctx, nlu):
    if nlu.first("ticket_id") or parsing.ticket_in(nlu.text):
        return await query_status(ctx, nlu)
    flow = flow_told(ctx.flows, nlu)
    if flow is not None:
        return await start_flow(ctx, flow, replace(nlu, intent=flow.intent))
    return [Reply(T.HOW_CAN_I_HELP, T.MENU)]


FORM_DETAILS = frozenset({"product_model", "serial_number", "address", "phone"})


def flow_told(flows: Flows, nlu: NluResult) -> Flow | None:
    """Details given with no request ("油烟机灯不亮了，型号…，地址…，电话…", which NLU may
    call plain `inform`): the form they belong to, when the words say which."""
    if (flow := flows.for_intent(parsing.keyword_intent(nlu.text))) is not None:
        return flow
    if not any(e.entity in FORM_DETAILS for e in nlu.entities):
        return None
    return next((f for f in flows.with_details() if f.describe(nlu)), None)


async def hand_off(ctx: Ctx, nlu: NluResult, text: str = T.HANDOFF) -> list[Reply]:
    ctx.state.misses = 0
    ctx.handoff = True
    return [Reply(text)]


async def request_human(ctx, nlu):
    return await hand_off(ctx, nlu)


# ---- tickets: which one ------------------------------------------------------------------
def _status_zh(status: str) -> str:
    return desk_texts.STATUS_ZH.get(status, status)


async def pick_ticket(
    ctx: Ctx, nlu: NluResult, intent: str, *, open_only: bool, cancellable: bool = False
):
    """(ticket, None) when known, else (None, replies asking which / saying there is none)."""
    desk, chat = ctx.desk, (ctx.channel, ctx.external_id)
    named = nlu.first("ticket_id") or parsing.ticket_in(nlu.text)
    if named:
        own = await desk.own_ticket(*chat, named, verified=ctx.verified)
        if own is None:
            number = parsing.ticket_in(named) or named
            return None, [_unverified(ctx, T.TICKET_NOT_FOUND.format(number=number))]
        return own, None
    tickets = await desk.tickets_of(*chat, verified=ctx.verified, open_only=open_only)
    if cancellable:
        tickets = [t for t in tickets if desk.can_cancel(t.kind, t.status)]
    if not tickets:
        any_ticket = open_only and await desk.tickets_of(*chat, verified=ctx.verified)
        text = T.NO_OPEN_TICKETS if any_ticket else T.NO_TICKETS
        if intent == "cancel":
            text = T.NOTHING_TO_CANCEL
        if not any_ticket and not ctx.verified:
            return None, [_unverified(ctx, text)]
        return None, [Reply(text)]
    if len(tickets) == 1:
        return tickets[0], None
    buttons = tuple(
        Button(f"{t.number} {_status_zh(t.status)}", parsing.payload(intent, ticket_id=t.number))
        for t in tickets[:6]
    )
    return None, [Reply(T.WHICH_TICKET, buttons)]


def _unverified(ctx: Ctx, text: str) -> Reply:
    """`text`, and to a chat not verified yet the offer to verify (nothing of anyone's
    records is shown before that)."""
    return Reply(text) if ctx.verified else verify.offer(ctx, text)


def _local(ctx: Ctx, moment) -> str:
    local = moment.astimezone(ctx.desk.tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def timeline(ctx: Ctx, view) -> str:
    kind = TicketKind(view.kind)
    lines = [
        T.STATUS_HEAD.format(
            kind=desk_texts.KIND_ZH[kind], number=view.number, status=_status_zh(view.status)
        )
    ]
    lines.append(f"· 登记：{_local(ctx, view.registered_at)}")
    for event in view.events:
        if event.action != "status" or event.to_status is None:
            continue
        extra = ""
        if event.to_status == "dispatched" and view.technician:
            extra = f"（师傅：{view.technician}）"
        lines.append(f"· {_status_zh(event.to_status)}：{_local(ctx, event.at)}{extra}")
    if view.requested_date:
        lines.append(f"· 预约日期：{parsing.format_date(view.requested_date)}")
    return "\n".join(lines)


async def query_status(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    named = nlu.first("ticket_id") or parsing.ticket_in(nlu.text)
    if named:
        ticket, replies = await pick_ticket(ctx, nlu, "query_status", open_only=False)
        if ticket is None:
            return replies
        tickets = [ticket]
    else:
        tickets = await ctx.desk.tickets_of(
            ctx.channel, ctx.external_id, verified=ctx.verified, open_only=True
        )
        if not tickets:
            ticket, replies = await pick_ticket(ctx, nlu, "query_status", open_only=True)
            return replies
    out = [timeline(ctx, await ctx.desk.view(t.number)) for t in tickets[:5]]
    ctx.state.focus(tickets[0].id, tickets[0].number)
    return [Reply("\n\n".join(out))]


async def expedite(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    ticket, replies = await pick_ticket(ctx, nlu, "expedite", open_only=True)
    if ticket is None:
        return replies
    ctx.state.focus(ticket.id, ticket.number)
    status_zh = _status_zh(ticket.status)
    if ticket.status in lifecycle.DONE:  # nothing left to hurry
        return [Reply(T.EXPEDITE_FINAL.format(number=ticket.number, status=status_zh))]
    view, escalated = await ctx.desk.expedite(ticket.number)
    text = T.EXPEDITED.format(number=view.number, status=status_zh)
    text += "\n" + timeline(ctx, view)
    if escalated:
        text += "\n" + T.EXPEDITE_ESCALATED
    return [Reply(text)]


async def cancel(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    ticket, replies = await pick_ticket(ctx, nlu, "cancel", open_only=True, cancellable=True)
    if ticket is None:
        return replies
    status_zh = _status_zh(ticket.status)
    if not ctx.desk.can_cancel(ticket.kind, ticket.status):
        return [Reply(T.CANNOT_CANCEL.format(number=ticket.number, status=status_zh))]
    ctx.state.pending = Pending("cancel", ticket.number)
    yes = parsing.payload("confirm_cancel", ticket_id=ticket.number)
    no = parsing.payload("keep_ticket", ticket_id=ticket.number)
    return [
        Reply(
            T.CANCEL_CONFIRM.format(number=ticket.number, status=status_zh),
            (Button(T.CANCEL_BUTTONS_YES, yes), Button(T.CANCEL_BUTTONS_NO, no)),
        )
    ]


async def confirm_cancel(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    number = nlu.first("ticket_id")
    own = number and await ctx.desk.own_ticket(
        ctx.channel, ctx.external_id, number, verified=ctx.verified
    )
    if not own:
        return [Reply(T.TICKET_NOT_FOUND.format(number=number or ""))]
    try:
        view = await ctx.desk.cancel(own.number)
    except DomainError:
        return [Reply(T.CANNOT_CANCEL.format(number=own.number, status=_status_zh(own.status)))]
    ctx.state.focus(own.id, own.number)
    return [Reply(T.CANCELLED.format(number=view.number))]


async def keep_ticket(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    return [Reply(T.CANCEL_KEPT.format(number=nlu.first("ticket_id") or ""))]


async def on_pending(ctx: Ctx, pending: Pending, nlu: NluResult, intent: str | None):
    """A question of ours is open (cancel this ticket? which product? the code?)."""
    if pending.action in verify.ACTIONS:
        return await verify.on_pending(ctx, pending, nlu)
    if pending.action == "cancel" and intent in ("affirm", "deny"):
        said = NluResult(nlu.text, intent, 1.0, (Entity("ticket_id", pending.ticket, 0, 0),))
        return await (confirm_cancel if intent == "affirm" else keep_ticket)(ctx, said)
    coded = parsing.serial_in(nlu.text) or parsing.model_in(nlu.text)
    if pending.action == "warranty" and (coded or intent in (None, "inform")):
        return await ask_warranty(ctx, nlu, asked=True)
    return None


# ---- warranty -----------------------------------------------------------------------------
def _form_serial(ctx: Ctx) -> str | None:
    """The serial number of the product the form in progress is about, if any."""
    return next(
        (v["serial"] for v in ctx.slots.values() if isinstance(v, dict) and v.get("serial")),
        None,
    )


async def ask_warranty(ctx: Ctx, nlu: NluResult, asked: bool = False) -> list[Reply]:
    customer = await ctx.customer()
    serial = nlu.first("serial_number") or (parsing.serial_in(nlu.text) if asked else None)
    model = nlu.first("product_model") or (parsing.model_in(nlu.text) if asked else None)
    if not (serial or model):
        serial = _form_serial(ctx)
    if serial or model:
        unit = await ctx.desk.unit_for(
            serial=serial, model=model, customer_id=customer.id if customer else None
        )
        if unit is None and not ctx.verified:  # the same answer whether it exists or not
            return [verify.offer(ctx, T.WARRANTY_VERIFY.format(prices=ctx.desk.terms.price_list))]
        if unit is None:
            return [Reply(ctx.desk.terms.say("warranty_unknown"))]
    else:
        units = await ctx.units()
        if not units:
            ctx.state.pending = Pending("warranty")
            return [Reply(T.WARRANTY_ASK)]
        if len(units) > 1:
            buttons = tuple(
                Button(u.label, parsing.payload("ask_warranty", serial_number=u.serial_number))
                for u in units[:5]
            )
            return [Reply(T.ASK_PRODUCT_KNOWN, buttons)]
        unit = units[0]
    category = ctx.desk.category_of(unit)
    if category == "free":
        text = ctx.desk.terms.say("warranty_free", product=unit.label, until=unit.warranty_end)
    elif category == "contract":
        text = ctx.desk.terms.say("warranty_contract", product=unit.label, until=unit.contract_end)
    else:
        text = ctx.desk.terms.say("warranty_paid", product=unit.label)
    return [Reply(text)]


# ---- forms --------------------------------------------------------------------------------
def described_slot(flow: Flow) -> Slot | None:
    """The slot the flow's own request words answer (a repair's fault description)."""
    return next((s for s in flow.slots if s.own_words), None)


async def start_flow(ctx: Ctx, flow: Flow, nlu: NluResult) -> list[Reply]:
    state = ctx.state
    if not nlu.available and nlu.intent is None:
        # NLU is down and the keywords chose this flow: the opening message still counts
        # ("空调不制冷了" is the fault description, not to be asked for again).
        nlu = replace(nlu, intent=flow.intent)
    old = ctx.flows.get(state.form.flow) if state.form else None
    prefix = []
    if old is not None and old is not flow:
        prefix = [Reply(T.SWITCHED.format(old=old.title, new=flow.title))]
    # The form's transcript starts after the chat's newest message before this turn.
    state.form = Form(flow.name, started_after=ctx.last_message_id)
    state.pending = None
    said = described_slot(flow)
    if said is not None and nlu.intent == flow.intent and (told := flow.describe(nlu)):
        ctx.slots[said.name] = told
    problem = await absorb(ctx, flow, nlu, overwrite=False)
    replies = [*prefix, *([Reply(problem)] if problem else [])]
    return replies + await next_prompt(ctx, flow)


def end_flow(ctx: Ctx) -> None:
    ctx.state.form = None


async def absorb(ctx: Ctx, flow: Flow, nlu: NluResult, *, overwrite: bool) -> str | None:
    """Fill slots from the NLU entities; returns a problem to tell the customer, if any."""
    problem = None
    for slot in flow.slots:
        if slot.entities is None:
            continue
        if slot.name in ctx.slots and not overwrite and not ctx.asking(slot.name):
            continue
        try:
            value = slot.fit(await slot.entities(ctx, nlu))
        except Invalid as exc:
            problem = str(exc)
            continue
        if value is not None:
            ctx.slots[slot.name] = value
    return problem


async def next_prompt(ctx: Ctx, flow: Flow) -> list[Reply]:
    if flow.filled is not None:
        await flow.filled(ctx)
    form = ctx.form
    if not form.editing:
        for slot in flow.slots:
            if slot.name not in ctx.slots:
                return [await ask_slot(ctx, flow, slot)]
    form.asking, form.editing, form.tries = "confirm", False, 0
    return [summary(flow, ctx)]


async def ask_slot(ctx: Ctx, flow: Flow, slot: Slot) -> Reply:
    """Ask for `slot`, counting how often in a row: the loop guard. The fourth time it is
    not the same question again but its choices, or the offer of a person."""
    form = ctx.form
    form.tries = form.tries + 1 if form.asking == slot.name else 1
    form.asking = slot.name
    question = await slot.ask(ctx)
    if form.tries <= TRIES:
        return question
    if form.tries >= HAND_OFF_AFTER:
        ctx.handoff, ctx.state.misses = True, 0
        return Reply(T.HANDOFF_AFTER_TRIES.format(what=slot.label))
    choices = tuple(b for b in question.buttons if not b.payload.startswith("/skip"))
    if choices:
        return Reply(T.PICK_A_CHOICE.format(what=slot.label), question.buttons)
    offer = [T.HUMAN_BUTTON]
    if slot.skip is not None:
        offer.append(T.SKIP_BUTTON)
    offer.append(T.CANCEL_FORM_BUTTON)
    return Reply(T.OFFER_PERSON.format(what=slot.label), tuple(offer), question.request_contact)


async def reask(ctx: Ctx, flow: Flow) -> list[Reply]:
    asking = ctx.form.asking
    if asking == "confirm" or asking is None or not flow.has(asking):
        return [summary(flow, ctx)]
    return [await ask_slot(ctx, flow, flow.slot(asking))]


async def in_form(ctx: Ctx, flow: Flow, nlu: NluResult, intent: str | None) -> list[Reply]:
    form = ctx.form
    keep = ("cancel", "request_human")
    if form.asking != "confirm":
        keep += (flow.intent,)  # the same request again ("空调不制冷了"): not an answer
    if not nlu.available and intent not in keep:
        intent = None  # NLU down: typed text answers the question; buttons still work
    if intent == "cancel" and not (nlu.first("ticket_id") or parsing.ticket_in(nlu.text)):
        end_flow(ctx)
        return [Reply(T.FORM_CANCELLED.format(title=flow.title), T.MENU)]
    if intent == "request_human":
        return await hand_off(ctx, nlu)
    if form.asking == "confirm" or form.asking is None or not flow.has(form.asking):
        form.asking = "confirm"
        return await at_confirm(ctx, flow, nlu, intent)
    if intent == "edit":  # an edit button from an older summary
        return await edit(ctx, flow, nlu)
    slot = flow.slot(form.asking)
    for other in flow.slots:
        if intent in other.shortcuts and (value := other.shortcuts[intent](ctx)):
            ctx.slots[other.name] = value
    if slot.name in ctx.slots:
        return await next_prompt(ctx, flow)
    if intent == "skip" and slot.skip is not None:
        ctx.slots[slot.name] = slot.skip
        return await next_prompt(ctx, flow)
    problem = await absorb(ctx, flow, nlu, overwrite=False)
    if slot.name in ctx.slots:
        return await next_prompt(ctx, flow)
    if problem:
        return [Reply(problem), await ask_slot(ctx, flow, slot)]
    if slot.structured:
        # A code, number or date is recognisable by itself: try it before any intent.
        try:
            ctx.slots[slot.name] = slot.fit(await slot.read(ctx, nlu.text))
            return await next_prompt(ctx, flow)
        except Invalid as exc:
            problem = str(exc)
    confident = (nlu.understood and nlu.confidence >= CONFIDENT) or not nlu.available
    own_words = intent == flow.intent and slot.own_words
    plain = slot.plain is not None and slot.plain(nlu.text)
    # Latin letters typed at a code or number question ("abc" for a phone) are a bad
    # answer, not small talk, whatever the model makes of them.
    attempt = problem is not None and intent == "out_of_scope" and not parsing.CJK.search(nlu.text)
    if intent and intent != "inform" and confident and not own_words and not plain and not attempt:
        other = ctx.flows.for_intent(intent)
        if other is not None and other is not flow:
            return await start_flow(ctx, other, nlu)
        if intent in INTERRUPTS or intent in HANDLERS:
            return await interruption(ctx, flow, intent, nlu)
    if problem:
        return [Reply(problem), await ask_slot(ctx, flow, slot)]
    try:
        ctx.slots[slot.name] = slot.fit(await slot.read(ctx, nlu.text))
    except Invalid as exc:
        return [Reply(str(exc)), await ask_slot(ctx, flow, slot)]
    return await next_prompt(ctx, flow)


async def interruption(ctx: Ctx, flow: Flow, intent: str, nlu: NluResult) -> list[Reply]:
    """Answer the aside, then come back to the form where the customer was."""
    if intent == flow.intent:
        replies = more_detail(ctx, flow, nlu)
    elif intent == "goodbye":
        return [Reply(T.GOODBYE_MID_FORM.format(title=flow.title))]
    elif intent in ("affirm", "deny"):
        replies = []
    elif intent == "out_of_scope":
        replies = [Reply(T.OUT_OF_SCOPE)]
    else:
        replies = await HANDLERS[intent](ctx, nlu)
        if ctx.handoff:
            return replies
        replies = [Reply(r.text, (), r.request_contact) for r in replies]
    back = await reask(ctx, flow)
    return [
        *replies,
        Reply(
            T.CONTINUE.format(title=flow.title) + back[0].text,
            back[0].buttons,
            back[0].request_contact,
        ),
    ]


def more_detail(ctx: Ctx, flow: Flow, nlu: NluResult) -> list[Reply]:
    """The customer states the request again mid-form: what they said is kept (added to
    the description when it says more), and the form goes on without asking it again."""
    slot = described_slot(flow)
    old = ctx.slots.get(slot.name) if slot else None
    if old is None:
        return []
    said = flow.describe(nlu)
    if not said:
        return []  # only the request again ("我要报修")
    if said not in old:
        ctx.slots[slot.name] = (said if old in said else f"{old}；{said}")[:2000]
    return [Reply(T.DETAIL_NOTED.format(what=slot.label))]


async def edit(ctx: Ctx, flow: Flow, nlu: NluResult) -> list[Reply]:
    name = nlu.first("slot")
    if name is None or not flow.has(name):
        return [edit_buttons(flow)]
    ctx.form.editing = True
    ctx.slots.pop(name, None)
    return [await ask_slot(ctx, flow, flow.slot(name))]


async def at_confirm(ctx: Ctx, flow: Flow, nlu: NluResult, intent: str | None) -> list[Reply]:
    text = nlu.text
    if intent is None and not nlu.available:
        intent = "affirm" if parsing.is_affirm(text) else "deny" if parsing.is_deny(text) else None
    if intent == "edit":
        return await edit(ctx, flow, nlu)
    before = dict(ctx.slots)
    problem = await absorb(ctx, flow, nlu, overwrite=True)
    changed = ctx.slots != before
    if not changed and not problem and not (intent == "affirm" and parsing.is_affirm(text)):
        changed, problem = await correction_in_words(ctx, flow, text)  # not "没问题"
    if changed or problem:
        head = [Reply(problem)] if problem else [Reply(T.UPDATED)]
        return [*head, summary(flow, ctx)]
    if intent == "affirm":
        return await submit(ctx, flow)
    if intent == "deny":
        return [edit_buttons(flow)]
    other = ctx.flows.for_intent(intent)
    if other is not None and other is not flow:
        return await start_flow(ctx, other, nlu)
    if intent in HANDLERS and intent not in ("inform",):
        return await interruption(ctx, flow, intent, nlu)
    return [Reply(T.CONFIRM_AGAIN, T.CONFIRM_BUTTONS)]


CORRECTION_SEPARATORS = ("改成", "改为", "换成", "应该是", "是", "：", ":")


async def correction_in_words(ctx: Ctx, flow: Flow, text: str) -> tuple[bool, str | None]:
    """ "地址改成海淀区…", "电话换成…": a field named in words, its new value after it."""
    for slot in flow.slots:
        if not any(w in text for w in slot.words):
            continue
        value_text = text
        for sep in CORRECTION_SEPARATORS:
            if sep in text:
                value_text = text.split(sep, 1)[1]
                break
        try:
            ctx.slots[slot.name] = slot.fit(await slot.read(ctx, value_text))
        except Invalid as exc:
            return False, str(exc)
        return True, None
    return False, None


async def submit(ctx: Ctx, flow: Flow) -> list[Reply]:
    try:
        replies = await flow.submit(ctx)
    except LimitReached as exc:  # too many tickets today: nothing was filed
        end_flow(ctx)
        return [Reply(str(exc), T.MENU)]
    except DomainError as exc:
        log.info("submitting %s failed: %s", flow.name, exc.code)
        return [Reply(T.SUBMIT_FAILED.format(reason="信息有误，请检查")), summary(flow, ctx)]
    end_flow(ctx)
    return replies


HANDLERS = {
    "greet": greet,
    "thanks": thanks,
    "goodbye": goodbye,
    "out_of_scope": out_of_scope,
    "affirm": affirm_or_deny,
    "deny": affirm_or_deny,
    "inform": inform,
    "request_human": request_human,
    "query_status": query_status,
    "expedite": expedite,
    "cancel": cancel,
    "confirm_cancel": confirm_cancel,
    "keep_ticket": keep_ticket,
    "ask_warranty": ask_warranty,
    "verify": verify.start,
}
