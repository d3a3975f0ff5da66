"""APScheduler as a trigger only: the durable schedule is data (outbox rows, due times).

No APScheduler job store is used (they must never be shared between processes): the
jobs below are re-created at every start and only wake the dispatcher and the scans,
which read what is due from the database. Any process can therefore pick up after a
crash, and several processes can run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from backend.scheduler.dispatcher import Dispatcher, Sender
from backend.services import outbox, reminders, report_snapshots, retention, sla_watch, surveys
from backend.services.desk import Desk
from backend.services.send_leader import SendLeadership

log = logging.getLogger(__name__)


async def run_scans(desk: Desk) -> None:
    """Every periodic scan once; one failing does not stop the others."""
    for name, scan in (
        ("surveys", surveys.send_due),
        ("survey reminders", surveys.remind_and_expire),
        ("reminders", reminders.scan),
        ("sla", sla_watch.scan),
        ("retention", retention.run_daily),  # at most once a day
        ("report snapshot", report_snapshots.freeze_due),  # once a month
    ):
        try:
            await scan(desk)
        except Exception:
            log.exception("%s scan failed; it runs again next time", name)


class Schedule:
    def __init__(
        self,
        desk: Desk,
        dispatcher: Dispatcher,
        *,
        dispatch_every: float = 1.0,
        scan_every: float = 30.0,
        scans: bool = True,
    ):
        self.desk = desk
        self.dispatcher = dispatcher
        self.dispatch_every = dispatch_every
        self.scan_every = scan_every
        self.scans = scans
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=self.desk.calendar.tz)
        # max_instances=1 + coalesce: a slow drain is never run twice at once in here.
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        scheduler.add_job(self._dispatch, "interval", seconds=self.dispatch_every, **common)
        if self.scans:
            scheduler.add_job(self._scan, "interval", seconds=self.scan_every, **common)
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _tracked(self, coro) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled job failed; it runs again next time")
        finally:
            self._tasks.discard(task)

    async def _dispatch(self) -> None:
        await self._tracked(self.dispatcher.drain())

    async def _scan(self) -> None:
        await self._tracked(run_scans(self.desk))


@contextlib.asynccontextmanager
async def running(desk: Desk, senders: Mapping[str, Sender]) -> AsyncIterator[Schedule]:
    """The dispatcher and the scans, running while the block runs (the composition root
    enters it after the store opens). Knows no web framework: any host can run it."""
    for sender in senders.values():
        await sender.start()
    leadership = SendLeadership(desk.db)  # one sender to Telegram among all processes
    schedule = Schedule(desk, Dispatcher(desk, senders, leadership=leadership))
    schedule.start()
    log.info("scheduler started (channels: %s)", ", ".join(sorted({*senders, *outbox.IN_STORE})))
    try:
        yield schedule
    finally:
        await schedule.stop()
        await leadership.close()
        for sender in senders.values():
            await sender.stop()
