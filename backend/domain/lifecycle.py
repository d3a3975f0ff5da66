"""Ticket state machines (SPEC section 3). Plain data plus one checking function."""

from __future__ import annotations

from collections.abc import Mapping

from backend.domain.errors import InvalidTransition
from backend.domain.kinds import TicketKind

# Repair: cancellable from any state before the technician is on site.
REPAIR: Mapping[str, tuple[str, ...]] = {
    "new": ("dispatched", "cancelled"),
    "dispatched": ("on_site", "cancelled"),
    "on_site": ("resolved", "taken_back"),
    "taken_back": ("resolved",),
    "resolved": ("closed",),
    "closed": (),
    "cancelled": (),
}

# Complaint: a customer may withdraw it until investigation starts. A rejected outcome
# closes this one and opens a new linked complaint (see services).
COMPLAINT: Mapping[str, tuple[str, ...]] = {
    "registered": ("acknowledged", "cancelled"),
    "acknowledged": ("investigating", "cancelled"),
    "investigating": ("resolved",),
    "resolved": ("closed",),
    "closed": (),
    "cancelled": (),
}

# Maintenance booking: the same visit steps as a repair, without workshop repair.
MAINTENANCE: Mapping[str, tuple[str, ...]] = {
    "new": ("dispatched", "cancelled"),
    "dispatched": ("on_site", "cancelled"),
    "on_site": ("resolved",),
    "resolved": ("closed",),
    "closed": (),
    "cancelled": (),
}

MACHINES: Mapping[TicketKind, Mapping[str, tuple[str, ...]]] = {
    TicketKind.REPAIR: REPAIR,
    TicketKind.COMPLAINT: COMPLAINT,
    TicketKind.MAINTENANCE: MAINTENANCE,
}

# Every status some kind has (what a status filter may ask for).
STATUSES = frozenset(status for machine in MACHINES.values() for status in machine)

INITIAL = {
    TicketKind.REPAIR: "new",
    TicketKind.COMPLAINT: "registered",
    TicketKind.MAINTENANCE: "new",
}

FINAL = frozenset({"closed", "cancelled"})
# No work left for staff: a resolved ticket waits only for the customer (survey or
# acceptance), so reminders and urges no longer apply to it.
DONE = FINAL | {"resolved"}


def initial_status(kind: TicketKind) -> str:
    return INITIAL[kind]


def allowed_next(kind: TicketKind, current: str) -> tuple[str, ...]:
    return MACHINES[kind].get(current, ())


def check_transition(kind: TicketKind, current: str, target: str) -> None:
    """Raise InvalidTransition unless `current -> target` is an edge of the kind's machine."""
    allowed = allowed_next(kind, current)
    if target not in allowed:
        raise InvalidTransition(kind.value, current, target, allowed)


def is_open(status: str) -> bool:
    return status not in FINAL


def can_cancel(kind: TicketKind, current: str) -> bool:
    return "cancelled" in allowed_next(kind, current)
