"""The dispatcher: claims due outbox rows and pushes them through the channel senders.

It keeps up to `max_inflight` notices in flight and claims more when half of them are
done, so the senders' rate limiters, not our database round trips, set the pace. Each
result is recorded in its own short transaction right after the send returns: the
window in which a crash could make us send a notice twice is one commit long.

Channels are reached through the `Sender` port (backend/services/delivery.py), except the
channels whose delivery is a write to our own store (`outbox.IN_STORE`, the web chat):
those are delivered by a service function inside the recording transaction.

With a `leadership` (services/send_leader.py) the senders' channels are claimed only
while this process is the send leader, so their rate limits hold across processes;
the in-store channels are claimed by every dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

from backend.services import outbox
from backend.services.delivery import Claimed, Delivered, Outcome, RetryLater, Sender
from backend.services.desk import Desk
from backend.services.outbox import Backoff, InStoreDelivery
from backend.services.send_leader import SendLeadership

__all__ = ["Dispatcher", "Sender"]

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        desk: Desk,
        senders: Mapping[str, Sender],
        *,
        lease: timedelta = timedelta(seconds=60),
        max_inflight: int = 64,
        backoff: Backoff | None = None,
        in_store: Mapping[str, InStoreDelivery] = outbox.IN_STORE,
        leadership: SendLeadership | None = None,
    ):
        self.desk = desk
        self.senders = dict(senders)
        self.in_store = dict(in_store)
        self.lease = lease
        self.max_inflight = max_inflight
        self.backoff = backoff or Backoff()
        self.leadership = leadership
        self.delivered = 0  # counters for logs and the benchmark
        self.lost_claims = 0

    async def drain(self) -> int:
        """Send everything due now; return how many rows got a result recorded."""
        inflight: set[asyncio.Task] = set()
        done_count = 0
        try:
            while True:
                room = self.max_inflight - len(inflight)
                if room >= self.max_inflight // 2 or not inflight:
                    batch = await outbox.claim(
                        self.desk.db,
                        self.desk.now(),
                        limit=room,
                        lease=self.lease,
                        skip=await self._not_mine(),
                    )
                    inflight.update(asyncio.create_task(self._deliver(n)) for n in batch)
                    if not inflight:
                        return done_count
                    if len(batch) == room:
                        continue  # the queue is deep: keep claiming while there is room
                done, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    done_count += task.result()
        finally:
            # Cancelled (shutdown): in-flight claims lapse with their lease and are
            # picked up again; nothing else to undo.
            for task in inflight:
                task.cancel()

    async def _not_mine(self) -> tuple[str, ...]:
        """The sender channels another process sends to while it leads. Asked before
        every claim, so a lost lead stops claiming within one batch."""
        # No senders here: never take the lead from a process that has them.
        if not self.senders or self.leadership is None or await self.leadership.may_send():
            return ()
        return tuple(self.senders)

    async def _deliver(self, notice: Claimed) -> int:
        if deliver := self.in_store.get(notice.channel):
            # Shielded like _record: a shutdown lets a delivery already under way commit
            # (delivery and record are one transaction, so it is both or neither).
            outcome, ok = await asyncio.shield(
                outbox.deliver_in_store(
                    self.desk.db, deliver, notice, self.desk.now(), self.backoff
                )
            )
            return self._count(notice, outcome, ok)
        sender = self.senders.get(notice.channel)
        if sender is None:
            outcome: Outcome = RetryLater(f"no sender for channel {notice.channel}")
            return await self._record(notice, outcome)
        try:
            outcome = await sender.send(notice)
        except Exception as exc:  # a sender bug must not kill the dispatcher loop
            log.exception("sender %s failed on notice %s", notice.channel, notice.id)
            outcome = RetryLater(f"{type(exc).__name__}: {exc}")
        return await self._record(notice, outcome)

    async def _record(self, notice: Claimed, outcome: Outcome) -> int:
        # Shielded: a shutdown arriving mid-commit must not lose a delivered message id.
        ok = await asyncio.shield(
            outbox.record(self.desk.db, notice, outcome, self.desk.now(), self.backoff)
        )
        return self._count(notice, outcome, ok)

    def _count(self, notice: Claimed, outcome: Outcome, ok: bool) -> int:
        if not ok:
            self.lost_claims += 1
            log.warning("notice %s: claim lost before its result was recorded", notice.id)
            return 0
        if isinstance(outcome, Delivered):
            self.delivered += 1
        elif not isinstance(outcome, RetryLater) or outcome.counts:
            log.info("notice %s (%s): %s", notice.id, notice.kind, type(outcome).__name__)
        return 1
