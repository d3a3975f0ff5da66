"""A dispatcher process for the crash test, run as a real subprocess:

    python -m tests.scheduling.dispatch_proc DB_URL BOT_API_BASE_URL TOKEN NOW_ISO

It runs the real scheduler (APScheduler triggering the dispatcher every second) with a
clock frozen at NOW, against the fake Bot API the test process serves, until killed,
with Telegram's real limits and the cross-process send leadership the app uses.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime, timedelta

from backend.domain.calendar import WorkingCalendar
from backend.domain.clock import FrozenClock
from backend.domain.sla import SlaPolicy
from backend.scheduler import Schedule
from backend.scheduler.dispatcher import Dispatcher
from backend.services.desk import Desk
from backend.services.send_leader import SendLeadership
from backend.store.db import Database
from bot.senders.telegram import TelegramSender, make_bot

LEASE = timedelta(seconds=60)


async def main(url: str, base_url: str, token: str, now: str) -> None:
    db = Database(url)
    desk = Desk(db, FrozenClock(datetime.fromisoformat(now)), WorkingCalendar.load(), SlaPolicy())
    sender = TelegramSender(make_bot(token, base_url))
    await sender.start()
    dispatcher = Dispatcher(desk, {"telegram": sender}, lease=LEASE, leadership=SendLeadership(db))
    schedule = Schedule(desk, dispatcher, scans=False)
    schedule.start()
    print("ready", flush=True)
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(*sys.argv[1:5]))
