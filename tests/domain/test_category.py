"""Service category at registration: free, contract or paid (SPEC section 3)."""

from datetime import date

import pytest

from backend.domain.category import service_category
from backend.domain.kinds import ServiceCategory

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("warranty_end", "contract_end", "expected"),
    [
        (date(2027, 5, 1), None, ServiceCategory.FREE),
        (date(2026, 11, 23), None, ServiceCategory.FREE),  # the last warranty day is free
        (date(2026, 11, 22), None, ServiceCategory.PAID),  # the day after it is not
        (None, date(2026, 11, 23), ServiceCategory.CONTRACT),  # last contract day
        (None, date(2026, 11, 22), ServiceCategory.PAID),
        (date(2025, 1, 1), date(2027, 1, 1), ServiceCategory.CONTRACT),
        (date(2026, 11, 22), date(2026, 11, 23), ServiceCategory.CONTRACT),
        # in warranty and under contract: warranty wins, the contract is not billed
        (date(2027, 1, 1), date(2027, 1, 1), ServiceCategory.FREE),
        (date(2025, 1, 1), date(2025, 6, 1), ServiceCategory.PAID),
        (None, None, ServiceCategory.PAID),  # unknown unit: told it is paid
    ],
)
def test_service_category(warranty_end, contract_end, expected):
    assert service_category(TODAY, warranty_end, contract_end) is expected


def test_category_values_are_the_stored_names():
    assert [c.value for c in ServiceCategory] == ["free", "contract", "paid"]
