"""Report periods: a month given as YYYY-MM."""

from __future__ import annotations

import re
from datetime import date

from backend.domain.errors import ValidationFailed

# ASCII digits only (\d takes any script's).
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
# A report also reads the months around it (the period's end, the trend before it), and
# `date` ends at years 1 and 9999.
YEARS = range(1900, 9999)


def parse_month(text: str) -> date:
    """The first day of the month `text` names, or ValidationFailed."""
    match = _MONTH.match((text or "").strip())
    if not match or int(match.group(1)) not in YEARS:
        raise ValidationFailed(
            f"month must be given as YYYY-MM, e.g. 2026-10 "
            f"({YEARS.start}-01 to {YEARS.stop - 1}-12)"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)
