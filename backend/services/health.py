"""What `/healthz`, `/readyz` and `/metrics` ask the store: one read unit each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backend.services.desk import Desk
from backend.store.db import migration_state
from backend.store.tables import Notification


@dataclass(frozen=True)
class StoreHealth:
    revision: str | None
    head: str | None

    @property
    def migrated(self) -> bool:
        return self.revision is not None and self.revision == self.head


async def alive(desk: Desk) -> None:
    """The store answers (raises otherwise)."""
    await desk.db.read(_ping)


def _ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


async def store_health(desk: Desk) -> StoreHealth:
    """The store answers and reports its schema revision next to the code's head."""
    return StoreHealth(*await desk.db.read(migration_state))


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_seconds: float


async def outbox_backlog(desk: Desk) -> Backlog:
    """Unsent notices and the age of the oldest one that is due (held ones are not late)."""
    return await desk.db.read(_backlog, desk)


def _backlog(session: Session, desk: Desk) -> Backlog:
    now = desk.now()
    unsent = Notification.status.in_(("pending", "sending"))
    pending = session.execute(select(func.count()).where(unsent)).scalar_one()
    oldest = session.execute(
        select(func.min(Notification.due_at)).where(unsent, Notification.due_at <= now)
    ).scalar_one()
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return Backlog(pending, max(0.0, age))
