"""The channel-independent dialogue engine.

A channel turns its wire format into an `Input` and renders the returned `Reply`s.
Per turn: load the stored chat (one read-only unit of work, which also tells whether a
survey of this chat is waiting and who the chat's customer is), drop a repeated update,
let a waiting survey take the input first, understand the text, run the step, and store
the new state with the turn's transcript in one unit of work. State is never held in
memory between turns, so a restarted process resumes mid-form.

The engine is given its desk (`ChatDesk`, the services) and its NLU: tests drive it with
a scripted NLU and the real store, no Rasa needed.

Understanding costs an NLU call only for text that needs it: a button payload, or an
answer the current step can read by itself (a phone number when the phone is asked, a
serial number at the product question…, the slots' `whole` recognisers) is read directly.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from backend.domain.errors import LimitReached
from backend.logs import mask_text
from backend.services.chat_api import ChatDesk, Miss, Outgoing
from backend.services.replies import Reply
from bot.dialogue import direct, parsing, steps
from bot.dialogue import texts as T
from bot.dialogue.flows import FLOWS, Flows
from bot.dialogue.form import Ctx, Flow
from bot.dialogue.state import ConversationState
from nlu.client import FALLBACK_INTENT, NluResult

log = logging.getLogger(__name__)

SURVEY_PREFIX = "sv:"  # survey button payloads (backend.services.surveys.PREFIX)


@dataclass(frozen=True)
class Input:
    text: str = ""
    update_id: int | None = None  # the channel's update id, for dropping repeats
    contact_phone: str | None = None  # a phone the channel verified as the sender's own
    contact_rejected: bool = False  # someone else's contact was shared
    photo_ref: str | None = None  # the channel's file id of a photo
    photo_path: str | None = None
    address: str | None = None  # the client's address (HTTP channels), for its limit
    private: bool = True  # a one-person chat; a group chat can never become verified


class Nlu(Protocol):
    """What the engine needs from the NLU client (nlu.client.NluClient fits)."""

    async def parse(self, text: str) -> NluResult: ...


class Meter(Protocol):
    """Where the engine counts messages (backend.metrics.Metrics fits): in memory only,
    the chat's hot path does no store work for it."""

    def message(self, channel: str, direction: str, count: int = 1) -> None: ...


class _NoMeter:
    def message(self, channel: str, direction: str, count: int = 1) -> None:
        pass


