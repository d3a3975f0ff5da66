"""The audit log: who did what to whom, and when (append-only; see tables.AuditLog).

Synchronous, on the ORM `Session` of the unit of work whose change it records, so the
entry commits or rolls back with that change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.tables import AuditLog


def record(
    session: Session, *, at: datetime, actor: str, action: str, subject: str, detail: dict
) -> int:
    """Append one entry; `subject` names a record by id, never by personal data."""
    entry = AuditLog(at=at, actor=actor, action=action, subject=subject, detail=detail)
    session.add(entry)
    session.flush()
    return entry.id


def last_at(session: Session, action: str) -> datetime | None:
    """When `action` was last recorded."""
    stmt = select(AuditLog.at).where(AuditLog.action == action)
    return session.execute(stmt.order_by(AuditLog.at.desc()).limit(1)).scalar_one_or_none()
