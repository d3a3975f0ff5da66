"""Logging set-up: personal data (phones, addresses) never reaches a log line in clear.

The handler's filter masks the whole rendered line: the message with its `args`, the
exception text and traceback (a store error's text quotes the statement, and the
database's own detail can quote a value: `Key (phone)=(138…) already exists`), and any
stack info. Bound parameters are hidden at the source too (`hide_parameters=True` on
every engine, backend/store/db.py).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from backend.domain.contact import mask_address, mask_phone

_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[48]00-?\d{3}-?\d{4})(?!\d)")

# A mainland address is one run of Chinese, digits and a few signs ("北京市海淀区中关村
# 大街27号院3号楼502室"). A run is taken for an address when it names two levels
# (省 市 区 路 …) or a numbered building part (27号, 3栋, 502室): ordinary log wording
# has neither, and masking a little too much in a log costs nothing.
_RUN = re.compile(r"[\u4e00-\u9fff0-9A-Za-z#\-－]{4,}")
_LEVELS = re.compile(r"省|市|区|县|镇|乡|村|路|街|道|巷|弄|小区|社区|花园|大厦|公寓")
_NUMBERED = re.compile(r"\d+\s*(?:号|栋|幢|单元|室|楼|弄|层)")


def _address(m: re.Match[str]) -> str:
    run = m.group(0)
    if len(_LEVELS.findall(run)) >= 2 or _NUMBERED.search(run):
        return mask_address(run)
    return run


def mask_text(text: str) -> str:
    return _RUN.sub(_address, _PHONE.sub(lambda m: mask_phone(m.group(0)), text))


class MaskingFilter(logging.Filter):
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info:
            # Rendered and masked here, and the raw exception dropped, so no handler or
            # formatter after us can print its unmasked text.
            record.exc_text = mask_text(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def configure(level: str = "INFO", stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The dispatcher ticks every second; its scheduler's per-run lines would drown the log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
