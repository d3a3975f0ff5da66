"""Pure helpers that read slot values out of text when NLU gives no entity (or is down)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

from backend.domain import dates
from backend.domain.contact import normalise_phone
from backend.domain.numbering import normalise_number
from nlu.client import FALLBACK_INTENT, Entity, NluResult

PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
MODEL = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2,}[A-Za-z0-9]*-[A-Za-z0-9/\-]+|[A-Za-z]{2,}\d+[A-Za-z0-9/\-]*)"
)
SERIAL = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9]{10,32})(?![A-Za-z0-9])")
MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
CJK = re.compile(r"[\u4e00-\u9fff]")
ADDRESS_HINT = re.compile(r"[省市区县镇乡村路街道巷弄号楼栋单元室苑园庭府城院里]")
PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.S)
ADDRESS_LEAD = re.compile(r"^(我家|我的|家里)?(地址|住址|住在|在)?\s*(是|为|在)?\s*[:：]?\s*")
DONT_KNOW = re.compile(r"不清楚|不知道|不记得|没看到|找不到|看不到|不确定")

AFFIRM_WORDS = (
    "确认",
    "是的",
    "对的",
    "没问题",
    "好的",
    "可以",
    "提交",
    "对",
    "是",
    "好",
    "嗯",
    "ok",
)
DENY_WORDS = ("不对", "不是", "修改", "改", "错", "不用", "不要", "否")
CANCEL_WORDS = ("取消", "撤销", "不修了", "算了")
HUMAN_WORDS = ("人工", "客服", "真人")
INTENT_WORDS = (  # the keyword safety net when NLU is down
    ("request_human", HUMAN_WORDS),
    ("cancel", CANCEL_WORDS),
    ("complain", ("投诉",)),
    ("query_status", ("进度", "查询", "到哪")),
    ("expedite", ("催",)),
    ("book_maintenance", ("保养", "清洗", "巡检")),
    ("ask_warranty", ("保修期", "收费", "要钱", "免费吗")),
    ("report_fault", ("报修", "维修", "坏了", "不制冷", "漏水")),
)


def from_payload(text: str) -> NluResult | None:
    """A button payload in Rasa's form `/intent` or `/intent{"entity": "value"}`."""
    m = PAYLOAD.match(text.strip())
    if not m:
        return None
    entities: list[Entity] = []
    if m.group(2):
        try:
            data = json.loads(m.group(2))
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        entities = [Entity(str(k), str(v), 0, 0) for k, v in data.items()]
    return NluResult(text=text, intent=m.group(1), confidence=1.0, entities=tuple(entities))


def payload(intent: str, **entities: str) -> str:
    """A button payload (compact: Telegram allows 64 bytes of callback data)."""
    if not entities:
        return "/" + intent
    return "/" + intent + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


YES_NO_LATIN = frozenset({"ok", "okay", "yes", "y", "no", "n", "yep", "nope", "sure"})


def sanity(nlu: NluResult) -> NluResult:
    """Latin gibberish ("asdf") tends to land on affirm/deny; a yes or no needs words."""
    if nlu.intent in ("affirm", "deny") and not CJK.search(nlu.text):
        if nlu.text.strip().lower().strip(".!") not in YES_NO_LATIN:
            return replace(nlu, intent=FALLBACK_INTENT, confidence=0.0)
    return nlu


def keyword_intent(text: str) -> str | None:
    """A coarse intent from keywords, used only while the NLU server is unavailable."""
    for intent, words in INTENT_WORDS:
        if any(w in text for w in words):
            return intent
    return None


def is_affirm(text: str) -> bool:
    t = text.strip().lower().rstrip("。.!！")
    return not any(w in t for w in DENY_WORDS) and any(t.startswith(w) for w in AFFIRM_WORDS)


def is_deny(text: str) -> bool:
    return any(w in text for w in DENY_WORDS)


def meaningful(text: str, minimum: int = 2) -> bool:
    return len(MEANINGFUL.findall(text)) >= minimum


def phone_in(text: str) -> str | None:
    whole = normalise_phone(text.strip())
    if whole:
        return whole
    for m in PHONE_IN_TEXT.finditer(text.replace(" ", "")):
        if found := normalise_phone(m.group(0)):
            return found
    return None


