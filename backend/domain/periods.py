"""Report periods: a month given as YYYY-MM."""

from __future__ import annotations

import re
from datetime import date

from backend.domain.errors import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> date:
    """The first day of the month `text` names, or ValidationFailed."""
    match = _MONTH.match((text or "").strip())
    if not match:
        raise ValidationFailed("month must be given as YYYY-MM, e.g. 2026-10")
    return date(int(match.group(1)), int(match.group(2)), 1)
