"""Hotline transcripts: speaker-tagged turns, or plain text with 客服:/客户: prefixes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from backend.domain import fields
from backend.domain.errors import ValidationFailed

AGENT, CUSTOMER = "agent", "customer"
_PREFIX = re.compile(r"^\s*(客服|坐席|话务员|agent|客户|用户|来电人|customer)\s*[:：]\s*", re.I)
_SPEAKERS = {
    "客服": AGENT,
    "坐席": AGENT,
    "话务员": AGENT,
    "agent": AGENT,
    "客户": CUSTOMER,
    "用户": CUSTOMER,
    "来电人": CUSTOMER,
    "customer": CUSTOMER,
}
MAX_TURNS = 500
MAX_TURN_TEXT = fields.size("message")  # a turn is one message of the transcript


@dataclass(frozen=True)
class Turn:
    speaker: str  # agent | customer
    text: str


def parse_plain(text: str) -> list[Turn]:
    """Split `客服: ... / 客户: ...` lines into turns; unprefixed lines continue a turn."""
    turns: list[Turn] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _PREFIX.match(line)
        if match:
            speaker = _SPEAKERS[match.group(1).lower()]
            turns.append(Turn(speaker, line[match.end() :].strip()))
        elif turns:
            last = turns[-1]
            turns[-1] = Turn(last.speaker, f"{last.text} {line.strip()}".strip())
        else:
            raise ValidationFailed("the transcript must start with 客服: or 客户:")
    return _checked(turns)


def parse_turns(raw: Iterable[Mapping]) -> list[Turn]:
    turns = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise ValidationFailed("each turn must be an object with speaker and text")
        speaker = str(item.get("speaker", "")).strip().lower()
        speaker = _SPEAKERS.get(speaker, speaker)
        if speaker not in (AGENT, CUSTOMER):
            raise ValidationFailed("a turn's speaker must be agent or customer")
        text = item.get("text")
        if not isinstance(text, str):
            raise ValidationFailed("a turn's text must be a string")
        turns.append(Turn(speaker, text.strip()))
    return _checked(turns)


def _checked(turns: list[Turn]) -> list[Turn]:
    if len(turns) > MAX_TURNS:
        raise ValidationFailed(f"a transcript has at most {MAX_TURNS} turns")
    if any(len(t.text) > MAX_TURN_TEXT for t in turns):
        raise ValidationFailed(f"a turn has at most {MAX_TURN_TEXT} characters")
    if not any(t.speaker == CUSTOMER and t.text for t in turns):
        raise ValidationFailed("the transcript has no customer turn")
    return turns


# Which intent a call is about, strongest first: a complaint in a repair call is a complaint.
NEW_TICKET_INTENTS = (
    ("complain", "complaint"),
    ("report_fault", "repair"),
    ("book_maintenance", "maintenance"),
)
FOLLOW_UP_INTENTS = frozenset({"query_status", "expedite", "cancel"})


def call_kind(intents: Iterable[str]) -> str | None:
    """The ticket kind a call asks for, from its customer turns' intents."""
    seen = set(intents)
    for intent, kind in NEW_TICKET_INTENTS:
        if intent in seen:
            return kind
    return None
