"""Ticket numbers: <K><YY><MM>-<NNNN>, e.g. R2611-0007 (SPEC section 3).

The serial restarts every month per kind; the store hands out serials atomically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from backend.domain.kinds import TicketKind

PATTERN = re.compile(r"^([RCM])(\d{2})(\d{2})-(\d{4,})$")
# Customers type numbers loosely: lower case, full-width characters, other dashes, spaces,
# a short serial ("r2611-7"), no dash at all. Without a separator the serial needs four
# digits, or "R26117" could be read several ways. A letter or digit right before the kind
# letter means a product model (KFR2611-...), not a ticket number.
_LOOSE = re.compile(
    r"(?<![A-Za-z0-9])([RCM])\s*(\d{2})(\d{2})(?:\s*[-—–_ ]\s*(\d{1,6})|(\d{4,6}))(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TicketNumber:
    kind: TicketKind
    period: str  # YYMM
    serial: int

    def __str__(self) -> str:
        return f"{self.kind.letter}{self.period}-{self.serial:04d}"


def period_of(day: date) -> str:
    return f"{day.year % 100:02d}{day.month:02d}"


def format_number(kind: TicketKind, day: date, serial: int) -> str:
    if serial < 1:
        raise ValueError("serial starts at 1")
    return str(TicketNumber(kind, period_of(day), serial))


def parse_number(text: str) -> TicketNumber:
    match = PATTERN.match(text.strip())
    if not match or not 1 <= int(match.group(3)) <= 12:
        raise ValueError(f"not a ticket number: {text!r}")
    letter, yy, mm, serial = match.groups()
    if int(serial) < 1:
        raise ValueError(f"not a ticket number (serials start at 1): {text!r}")
    return TicketNumber(TicketKind.from_letter(letter), yy + mm, int(serial))


def normalise_number(text: str) -> str | None:
    """Find a ticket number in free text and return it in canonical form, or None."""
    # NFKC turns full-width letters, digits and the full-width dash into ASCII.
    for match in _LOOSE.finditer(unicodedata.normalize("NFKC", text)):
        letter, yy, mm, separated, joined = match.groups()
        serial = int(separated or joined)
        # Skip an impossible candidate but keep looking: the customer may correct it.
        if 1 <= int(mm) <= 12 and serial >= 1:
            return f"{letter.upper()}{yy}{mm}-{serial:04d}"
    return None
