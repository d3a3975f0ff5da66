"""The values that cross from the services to their callers (chat, hotline, API).

Plain dataclasses on the domain's types, no framework: the dialogue imports them without
importing the store (see the import contracts in pyproject.toml).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from backend.domain.kinds import Channel, RegionClass, Severity, TicketKind


@dataclass
class Registration:
    """What a channel or the API knows when it files a ticket. Only `kind` is required
    for every kind; a repair also needs a description."""

    kind: TicketKind
    channel: Channel = Channel.API
    external_id: str | None = None  # chat id or web session; None for API and hotline
    actor: str = "customer"
    description: str = ""
    phone: str | None = None
    name: str | None = None
    serial_number: str | None = None
    product_model: str | None = None
    address: str | None = None
    region: str | None = None
    region_class: RegionClass | None = None
    abroad: bool | None = None
    visit_time: str | None = None
    requested_date: date | None = None  # maintenance
    severity: Severity | None = None  # complaint
    cause: str | None = None  # complaint
    concerning: str | None = None  # complaint: the ticket number it is about
    parent_id: int | None = None


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    actor_name: str | None = None  # a staff actor's display name (the actor is username)


@dataclass(frozen=True)
class ClockView:
    clock: str
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    breached: bool
    exempt: bool


@dataclass(frozen=True)
class TicketView:
    number: str
    kind: str
    status: str
    category: str | None
    channel: str
    description: str
    product_model: str | None
    serial_number: str | None
    address: str | None
    region: str | None
    region_class: str
    contact_phone: str | None
    visit_time: str | None
    requested_date: date | None
    severity: str | None
    cause: str | None
    responsible_dept: str | None
    outcome: str | None
    technician: str | None
    parent_number: str | None
    registered_at: datetime
    on_site_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    events: tuple[EventView, ...] = field(default_factory=tuple)
    clocks: tuple[ClockView, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class Expedited:
    """An urge recorded on a ticket; `escalated` when it went to the supervisors."""

    view: TicketView
    escalated: bool


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
