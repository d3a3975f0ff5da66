"""What a tapped button said, for people reading a transcript.

A customer's tap is stored as the button's payload (`/affirm`, `/skip`), an internal
code; staff should read what the customer saw and chose (确认提交, 尽快安排). The title
is the one of the button with that payload among those offered last before the tap
when that message kept its buttons (pushed notices do; a chat turn's rows do not), else
the payload's own Chinese name (texts.PAYLOAD_ZH, then the intent's, INTENT_ZH).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from backend.services.texts import INTENT_ZH, PAYLOAD_ZH


def is_payload(text: str) -> bool:
    return text.startswith("/") and " " not in text and len(text) > 1


def as_read(
    messages: Iterable[tuple[str, str, Sequence[Mapping] | None]],
) -> Iterator[tuple[str, str | None]]:
    """For each (direction, text, buttons) in transcript order: (text, pressed), where
    pressed is the tapped button's title (None: typed text, or an offer it was not)."""
    offered: dict[str, str] = {}
    for direction, text, buttons in messages:
        if direction == "out":
            if buttons:
                offered = {
                    str(b.get("payload")): str(b.get("title"))
                    for b in buttons
                    if isinstance(b, Mapping) and b.get("payload") and b.get("title")
                }
            yield text, None
        elif is_payload(text):
            yield text, offered.get(text) or PAYLOAD_ZH.get(text) or INTENT_ZH.get(text[1:])
        else:
            yield text, None
