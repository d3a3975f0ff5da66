"""Service category, fixed at registration from the unit's dates (SPEC section 3)."""

from __future__ import annotations

from datetime import date

from backend.domain.kinds import ServiceCategory


def service_category(
    today: date, warranty_end: date | None, contract_end: date | None
) -> ServiceCategory:
    # Warranty wins over a contract: free work is never billed to a contract.
    if warranty_end is not None and today <= warranty_end:
        return ServiceCategory.FREE
    if contract_end is not None and today <= contract_end:
        return ServiceCategory.CONTRACT
    return ServiceCategory.PAID
