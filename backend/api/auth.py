"""A fixed bearer token's check (the metrics token); staff authenticate in access.py."""

from __future__ import annotations

import hmac
from collections.abc import Mapping


def bearer_in(headers: Mapping[str, str], expected: str) -> bool:
    header = headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode()
    )
