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


# Where staff may (re)assign a technician: a visit not yet made, and a complaint while it
# is handled (the assignee follows it up). Assigning a new ticket also dispatches it.
ASSIGNABLE: Mapping[TicketKind, frozenset[str]] = {
    TicketKind.REPAIR: frozenset({"new", "dispatched"}),
    TicketKind.COMPLAINT: frozenset({"registered", "acknowledged", "investigating"}),
    TicketKind.MAINTENANCE: frozenset({"new", "dispatched"}),
}

# What a move needs besides being an edge of the machine: dispatching needs a technician,
# resolving a complaint needs its outcome (the services refuse the move without it).
TECHNICIAN = "technician"
OUTCOME = "outcome"
MOVE_NEEDS: Mapping[TicketKind, Mapping[str, str]] = {
    TicketKind.REPAIR: {"dispatched": TECHNICIAN},
    TicketKind.COMPLAINT: {"resolved": OUTCOME},
    TicketKind.MAINTENANCE: {"dispatched": TECHNICIAN},
}


def can_assign(kind: TicketKind, current: str) -> bool:
    return current in ASSIGNABLE[kind]


def move_needs(kind: TicketKind, target: str) -> str | None:
    return MOVE_NEEDS[kind].get(target)
