"""How long each stored text a customer, an agent or staff can give may be: one table.

Every input is checked against it before it reaches the store, so an over-long value is
a clear answer (a chat reply, a 422) and never a `DataError` halfway through a unit of
work (PostgreSQL enforces VARCHAR sizes, SQLite does not, so nothing else would catch
it on the default store). Each entry names the column it guards;
tests/store/test_fields.py checks the sizes against backend/store/tables.py, so a
migration that changes a column cannot leave this behind. TEXT columns have no size of
their own: their entries are the form's limits (`column` None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backend.domain.errors import ValidationFailed


@dataclass(frozen=True)
class Field:
    size: int
    columns: tuple[str, ...] = ()  # "table.column" it is stored in; () for TEXT


FIELDS: dict[str, Field] = {
    "name": Field(100, ("customers.name",)),
    "phone": Field(32, ("customers.phone", "tickets.contact_phone", "hotline_calls.caller")),
    "serial_number": Field(64, ("tickets.serial_number", "units.serial_number")),
    "product_model": Field(64, ("tickets.product_model", "units.model")),
    "address": Field(300, ("tickets.address", "units.address")),
    "region": Field(64, ("tickets.region", "units.region")),
    "product_name": Field(100, ("units.product_name",)),
    "visit_time": Field(100, ("tickets.visit_time",)),
    "cause": Field(64, ("tickets.cause",)),
    "responsible_dept": Field(64, ("tickets.responsible_dept",)),
    "actor": Field(64, ("ticket_events.actor", "audit_log.actor", "nlu_inbox.labelled_by")),
    "call_id": Field(64, ("messages.call_id",)),
    "agent_id": Field(64, ("hotline_calls.agent_id", "hotline_agents.agent_id")),
    "chat_id": Field(
        128,
        (
            "channel_identities.external_id",
            "messages.external_id",
            "conversations.external_id",
            "attachments.external_id",
            "notifications.chat_id",
            "surveys.chat_id",
        ),
    ),
    "telegram_chat_id": Field(64, ("staff.telegram_chat_id",)),
    "username": Field(64, ("staff.username",)),
    "display_name": Field(100, ("staff.name",)),
    "staff_region": Field(64, ("staff.region",)),
    # TEXT columns: what the desk accepts
    "description": Field(2000),
    "note": Field(2000),
    "outcome": Field(2000),
    "message": Field(4000),  # one chat message or transcript turn
}


def size(name: str) -> int:
    return FIELDS[name].size


def too_long(name: str, value: object) -> bool:
    return isinstance(value, str) and len(value) > FIELDS[name].size


def check(values: Mapping[str, object]) -> None:
    """ValidationFailed naming the first value longer than its field allows."""
    for name, value in values.items():
        if too_long(name, value):
            raise ValidationFailed(f"{name} is longer than {FIELDS[name].size} characters")
