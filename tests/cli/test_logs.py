"""Phones never reach a log line in clear."""

import logging

import pytest

from backend import logs
from backend.domain.contact import normalise_phone


def test_phone_numbers_are_masked_in_log_lines(capsys):
    logs.configure("INFO")
    logging.getLogger("aftercare.test").info(
        "客户 %s 来电，另留 010-12345678，热线 400-800-1234", "13812345678"
    )
    err = capsys.readouterr().err
    assert "13812345678" not in err and "12345678" not in err.replace("****", "")
    assert "138****5678" in err
    assert logs.mask_text("单号 R2611-0007") == "单号 R2611-0007"  # ticket numbers stay


@pytest.mark.parametrize(
    "typed",
    [
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "(010)12345678",
        "（010）1234 5678",
        "021 1234 5678",
        "4008001234",
    ],
)
def test_every_form_of_phone_the_desk_accepts_is_masked(typed):
    assert normalise_phone(typed) is not None  # the chat would take it as a phone
    masked = logs.mask_text(f"客户说：电话{typed}，谢谢")
    assert "****" in masked and typed not in masked
    digits = "".join(c for c in masked if c.isdigit())
    assert len(digits) <= 7, masked  # prefix and last four at most


def test_other_numbers_in_log_lines_stay():
    for line in ["2026-12-02 01:02:37,123", "notice 12345 took 0.0123 s", "1764637357123"]:
        assert logs.mask_text(line) == line