class Engine:
    def __init__(
        self,
        desk: ChatDesk,
        nlu: Nlu | None,
        *,
        flows: Flows = FLOWS,
        meter: Meter | None = None,
    ):
        self.desk = desk
        self.nlu = nlu
        self.flows = flows
        self.meter = meter or _NoMeter()
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def handle(self, channel: str, external_id: str, inp: Input) -> list[Reply]:
        """The turn's replies. Raises LimitReached, before anything is read or written,
        when the chat or its address sends too fast: the one check every channel passes
        (a refused message leaves no transcript, state or ticket)."""
        self.desk.admit(channel, external_id, inp.address)
        key = (channel, external_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self.meter.message(channel, "in")
        try:
            async with lock:
                replies = await self._turn(channel, external_id, inp)
            self.meter.message(channel, "out", len(replies))
            return replies
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                self._locks.pop(key, None)

    async def _turn(self, channel: str, external_id: str, inp: Input) -> list[Reply]:
        row = await self.desk.load(channel, external_id)
        state = ConversationState.from_json(row.state, row.last_update_id)
        if state.seen(inp.update_id):
            log.info("dropping repeated update %s of %s chat", inp.update_id, channel)
            return []
        state.survey = row.survey_open
        ctx = Ctx(self.desk, channel, external_id, state, row.last_message_id, self.flows)
        ctx.private = inp.private
        ctx.known_customer(row.customer)
        state.verified = row.customer is not None  # only a verified binding loads one
        incoming, intent, replies, missed = inp.text, None, [], None
        if row.handed_off:  # a person answers: the bot only keeps the transcript
            if inp.photo_ref:
                await self._photo(ctx, inp)
                incoming = incoming or "[照片]"
        elif inp.contact_phone or inp.contact_rejected:
            replies = await self._contact(ctx, inp)
            incoming = "[分享手机号]"
        elif inp.photo_ref:
            replies = await self._photo(ctx, inp)
            incoming = inp.text or "[照片]"
        else:
            survey = None
            if state.survey or inp.text.startswith(SURVEY_PREFIX):
                survey = await self._survey(channel, external_id, inp.text)
            if survey is not None:
                replies = survey
            else:
                nlu, parsed = await self._understand(inp.text, state)
                intent = nlu.intent
                if parsed and nlu.available and nlu.intent == FALLBACK_INTENT:
                    missed = Miss(nlu.text, nlu.ranking, nlu.model)
                replies = await steps.step(ctx, nlu)
        if ctx.handoff and not row.handed_off:
            try:
                self.desk.admit_handoff(channel, external_id)
            except LimitReached as exc:  # the bot keeps the chat; the queue stays usable
                ctx.handoff = False
                replies = [Reply(str(exc), T.MENU)]
        handed_off = row.handed_off or ctx.handoff
        if ctx.handoff:
            state.handed_off_at = self.desk.now().isoformat()
        await self.desk.save_turn(
            channel,
            external_id,
            state=state.to_json(),
            handed_off=handed_off,
            update_id=inp.update_id,
            incoming=incoming,
            intent=intent,
            outgoing=[Outgoing(r.text) for r in replies],
            exists=row.exists,
            link=ctx.link,
            customer_id=state.customer_id,
            ticket_id=state.ticket_id,
            missed=missed,
        )
        return replies

    async def _survey(self, channel: str, external_id: str, text: str) -> list[Reply] | None:
        if not text:
            return None
        return await self.desk.survey_input(channel, external_id, text)

    async def _understand(self, text: str, state: ConversationState) -> tuple[NluResult, bool]:
        """The input's reading, and whether the NLU read it (not a button or a slot's
        own recogniser): only the NLU's misses go to the labelling inbox."""
        if (payload := parsing.from_payload(text)) is not None:
            return payload, False
        if (read := direct.direct(state, text, self.flows)) is not None:
            return read, False
        if self.nlu is None:
            return NluResult(text=text, intent=None, confidence=0.0, available=False), False
        result = parsing.sanity(await self.nlu.parse(text))
        log.debug("nlu %s %.2f: %s", result.intent, result.confidence, mask_text(text[:40]))
        return result, True

    async def _contact(self, ctx: Ctx, inp: Input) -> list[Reply]:
        if not inp.private:
            return [Reply(T.VERIFY_PRIVATE_ONLY)]
        if inp.contact_rejected or not inp.contact_phone:
            return [Reply(T.CONTACT_NOT_OWN, request_contact=True)]
        phone = parsing.phone_in(inp.contact_phone)
        if phone is None:
            return [Reply(T.BAD_PHONE)]
        ctx.state.customer_id = await self.desk.bind_phone(ctx.channel, ctx.external_id, phone)
        ctx.forget_customer()  # bound just now: read it again when needed
        ctx.state.verified = True
        replies = [Reply(T.CONTACT_BOUND.format(phone=phone))]
        form = ctx.state.form
        flow = self.flows.get(form.flow) if form else None
        if flow is not None:
            return replies + await self._resume_with_phone(ctx, flow, phone)
        return replies

    async def _resume_with_phone(self, ctx: Ctx, flow: Flow, phone: str) -> list[Reply]:
        """The shared phone answers the form's contact slot, if it has one still open."""
        slot = next((s for s in flow.slots if s.from_contact), None)
        if slot is not None and (ctx.asking(slot.name) or slot.name not in ctx.slots):
            ctx.slots[slot.name] = phone
            if ctx.asking("confirm"):
                return await steps.reask(ctx, flow)
            return await steps.next_prompt(ctx, flow)
        return await steps.reask(ctx, flow)

    async def _photo(self, ctx: Ctx, inp: Input) -> list[Reply]:
        form = ctx.state.form
        ticket_id = None if form else ctx.state.ticket_id
        await self.desk.add_attachment(
            ctx.channel,
            ctx.external_id,
            file_ref=inp.photo_ref,
            ticket_id=ticket_id,
            path=inp.photo_path,
        )
        if form is not None and (flow := self.flows.get(form.flow)) is not None:
            return [
                Reply(T.PHOTO_SAVED.format(what=flow.title + "单")),
                *await steps.reask(ctx, flow),
            ]
        if ticket_id is not None:
            return [Reply(T.PHOTO_SAVED.format(what=f"工单 {ctx.state.ticket} "))]
        return [Reply(T.PHOTO_NO_TICKET, T.MENU)]
