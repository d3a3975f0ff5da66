"""What an address and a visit time look like, to check DIET's free-text spans.

DIET tags address and visit_time from what it learnt, and a small change of data or
epochs moves its entity head: round 8's models tagged 明天下午 as the address, the
full-width digits of a phone (１２３４５６７８) as a slot value and abc as the visit time.
The dialogue would file these as the customer's answers. A span is kept only when it
has the shape of its type: an address names a place (a character such as 区, 路, 号 or
栋), a visit time names a day, a part of a day or a clock time. A span with the other
type's shape and not its own is relabelled (明天下午 is a time whatever DIET called it);
anything else is dropped. Punctuation at either end is never part of a span (the
20-epoch DIET of round 9 ended an address on the comma after it). Pure Python, so the
app's tests load it by path (tests/nlu/test_entity_shapes.py checks every annotated
span of the data passes).
"""

from __future__ import annotations

import re

ADDRESS = "address"
VISIT_TIME = "visit_time"

# A place: administrative units, streets, buildings and their parts (simplified and
# traditional); 号 only after a number is taken away that could be a date (12号).
_PLACE = re.compile(
    r"[省市区區县縣镇鎮乡鄉村街路道巷弄号號栋棟幢楼樓室院苑府庭湾灣厦廈座]|单元|小区|花园|广场"
)
# 1-31 (a 93号 is a house number, not a date).
_DAY = (
    r"(?:(?<![0-9])(?:[12][0-9]|3[01]|0?[1-9])"
    r"|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
)
_DATE = rf"{_DAY}\s*[号號日]"
_DATE_NUMBER = re.compile(_DATE)
# A day, a part of a day, or a clock time.
_TIME = re.compile(
    r"[今明后後昨]天|[今明昨][早晚]|[周週][一二三四五六日天末]|星期|礼拜|禮拜|工作日|节假日"
    r"|[早晚中午上下]午|早上|晚上|白天|傍晚|夜里|凌晨|一早|全天|随时|隨時"
    rf"|[0-9０-９一二三四五六七八九十两兩]+\s*(?:点|點|时|時|月|:|：)|{_DATE}"
    r"|[这這下][个個]?[周週]|[下这這][个個]?礼拜|月底|月初|以后|之前|左右"
)


# Sentence punctuation, spaces and brackets: a span neither starts nor ends with one.
_EDGE = " \t\u3000，,。.！!？?；;：:、~～…·\"'“”‘’()（）[]【】<>《》-—"


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of text[start:end] without punctuation or spaces at its ends."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def is_address(span: str) -> bool:
    return _PLACE.search(_DATE_NUMBER.sub("", span)) is not None


def is_visit_time(span: str) -> bool:
    return _TIME.search(span) is not None


def shaped(entity: str, span: str) -> str | None:
    """The free-text type this span has the shape of: its own first, else the other,
    else None (drop it)."""
    checks = {ADDRESS: is_address, VISIT_TIME: is_visit_time}
    if checks[entity](span):
        return entity
    other = VISIT_TIME if entity == ADDRESS else ADDRESS
    return other if checks[other](span) else None
