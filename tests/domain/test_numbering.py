"""Ticket numbers <K><YY><MM>-<NNNN> (SPEC section 3)."""

from datetime import date

import pytest

from backend.domain.kinds import TicketKind
from backend.domain.numbering import (
    TicketNumber,
    format_number,
    normalise_number,
    parse_number,
    period_of,
)


@pytest.mark.parametrize(
    ("kind", "day", "serial", "expected"),
    [
        (TicketKind.REPAIR, date(2026, 11, 23), 7, "R2611-0007"),
        (TicketKind.COMPLAINT, date(2026, 1, 1), 1, "C2601-0001"),
        (TicketKind.MAINTENANCE, date(2030, 12, 31), 9999, "M3012-9999"),
        # a busy month outgrows four digits instead of wrapping round
        (TicketKind.REPAIR, date(2026, 11, 23), 12345, "R2611-12345"),
    ],
)
def test_format_number(kind, day, serial, expected):
    assert format_number(kind, day, serial) == expected


@pytest.mark.parametrize("serial", [0, -1])
def test_serials_start_at_one(serial):
    with pytest.raises(ValueError):
        format_number(TicketKind.REPAIR, date(2026, 11, 23), serial)


def test_period_is_two_digit_year_and_month():
    assert period_of(date(2026, 3, 9)) == "2603"
    assert period_of(date(2100, 10, 1)) == "0010"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R2611-0007", TicketNumber(TicketKind.REPAIR, "2611", 7)),
        ("  C2601-0123 ", TicketNumber(TicketKind.COMPLAINT, "2601", 123)),
        ("M2612-10000", TicketNumber(TicketKind.MAINTENANCE, "2612", 10000)),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected
    assert str(parse_number(text)) == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "R2613-0007",  # month 13
        "R2600-0007",  # month 0
        "X2611-0007",  # unknown kind
        "R2611-007",  # too short: parse wants the canonical form
        "R26110007",  # no dash
        "r2611-0007",  # lower case is for normalise_number
        "R2611-0000",  # serials start at 1
        "",
    ],
)
def test_parse_refuses_non_canonical_text(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R2611-0007", "R2611-0007"),
        ("r2611-0007", "R2611-0007"),
        ("r2611-7", "R2611-0007"),  # short serial typed without zeros
        ("R2611-07", "R2611-0007"),
        ("R2611－0007", "R2611-0007"),  # full-width dash
        ("R2611—0007", "R2611-0007"),  # em dash from a Chinese IME
        ("R2611–0007", "R2611-0007"),  # en dash
        ("R2611_0007", "R2611-0007"),
        ("R2611 0007", "R2611-0007"),
        ("R 2611 - 0007", "R2611-0007"),
        ("R26110007", "R2611-0007"),  # no dash at all
        ("Ｒ２６１１－０００７", "R2611-0007"),  # typed entirely in full width
        ("c2601-12", "C2601-0012"),
        ("m2612-12345", "M2612-12345"),
        ("我的单号是R2611-0007，到哪一步了", "R2611-0007"),
        ("单号：r2611-7 师傅几点到", "R2611-0007"),
        ("R2613-0001 不对，是 R2611-0002", "R2611-0002"),  # the first valid one
    ],
)
def test_normalise_loose_input(text, expected):
    assert normalise_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "师傅几点到",
        "R2613-0007",  # month 13
        "R2611-0",  # serials start at 1
        "R26117",  # without a dash the serial needs four digits to be unambiguous
        "X2611-0007",
        "13812345678",  # a phone number is not a ticket number
        "型号KFR2611-0007",  # inside a product model, not a ticket number
    ],
)
def test_normalise_finds_nothing(text):
    assert normalise_number(text) is None
