"""Race-free "insert unless present" for both backends."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session):
    """The insert construct with ON CONFLICT support for the session's backend."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


def insert_ignoring_conflict(session: Session, model, values: dict, keys) -> bool:
    """Insert a row unless one with the same unique `keys` exists (a concurrent caller's
    row wins quietly; the caller reads it back). True when this call inserted it."""
    stmt = (
        dialect_insert(session)(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    )
    return session.execute(stmt).rowcount == 1
