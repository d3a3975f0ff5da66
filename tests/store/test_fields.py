"""The field sizes inputs are checked against (backend/domain/fields.py) are the
columns' own: a migration that changes one cannot leave the checks behind."""

from __future__ import annotations

from sqlalchemy import String, Text

from backend.domain.fields import FIELDS
from backend.store.tables import Base


def test_every_field_size_is_its_columns_size():
    for name, field in FIELDS.items():
        for where in field.columns:
            table, column = where.split(".")
            col = Base.metadata.tables[table].c[column]
            assert isinstance(col.type, String) and not isinstance(col.type, Text), where
            assert col.type.length == field.size, (name, where, col.type.length)


def test_every_customer_facing_column_with_a_size_is_guarded():
    """The text columns a customer, agent or staff member fills are all in the table."""
    guarded = {c for f in FIELDS.values() for c in f.columns}
    filled = {
        "customers.name",
        "customers.phone",
        "tickets.contact_phone",
        "tickets.serial_number",
        "tickets.product_model",
        "tickets.address",
        "tickets.region",
        "tickets.visit_time",
        "tickets.cause",
        "tickets.responsible_dept",
        "ticket_events.actor",
        "messages.call_id",
        "hotline_calls.agent_id",
        "hotline_calls.caller",
        "channel_identities.external_id",
    }
    assert filled <= guarded
