"""Phones never reach a log line in clear."""

import logging

from backend import logs


def test_phone_numbers_are_masked_in_log_lines(capsys):
    logs.configure("INFO")
    logging.getLogger("aftercare.test").info(
        "客户 %s 来电，另留 010-12345678，热线 400-800-1234", "13812345678"
    )
    err = capsys.readouterr().err
    assert "13812345678" not in err and "12345678" not in err.replace("****", "")
    assert "138****5678" in err
    assert logs.mask_text("单号 R2611-0007") == "单号 R2611-0007"  # ticket numbers stay
