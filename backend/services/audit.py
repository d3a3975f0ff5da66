"""The audit log: who did what to whom, and when (append-only; see tables.AuditLog).

Recorded: sign-ins and failed sign-ins, sign-outs, accounts created / changed /
disabled, tokens created and revoked, Telegram binding links made and used, hotline
agents added, units imports, views of a customer's full
record, exports (the report downloads), staff replies and hand-backs, erasures,
retention purges. `record` is
synchronous, on the ORM `Session` of the unit of work whose change it records, so the
entry commits or rolls back with that change. Admins read it (`entries`); the only
deletion is the retention job's, of entries older than the audit retention period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.services.desk import Desk
from backend.store.tables import AuditLog


def record(
    session: Session, *, at: datetime, actor: str, action: str, subject: str, detail: dict
) -> int:
    """Append one entry; `subject` names a record by id, never by personal data."""
    entry = AuditLog(at=at, actor=actor, action=action, subject=subject, detail=detail)
    session.add(entry)
    session.flush()
    return entry.id


async def exported(desk: Desk, *, actor: str, what: str, subject: str, fmt: str) -> None:
    """An export left the desk (a download): who took what, in which format."""

    def unit(session: Session) -> None:
        detail = {"format": fmt}
        record(
            session,
            at=desk.now(),
            actor=actor,
            action=f"export.{what}",
            subject=subject,
            detail=detail,
        )

    await desk.db.write(unit)


def last_at(session: Session, action: str) -> datetime | None:
    """When `action` was last recorded."""
    stmt = select(AuditLog.at).where(AuditLog.action == action)
    return session.execute(stmt.order_by(AuditLog.at.desc()).limit(1)).scalar_one_or_none()


async def entries(
    desk: Desk,
    *,
    action: str | None = None,
    subject: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """The newest entries first, optionally of one action (or `login*`, a prefix), one
    subject, one actor, and at or after `since` / before `until`; `offset` pages on."""
    where = {"action": action, "subject": subject, "actor": actor, "since": since, "until": until}
    return await desk.db.read(_entries, where, limit, offset)


def _entries(session: Session, where: dict, limit: int, offset: int):
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    action = where["action"]
    if action:
        stmt = (
            stmt.where(AuditLog.action.startswith(action[:-1], autoescape=True))
            if action.endswith("*")
            else stmt.where(AuditLog.action == action)
        )
    if where["subject"]:
        stmt = stmt.where(AuditLog.subject == where["subject"])
    if where["actor"]:
        stmt = stmt.where(AuditLog.actor == where["actor"])
    if where["since"] is not None:
        stmt = stmt.where(AuditLog.at >= where["since"])
    if where["until"] is not None:
        stmt = stmt.where(AuditLog.at < where["until"])
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "subject": e.subject,
            "detail": e.detail,
        }
        for e in session.execute(stmt.limit(limit).offset(offset)).scalars()
    ]


def purge_before(session: Session, before: datetime) -> int:
    """Remove entries older than the audit retention period (the retention job's only
    deletion from the log; the application otherwise only appends)."""
    return session.execute(delete(AuditLog).where(AuditLog.at < before)).rowcount
