"""The channel-independent dialogue engine.

A channel turns its wire format into an `Input` and renders the returned `Reply`s.
Per turn: load the stored state (one read-only transaction, which also tells whether a
survey of this chat is waiting and who the chat's customer is), drop a repeated update,
let a waiting survey take the input first, understand the text, run the step, and store
the new state with the turn's transcript in one transaction. State is never held in
memory between turns, so a restarted process resumes mid-form.

Understanding costs an NLU call only for text that needs it: a button payload, or an
answer the current step can read by itself (a phone number when the phone is asked, a
serial number at the product question…, see bot/dialogue/direct.py) is read directly.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend.logs import mask_text
from backend.services.desk import Desk
from backend.services.replies import Reply
from bot.dialogue import direct, parsing, steps
from bot.dialogue import texts as T
from bot.dialogue.flows import FLOWS, Ctx, Flow
from bot.dialogue.port import Outgoing, StorePort
from nlu.client import NluResult

log = logging.getLogger(__name__)

SurveyHook = Callable[[Desk, str, str, str], Awaitable[list[Reply] | None]]
SURVEY_PREFIX = "sv:"  # survey button payloads (backend.services.surveys.PREFIX)


@dataclass(frozen=True)
class Input:
    text: str = ""
    update_id: int | None = None  # the channel's update id, for dropping repeats
    contact_phone: str | None = None  # a phone the channel verified as the sender's own
    contact_rejected: bool = False  # someone else's contact was shared
    photo_ref: str | None = None  # the channel's file id of a photo
    photo_path: str | None = None


class Nlu:
    """What the engine needs from the NLU client (nlu.client.NluClient fits)."""

    async def parse(self, text: str) -> NluResult: ...


def default_survey_hook() -> SurveyHook | None:
    """The survey service, when it is installed (it is delivered separately)."""
    try:
        module = importlib.import_module("backend.services.surveys")
    except ModuleNotFoundError:
        return None
    return getattr(module, "handle_survey_input", None)


class Engine:
    def __init__(self, desk: Desk, nlu: Nlu | None, *, survey_hook: SurveyHook | None = None):
        self.desk = desk
        self.nlu = nlu
        self.port = StorePort(desk)
        self.survey_hook = survey_hook if survey_hook is not None else default_survey_hook()
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def handle(self, channel: str, external_id: str, inp: Input) -> list[Reply]:
        key = (channel, external_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                return await self._turn(channel, external_id, inp)
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                self._locks.pop(key, None)

    async def _turn(self, channel: str, external_id: str, inp: Input) -> list[Reply]:
        conv = await self.port.load(channel, external_id)
        if (
            inp.update_id is not None
            and conv.last_update_id is not None
            and inp.update_id <= conv.last_update_id
        ):
            log.info("dropping repeated update %s of %s chat", inp.update_id, channel)
            return []
        state = conv.state
        ctx = Ctx(self.port, channel, external_id, state)
        ctx.known_customer(conv.customer)
        incoming = inp.text
        intent = None
        if conv.handed_off:
            if inp.photo_ref:
                await self._photo(ctx, inp)
                incoming = incoming or "[照片]"
            await self.port.save_turn(
                channel,
                external_id,
                state=state,
                handed_off=True,
                update_id=inp.update_id,
                incoming=incoming,
                intent=None,
                outgoing=[],
                exists=conv.exists,
            )
            return []
        if inp.contact_phone or inp.contact_rejected:
            replies = await self._contact(ctx, inp)
            incoming = "[分享手机号]"
        elif inp.photo_ref:
            replies = await self._photo(ctx, inp)
            incoming = inp.text or "[照片]"
        else:
            replies = None
            if conv.survey_open or inp.text.startswith(SURVEY_PREFIX):
                replies = await self._survey(channel, external_id, inp.text)
            if replies is None:
                nlu = await self._understand(inp.text, state)
                intent = nlu.intent
                replies = await steps.step(ctx, nlu)
        if ctx.handoff:
            state["handed_off_at"] = self.desk.now().isoformat()
        await self.port.save_turn(
            channel,
            external_id,
            state=state,
            handed_off=ctx.handoff,
            update_id=inp.update_id,
            incoming=incoming,
            intent=intent,
            outgoing=[Outgoing(r.text) for r in replies],
            exists=conv.exists,
        )
        return replies

    async def _survey(self, channel: str, external_id: str, text: str) -> list[Reply] | None:
        if self.survey_hook is None or not text:
            return None
        return await self.survey_hook(self.desk, channel, external_id, text)

    async def _understand(self, text: str, state: dict) -> NluResult:
        if (payload := parsing.from_payload(text)) is not None:
            return payload
        if (read := direct.direct(state, text)) is not None:
            return read
        if self.nlu is None:
            return NluResult(text=text, intent=None, confidence=0.0, available=False)
        result = parsing.sanity(await self.nlu.parse(text))
        log.debug("nlu %s %.2f: %s", result.intent, result.confidence, mask_text(text[:40]))
        return result

    async def _contact(self, ctx: Ctx, inp: Input) -> list[Reply]:
        if inp.contact_rejected or not inp.contact_phone:
            return [Reply(T.CONTACT_NOT_OWN, request_contact=True)]
        phone = parsing.phone_in(inp.contact_phone)
        if phone is None:
            return [Reply(T.BAD_PHONE)]
        ctx.state["customer_id"] = await self.port.bind_phone(ctx.channel, ctx.external_id, phone)
        ctx.forget_customer()  # bound just now: read it again when needed
        ctx.state["verified"] = True
        replies = [Reply(T.CONTACT_BOUND.format(phone=phone))]
        flow = FLOWS.get(ctx.state.get("flow") or "")
        if flow is not None:
            return replies + await self._resume_with_phone(ctx, flow, phone)
        return replies

    async def _resume_with_phone(self, ctx: Ctx, flow: Flow, phone: str) -> list[Reply]:
        if "phone" in {s.name for s in flow.slots} and (
            ctx.state.get("asking") == "phone" or "phone" not in ctx.slots
        ):
            ctx.slots["phone"] = phone
            if ctx.state.get("asking") == "confirm":
                return await steps.reask(ctx, flow)
            return await steps.next_prompt(ctx, flow)
        return await steps.reask(ctx, flow)

    async def _photo(self, ctx: Ctx, inp: Input) -> list[Reply]:
        in_form = bool(ctx.state.get("flow"))
        ticket_id = None if in_form else ctx.state.get("ticket_id")
        await self.port.add_attachment(
            ctx.channel,
            ctx.external_id,
            file_ref=inp.photo_ref,
            ticket_id=ticket_id,
            path=inp.photo_path,
        )
        if in_form:
            flow = FLOWS[ctx.state["flow"]]
            return [
                Reply(T.PHOTO_SAVED.format(what=flow.title + "单")),
                *await steps.reask(ctx, flow),
            ]
        if ticket_id is not None:
            return [Reply(T.PHOTO_SAVED.format(what=f"工单 {ctx.state.get('ticket')} "))]
        return [Reply(T.PHOTO_NO_TICKET, T.MENU)]

    # ---- staff side --------------------------------------------------------------------
    async def hand_back(
        self, channel: str, external_id: str, *, speaker: str = "bot"
    ) -> Reply | None:
        if not await self.port.set_handed_off(channel, external_id, False):
            return None
        reply = Reply(T.HANDED_BACK, T.MENU)
        await self.port.add_message(
            channel, external_id, direction="out", speaker=speaker, text=reply.text
        )
        return reply
