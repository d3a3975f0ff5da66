"""The misunderstood-message inbox: what the NLU missed, for supervisors to label.

Kept: every customer message that fell back (chat and hotline), and every hotline turn
whose intent the agent read differently (the agent's ticket kind contradicts the NLU's
service intent). Each is stored with phones and addresses masked by the one masking
rule of the logs (backend.logs.mask_text), bound to no chat or customer (so erasure
has nothing to find here), with the NLU's top intents, the channel and the times; the
same masked text again only counts up (one row per text, `count`).

Supervisors see the open items grouped by the likely intent (the NLU's best guess that
is not a fallback, or the agent's reading) and give each its intent. `aftercare nlu
train` takes the labelled items in as training data (`labelled_examples`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.domain import fields
from backend.domain.errors import NotFound, ValidationFailed
from backend.logs import mask_text
from backend.services.chat_api import Miss
from backend.services.desk import Desk
from backend.store.tables import NluInboxItem
from backend.store.upsert import dialect_insert
from nlu.client import FALLBACK_INTENT
from nlu.trainingdata import known_intents

TOP = 3  # intents kept of the NLU's ranking
MAX_ITEMS = 500


@dataclass(frozen=True)
class InboxItem:
    id: int
    text: str
    reason: str
    channel: str
    likely_intent: str | None
    confidence: float
    top_intents: list[tuple[str, float]]
    model: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    label: str | None
    labelled_by: str | None
    labelled_at: datetime | None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "reason": self.reason,
            "channel": self.channel,
            "likely_intent": self.likely_intent,
            "confidence": round(self.confidence, 4),
            "top_intents": [{"intent": i, "confidence": round(c, 4)} for i, c in self.top_intents],
            "model": self.model,
            "count": self.count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "label": self.label,
            "labelled_by": self.labelled_by,
            "labelled_at": self.labelled_at.isoformat() if self.labelled_at else None,
        }


def text_key(masked: str) -> str:
    # Whitespace and case do not make another message.
    return hashlib.sha256(" ".join(masked.lower().split()).encode()).hexdigest()


def keep(session: Session, miss: Miss, channel: str, now: datetime) -> None:
    """Put one missed message in the inbox (part of the caller's unit of work)."""
    masked = mask_text(miss.text.strip())
    if not masked:
        return
    top = [(i, float(c)) for i, c in miss.ranking if i != FALLBACK_INTENT][:TOP]
    likely = miss.suggested or (top[0][0] if top else None)
    values = {
        "text_key": text_key(masked),
        "text": masked,
        "reason": miss.reason,
        "channel": channel,
        "likely_intent": likely,
        "confidence": top[0][1] if top else 0.0,
        "top_intents": [list(t) for t in top],
        "model": miss.model,
        "count": 1,
        "first_seen": now,
        "last_seen": now,
    }
    insert = dialect_insert(session)(NluInboxItem).values(**values)
    table = NluInboxItem.__table__.c
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.text_key],
            set_={
                "count": table.count + 1,
                "last_seen": now,
                "channel": channel,
                # A correction by staff outranks the NLU's own guess.
                "reason": "corrected" if miss.reason == "corrected" else table.reason,
                "likely_intent": likely if miss.reason == "corrected" else table.likely_intent,
            },
        )
    )


def keep_all(session: Session, misses: Iterable[Miss], channel: str, now: datetime) -> None:
    for miss in misses:
        keep(session, miss, channel, now)


async def items(desk: Desk, *, labelled: bool = False, limit: int = MAX_ITEMS) -> list[InboxItem]:
    return await desk.db.read(partial(_items, labelled=labelled, limit=limit))


def grouped(found: list[InboxItem]) -> list[dict]:
    """By likely intent, the biggest group first; in a group, the most frequent first."""
    groups: dict[str | None, list[InboxItem]] = {}
    for item in found:
        groups.setdefault(item.likely_intent, []).append(item)
    ordered = sorted(groups.items(), key=lambda g: (-sum(i.count for i in g[1]), g[0] or "~"))
    return [
        {
            "likely_intent": intent,
            "messages": sum(i.count for i in group),
            "items": [i.as_json() for i in sorted(group, key=lambda i: (-i.count, i.id))],
        }
        for intent, group in ordered
    ]


async def label(desk: Desk, item_id: int, intent: object, actor: str) -> InboxItem:
    """Give one item its intent (again: the latest label wins). 422 for an intent the
    model does not know, 404 for an unknown item."""
    if not isinstance(intent, str) or intent not in known_intents():
        raise ValidationFailed("intent must be one of: " + ", ".join(sorted(known_intents())))
    fields.check({"actor": actor})
    return await desk.db.write(_label, item_id, intent, actor, desk.now())


def labelled_examples(session: Session) -> list[InboxItem]:
    """Every labelled item, oldest first: the training examples they become."""
    stmt = select(NluInboxItem).where(NluInboxItem.label.is_not(None)).order_by(NluInboxItem.id)
    return [_item(r) for r in session.execute(stmt).scalars()]


def open_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(NluInboxItem.label.is_(None))) or 0


def _items(session: Session, *, labelled: bool, limit: int) -> list[InboxItem]:
    done = NluInboxItem.label.is_not(None)
    stmt = (
        select(NluInboxItem)
        .where(done if labelled else ~done)
        .order_by(NluInboxItem.count.desc(), NluInboxItem.id)
        .limit(limit)
    )
    return [_item(r) for r in session.execute(stmt).scalars()]


def _label(session: Session, item_id: int, intent: str, actor: str, now: datetime) -> InboxItem:
    row = session.get(NluInboxItem, item_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no inbox item {item_id}")
    row.label, row.labelled_by, row.labelled_at = intent, actor, now
    session.flush()
    return _item(row)


def _item(r: NluInboxItem) -> InboxItem:
    return InboxItem(
        r.id,
        r.text,
        r.reason,
        r.channel,
        r.likely_intent,
        r.confidence,
        [(str(i), float(c)) for i, c in r.top_intents or ()],
        r.model,
        r.count,
        r.first_seen,
        r.last_seen,
        r.label,
        r.labelled_by,
        r.labelled_at,
    )
