"""Verifying a chat by an SMS code: ask the phone, text a code, read it back.

Outside a form: "验证手机号" (or the `/verify` button) starts it; the pending question
(`verify_phone`, then `verify_code`) takes the next message, and anything else ends it.
On Telegram the customer may share their own contact instead (the engine's `_contact`).
"""

from __future__ import annotations

import re

from backend.domain.contact import mask_phone
from backend.domain.errors import LimitReached, ValidationFailed
from backend.services.replies import Reply
from bot.dialogue import parsing
from bot.dialogue import texts as T
from bot.dialogue.form import Ctx
from bot.dialogue.state import Pending
from nlu.client import NluResult

ASK_PHONE, ASK_CODE = "verify_phone", "verify_code"
ACTIONS = frozenset({ASK_PHONE, ASK_CODE})
WORDS = re.compile(r"验证手机|手机验证|验证身份|身份验证|短信验证|验证码|我要验证")
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def asked(text: str) -> bool:
    return bool(WORDS.search(text)) and not CODE.search(text)


def offer(ctx: Ctx, text: str) -> Reply:
    """`text` and the offer to verify: its button, or on Telegram the share-phone key."""
    if not ctx.private:
        return Reply(f"{text}\n{T.VERIFY_PRIVATE_ONLY}")
    if ctx.channel == "telegram":
        return Reply(f"{text}\n{T.VERIFY_OFFER_TELEGRAM}", request_contact=True)
    return Reply(f"{text}\n{T.VERIFY_OFFER}", (T.VERIFY_BUTTON,))


async def start(ctx: Ctx, nlu: NluResult) -> list[Reply]:
    if ctx.verified:
        return [Reply(T.ALREADY_VERIFIED)]
    if not ctx.private:
        return [Reply(T.VERIFY_PRIVATE_ONLY)]
    ctx.state.pending = Pending(ASK_PHONE)
    if ctx.channel == "telegram":
        return [Reply(T.VERIFY_ASK_PHONE_TELEGRAM, request_contact=True)]
    return [Reply(T.VERIFY_ASK_PHONE)]


async def on_pending(ctx: Ctx, pending: Pending, nlu: NluResult) -> list[Reply] | None:
    """The answer to our question, or None: the message is about something else."""
    if pending.action == ASK_PHONE:
        phone = parsing.phone_in(nlu.text)
        return None if phone is None else await _send(ctx, phone)
    code = CODE.search(nlu.text)
    return None if code is None else await _check(ctx, code.group(1))


async def _send(ctx: Ctx, phone: str) -> list[Reply]:
    try:
        sent = await ctx.desk.send_code(ctx.channel, ctx.external_id, phone)
    except LimitReached as exc:
        return [Reply(str(exc))]
    except ValidationFailed:
        ctx.state.pending = Pending(ASK_PHONE)
        return [Reply(T.VERIFY_MOBILE_ONLY)]
    if not sent:
        return [Reply(T.VERIFY_SEND_FAILED)]
    ctx.state.pending = Pending(ASK_CODE)
    return [Reply(T.VERIFY_CODE_SENT.format(phone=mask_phone(phone)))]


async def _check(ctx: Ctx, code: str) -> list[Reply]:
    checked = await ctx.desk.check_code(ctx.channel, ctx.external_id, code)
    if checked.outcome == "verified":
        ctx.state.customer_id, ctx.state.verified = checked.customer_id, True
        ctx.forget_customer()  # bound just now: read it again when needed
        return [Reply(T.VERIFIED.format(phone=checked.phone), T.MENU)]
    if checked.outcome == "wrong":
        ctx.state.pending = Pending(ASK_CODE)
        return [Reply(T.VERIFY_WRONG.format(left=checked.tries_left))]
    text = {"locked": T.VERIFY_LOCKED, "expired": T.VERIFY_EXPIRED}.get(
        checked.outcome, T.VERIFY_NO_CODE
    )
    return [Reply(text, (T.VERIFY_BUTTON,))]
