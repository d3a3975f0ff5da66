"""Answers a step can read by itself, so the turn needs no NLU call.

When the form asks for a phone number and the customer types just a phone number (or a
serial/model code at the product question, a date at the date question, an address at
the address question, a ticket number when asked which ticket, "确认" at the summary),
asking Rasa adds latency and load and changes nothing: the step reads such values with
the same parsers either way. `direct` recognises only those unambiguous cases: the
whole message must be the value, give or take a few filler words ("我的电话是…",
"…吧。"). Anything that might be an interruption (cancel, 转人工, a complaint…: the
keyword check below) or any other free text still goes to NLU.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from backend.domain import dates
from backend.domain.contact import normalise_phone
from backend.domain.numbering import normalise_number
from bot.dialogue import parsing
from nlu.client import NluResult

if TYPE_CHECKING:
    from bot.dialogue.flows import Flows
    from bot.dialogue.state import ConversationState

_HEAD = re.compile(
    r"^(?:我的|我家的?|我|电话号码|手机号码|手机号|电话|手机|联系电话|联系方式|号码|型号|"
    r"序列号|机身号|产品|工单号|单号|编号|日期|时间|预约|改到|就|是|为|：|:|\s)*"
)
_TAIL = re.compile(r"(?:吧|的|哦|呢|啊|呀|哈|就行|就好|可以|都行|谢谢|。|\.|!|！|，|,|~|\s)*$")

_N = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_DAY = f"(?:{dates.DATE_EXPRESSION})"  # the domain's date grammar (backend/domain/dates.py)
_PART = r"(?:上午|下午|中午|晚上|早上|早晨|傍晚|白天|全天|一早)"
_CLOCK = rf"(?:{_N}(?:点半?|点\d{{1,2}}分?|[:：]\d{{2}}))"
_WHEN = rf"{_PART}?{_CLOCK}?(?:(?:到|至|-|~){_PART}?{_CLOCK})?(?:以后|之后|以前|之前|左右|前后)?"
DATE_ONLY = re.compile(rf"{_DAY}{_PART}?")
VISIT_TIME = re.compile(rf"(?:{_DAY})?{_WHEN}")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/\-]{3,31}")
AFFIRM_EXACT = frozenset(
    {"确认", "确认提交", "提交", "确定", "是的", "对", "对的", "没问题", "好的", "可以", "ok"}
)


def core(text: str) -> str:
    """The message without the filler words around the value."""
    return _TAIL.sub("", _HEAD.sub("", text.strip()))


def _inform(text: str, intent: str = "inform") -> NluResult:
    return NluResult(text=text, intent=intent, confidence=1.0)


def is_code(value: str) -> bool:
    """A model or serial number and nothing else (KFR-35GW/BpR3, SNPAID000003)."""
    if not CODE.fullmatch(value) or not re.search(r"\d", value):
        return False
    if normalise_phone(value) or normalise_number(value):
        return False
    whole = parsing.MODEL.fullmatch(value) or parsing.SERIAL.fullmatch(value)
    return whole is not None


def is_phone(value: str) -> bool:
    return normalise_phone(value) is not None


def is_date(value: str) -> bool:
    return DATE_ONLY.fullmatch(value) is not None


def is_visit_time(value: str) -> bool:
    timed = VISIT_TIME.fullmatch(value) and re.search(rf"{_DAY}|{_PART}|{_CLOCK}", value)
    return bool(timed)


def direct(state: ConversationState, text: str, flows: Flows) -> NluResult | None:
    """The NLU result for a message the current step can read directly, else None."""
    text = text.strip()
    if not text or len(text) > 60 or parsing.keyword_intent(text) is not None:
        return None
    form = state.form
    if form is not None and form.asking == "confirm":
        said = text.rstrip("。.!！~ ").lower()
        return _inform(text, "affirm") if said in AFFIRM_EXACT else None
    value = core(text)
    if not value:
        return None
    if form is None:
        pending = state.pending.action if state.pending else None
        if pending == "warranty" and is_code(value):
            return _inform(text)  # the serial or model the warranty question asked for
        if normalise_number(value) and is_ticket(value):
            return _inform(text)  # a bare ticket number: its status
        return None
    flow = flows.get(form.flow)
    if flow is None or form.asking is None or not flow.has(form.asking):
        return None
    slot = flow.slot(form.asking)
    return _inform(text) if slot.whole is not None and slot.whole(value) else None


# A visit time said along with the address ("…502，明天上午来"): NLU reads both.
_TIME_WORDS = re.compile(
    r"今天|明天|后天|(?:周|星期|礼拜)[一二三四五六日天]|上午|下午|中午|晚上|早上|\d{1,2}点"
)


def address_only(value: str) -> bool:
    """An address and nothing else: it reads as one (district, road, 号…) and carries no
    phone, model or serial code, or time that NLU should pick out too."""
    return (
        parsing.looks_like_address(value)
        and not parsing.PHONE_IN_TEXT.search(value)
        and not parsing.MODEL.search(value)
        and not parsing.SERIAL.search(value)
        and not _TIME_WORDS.search(value)
    )


def is_ticket(value: str) -> bool:
    number = normalise_number(value)
    if number is None:
        return False
    return re.sub(r"[\s\-－—]", "", value.upper()) == number.replace("-", "")
