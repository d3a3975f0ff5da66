"""The three ticket state machines (SPEC section 3).

The expected edges are written out here by hand from the SPEC rather than read from the
module, so a changed edge in the code fails a test.
"""

import itertools

import pytest

from backend.domain import lifecycle
from backend.domain.errors import InvalidTransition
from backend.domain.kinds import TicketKind

REPAIR_EDGES = {
    ("new", "dispatched"),
    ("new", "cancelled"),
    ("dispatched", "on_site"),
    ("dispatched", "cancelled"),
    ("on_site", "resolved"),
    ("on_site", "taken_back"),  # workshop repair
    ("taken_back", "resolved"),
    ("resolved", "closed"),
}
COMPLAINT_EDGES = {
    ("registered", "acknowledged"),
    ("registered", "cancelled"),
    ("acknowledged", "investigating"),
    ("acknowledged", "cancelled"),
    ("investigating", "resolved"),
    ("resolved", "closed"),
}
MAINTENANCE_EDGES = {
    ("new", "dispatched"),
    ("new", "cancelled"),
    ("dispatched", "on_site"),
    ("dispatched", "cancelled"),
    ("on_site", "resolved"),
    ("resolved", "closed"),
}
EDGES = {
    TicketKind.REPAIR: REPAIR_EDGES,
    TicketKind.COMPLAINT: COMPLAINT_EDGES,
    TicketKind.MAINTENANCE: MAINTENANCE_EDGES,
}
STATES = {
    TicketKind.REPAIR: [
        "new",
        "dispatched",
        "on_site",
        "taken_back",
        "resolved",
        "closed",
        "cancelled",
    ],
    TicketKind.COMPLAINT: [
        "registered",
        "acknowledged",
        "investigating",
        "resolved",
        "closed",
        "cancelled",
    ],
    TicketKind.MAINTENANCE: ["new", "dispatched", "on_site", "resolved", "closed", "cancelled"],
}


def _allowed_cases():
    for kind, edges in EDGES.items():
        for current, target in sorted(edges):
            yield pytest.param(kind, current, target, id=f"{kind}:{current}->{target}")


def _refused_cases():
    """Every ordered pair of a kind's states that is not an edge, self-loops included."""
    for kind, states in STATES.items():
        for current, target in itertools.product(states, repeat=2):
            if (current, target) not in EDGES[kind]:
                yield pytest.param(kind, current, target, id=f"{kind}:{current}->{target}")


@pytest.mark.parametrize(("kind", "current", "target"), list(_allowed_cases()))
def test_allowed_transitions(kind, current, target):
    lifecycle.check_transition(kind, current, target)  # does not raise
    assert target in lifecycle.allowed_next(kind, current)


@pytest.mark.parametrize(("kind", "current", "target"), list(_refused_cases()))
def test_refused_transitions(kind, current, target):
    with pytest.raises(InvalidTransition) as refused:
        lifecycle.check_transition(kind, current, target)
    error = refused.value
    assert (error.kind, error.current, error.target) == (kind.value, current, target)
    assert error.code == "invalid_transition"


@pytest.mark.parametrize("kind", list(TicketKind))
def test_the_machines_have_exactly_the_expected_states(kind):
    assert set(lifecycle.MACHINES[kind]) == set(STATES[kind])


def test_the_error_message_names_the_allowed_next_states():
    with pytest.raises(InvalidTransition, match="allowed: dispatched, cancelled"):
        lifecycle.check_transition(TicketKind.REPAIR, "new", "resolved")
    with pytest.raises(InvalidTransition, match=r"none \(final state\)"):
        lifecycle.check_transition(TicketKind.REPAIR, "closed", "new")


def test_an_unknown_state_allows_nothing():
    assert lifecycle.allowed_next(TicketKind.REPAIR, "exploded") == ()
    with pytest.raises(InvalidTransition):
        lifecycle.check_transition(TicketKind.REPAIR, "exploded", "closed")


def test_initial_states():
    assert lifecycle.initial_status(TicketKind.REPAIR) == "new"
    assert lifecycle.initial_status(TicketKind.COMPLAINT) == "registered"
    assert lifecycle.initial_status(TicketKind.MAINTENANCE) == "new"


@pytest.mark.parametrize(
    ("status", "is_open"),
    [
        ("new", True),
        ("on_site", True),
        ("resolved", True),
        ("investigating", True),
        ("closed", False),
        ("cancelled", False),
    ],
)
def test_open_and_final_states(status, is_open):
    assert lifecycle.is_open(status) is is_open


@pytest.mark.parametrize(
    ("kind", "status", "cancellable"),
    [
        # a repair can be cancelled until the technician is on site
        (TicketKind.REPAIR, "new", True),
        (TicketKind.REPAIR, "dispatched", True),
        (TicketKind.REPAIR, "on_site", False),
        (TicketKind.REPAIR, "taken_back", False),
        (TicketKind.REPAIR, "resolved", False),
        (TicketKind.COMPLAINT, "registered", True),
        (TicketKind.COMPLAINT, "acknowledged", True),
        (TicketKind.COMPLAINT, "investigating", False),
        (TicketKind.MAINTENANCE, "dispatched", True),
        (TicketKind.MAINTENANCE, "on_site", False),
    ],
)
def test_can_cancel(kind, status, cancellable):
    assert lifecycle.can_cancel(kind, status) is cancellable