def ticket_in(text: str) -> str | None:
    return normalise_number(text)


def model_in(text: str) -> str | None:
    m = MODEL.search(text)
    return m.group(1).upper() if m else None


def serial_in(text: str) -> str | None:
    """A long code with digits that is neither a phone number nor a ticket number."""
    for m in SERIAL.finditer(text):
        code = m.group(1)
        if re.search(r"\d", code) and not normalise_phone(code) and not normalise_number(code):
            return code.upper()
    return None


def looks_like_address(text: str) -> bool:
    return len(CJK.findall(text)) >= 3 and bool(ADDRESS_HINT.search(text))


CLAUSE_END = "，,。；;！!？?\n"
PLACE = re.compile(r"[省市区县镇乡村路街道巷弄]")
TRAILING_LABEL = re.compile(r"\s*(电话|手机|联系方式|号码|型号|序列号|编号)?\s*[:：是为]?\s*$")


def address_span(text: str, entities) -> tuple[int, int] | None:
    """Where the address is: the clause around an address entity of NLU, up to the next
    other entity ("地址朝阳区建国路88号3单元，电话…" -> 朝阳区建国路88号3单元), when that
    clause reads as an address. NLU sometimes tags only pieces of it (or a stray word)."""
    for found in entities:
        if found.entity == "address" and found.end > found.start:
            span = _clause(text, found.start, entities)
            if span is not None:
                return span
    return None


def _clause(text: str, start: int, entities) -> tuple[int, int] | None:
    left = max(text.rfind(c, 0, start) for c in CLAUSE_END) + 1
    right = min([i for c in CLAUSE_END if (i := text.find(c, start)) >= 0] or [len(text)])
    others = [e for e in entities if e.entity != "address"]
    right = min([right] + [e.start for e in others if start <= e.start < right])
    left = max([left] + [e.end for e in others if left <= e.end <= start])
    lead = ADDRESS_LEAD.match(text[left:right])
    left += lead.end() if lead else 0
    if left < start and not ADDRESS_HINT.search(text[left:start]):
        left = start  # words before the address ("改成…"), not a piece of it
    clause = TRAILING_LABEL.sub("", text[left:right])
    if not looks_like_address(clause) or not PLACE.search(clause):
        return None
    return left, left + len(clause)


def strip_spans(text: str, entities, names: tuple[str, ...]) -> str:
    """The text without the spans of the named entities (e.g. the phone in a description)."""
    spans = sorted((e.start, e.end) for e in entities if e.entity in names and e.end > e.start)
    out, pos = [], 0
    for start, end in spans:  # overlapping spans count once
        if start > pos:
            out.append(text[pos:start])
        pos = max(pos, end)
    out.append(text[pos:])
    cleaned = "".join(out)
    cleaned = re.sub(LEFTOVER_LABEL, "", cleaned)
    return re.sub(r"[，,。\s]{2,}", "，", cleaned).strip(" ，,。")


LEFTOVER_LABEL = re.compile(
    r"(电话|手机|联系方式|号码|型号|序列号|地址|编号)\s*[:：是为]?\s*(?=[，,。\s]|$)"
)
GENERIC_REPAIR = re.compile(
    r"^(我|我们|家里|请|麻烦|帮我|你好|您好|想|要|需要|能|可以|给|安排|派|个|一下|一个|人|来|上门|"
    r"师傅|维修|报修|报个修|修|吗|呢|吧|的|了|啊|，|。|！|\s)*$"
)


def substantive_fault(text: str) -> bool:
    """Does the first message describe the fault, or only ask for a repair (我要报修)?"""
    return meaningful(text, 2) and not GENERIC_REPAIR.match(text)


GENERIC_COMPLAINT = re.compile(r"^(我|要|想|投诉|你们|一下|的|了|啊|，|。|！|\s)*$")


def substantive_complaint(text: str) -> bool:
    return meaningful(text, 3) and not GENERIC_COMPLAINT.match(text)


# ---- dates (maintenance bookings) ---------------------------------------------------------
# One reader for chat and hotline lives in the domain; the dialogue keeps these names.
format_date = dates.format_date


def date_in(text: str, today: date) -> date | None:
    return dates.parse_date(text, today)
