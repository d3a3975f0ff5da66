"""Handing out ticket numbers atomically on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from backend.domain.kinds import TicketKind
from backend.domain.numbering import format_number, period_of
from backend.store.tables import TicketCounter
from backend.store.upsert import dialect_insert


def next_number(session: Session, kind: TicketKind, day: date) -> str:
    """Bump the month's counter with one upsert; the row lock orders concurrent callers.

    The counter lives in the caller's transaction, so a rolled-back registration gives its
    serial back instead of leaving a gap.
    """
    insert = dialect_insert(session)
    period = period_of(day)
    stmt = insert(TicketCounter).values(kind=kind.value, period=period, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TicketCounter.kind, TicketCounter.period],
        set_={"last": TicketCounter.last + 1},
    ).returning(TicketCounter.last)
    serial = session.execute(stmt).scalar_one()
    return format_number(kind, day, serial)
