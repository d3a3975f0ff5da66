"""Ticket numbers: <K><YY><MM>-<NNNN>, e.g. R2611-0007 (SPEC section 3).

The serial restarts every month per kind; the store hands out serials atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from backend.domain.kinds import TicketKind

PATTERN = re.compile(r"^([RCM])(\d{2})(\d{2})-(\d{4,})$")
# Customers type numbers loosely: lower case, full-width dash, spaces, no dash at all.
_LOOSE = re.compile(r"([RrCcMm])\s*(\d{2})(\d{2})\s*[-－—_ ]?\s*(\d{4,})")


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
    return TicketNumber(TicketKind.from_letter(letter), yy + mm, int(serial))


def normalise_number(text: str) -> str | None:
    """Find a ticket number in free text and return it in canonical form, or None."""
    match = _LOOSE.search(text)
    if not match:
        return None
    letter, yy, mm, serial = match.groups()
    if not 1 <= int(mm) <= 12:
        return None
    return f"{letter.upper()}{yy}{mm}-{int(serial):04d}"
