"""Phone numbers: validation, normalisation and masking for logs."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
# Area codes are 010 and 020-029 (three digits) or 0[3-9]xx (four digits); deciding by
# the prefix, not by greed, keeps "01012345678" from becoming "0101-2345678".
_LANDLINE = re.compile(r"^(0(?:10|2\d)|0[3-9]\d{2})-?(\d{7,8})$")
_SERVICE = re.compile(r"^([48]00)-?(\d{3})-?(\d{4})$")
_STRIP = str.maketrans("", "", " \u3000()（）")
_DASHES = str.maketrans({"－": "-", "—": "-", "–": "-"})
# Full-width digits, as typed on some Chinese keyboards.
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def normalise_phone(text: str) -> str | None:
    """A canonical phone number, or None when `text` is not one."""
    raw = text.translate(_FULLWIDTH).translate(_DASHES).translate(_STRIP)
    if m := _MOBILE.match(raw.replace("-", "")):
        return m.group(1)
    if m := _LANDLINE.match(raw):
        return f"{m.group(1)}-{m.group(2)}"
    if m := _SERVICE.match(raw):
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return None


def mask_phone(phone: str | None) -> str:
    """138****5678: enough for staff to recognise, useless to a log reader."""
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_address(address: str | None) -> str:
    """Keep the district-level start of an address, hide the rest."""
    if not address:
        return ""
    keep = max(2, min(6, len(address) // 3))
    return address[:keep] + "****"
