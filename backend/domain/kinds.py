"""The vocabulary of the service desk (SPEC section 3)."""

from __future__ import annotations

from enum import StrEnum


class TicketKind(StrEnum):
    REPAIR = "repair"
    COMPLAINT = "complaint"
    MAINTENANCE = "maintenance"

    @property
    def letter(self) -> str:
        return _LETTERS[self]

    @classmethod
    def from_letter(cls, letter: str) -> TicketKind:
        for kind, value in _LETTERS.items():
            if value == letter.upper():
                return kind
        raise ValueError(f"unknown ticket letter {letter!r}")


_LETTERS = {TicketKind.REPAIR: "R", TicketKind.COMPLAINT: "C", TicketKind.MAINTENANCE: "M"}


class ServiceCategory(StrEnum):
    FREE = "free"  # C 类：保修期内，免费服务
    CONTRACT = "contract"  # B 类：保养合同内，合同服务
    PAID = "paid"  # A 类：有偿服务，派工前告知客户


class RegionClass(StrEnum):
    CITY = "city"
    SUBURB = "suburb"
    REMOTE = "remote"  # beyond the service radius


class Severity(StrEnum):
    NORMAL = "normal"
    SERIOUS = "serious"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"
    HOTLINE = "hotline"
    API = "api"
