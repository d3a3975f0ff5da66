"""The outbox and its dispatcher against the fake Bot API, with the real PTB client."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from backend.scheduler.dispatcher import Dispatcher
from backend.services import outbox
from backend.services.desk import Desk
from backend.store.db import Database
from backend.store.tables import ChannelIdentity, Message, Notification
from bot.senders.limits import RateLimiter
from bot.senders.telegram import TelegramSender, make_bot
from tests.fakes.bot_api import Fault
from tests.scheduling.helpers import (
    add_notice,
    add_staff,
    drain_until_done,
    repair,
    resolve,
    rows,
)
from tests.store.seed import all_of, one_of


async def test_status_pushes_arrive_in_order_with_their_message_ids(desk, fake, dispatcher):
    tech = await add_staff(desk, "王师傅", "technician", None)
    ticket = await repair(desk, "501")
    await resolve(desk, ticket.number, tech)
    await dispatcher.drain()

    texts = [s.text for s in fake.messages_to(501)]
    assert len(texts) == 3
    assert "已派工" in texts[0] and "师傅已上门" in texts[1] and "已处理完成" in texts[2]
    sent = await rows(desk)
    assert [r.status for r in sent] == ["sent"] * 3
    assert [r.channel_message_id for r in sent] == [
        str(s.message_id) for s in fake.messages_to(501)
    ]
    await dispatcher.drain()  # nothing is sent twice
    assert len(fake.sent) == 3


async def test_a_failing_notice_holds_back_the_later_ones_of_its_ticket(
    desk, clock, fake, dispatcher
):
    tech = await add_staff(desk, "王师傅", "technician", None)
    ticket = await repair(desk, "502")
    await add_notice(desk, "other-ticket", "503")
    fake.faults.append(Fault(500, chat_id="502", times=2))
    await resolve(desk, ticket.number, tech)

    await dispatcher.drain()
    assert fake.messages_to(502) == []  # the first failed, the others waited behind it
    assert len(fake.messages_to(503)) == 1  # another ticket is not held up
    first, *later = await rows(desk, chat_id="502")
    assert first.attempts == 1 and first.status == "pending" and first.due_at > clock.now()
    assert all(r.attempts == 0 for r in later)

    await drain_until_done(dispatcher, clock)
    texts = [s.text for s in fake.messages_to(502)]
    assert [t.split("：")[1][:3] for t in texts] == ["已派工", "师傅已", "已处理"]


async def test_a_429_storm_is_obeyed_and_loses_nothing(desk, clock, fake, dispatcher):
    for i in range(30):
        await add_notice(desk, f"n{i}", str(600 + i % 6))
    fake.faults.append(Fault(429, retry_after=1, times=25))

    await drain_until_done(dispatcher, clock, step_seconds=1)

    assert Counter(s.text for s in fake.sent) == {f"n{i}": 1 for i in range(30)}
    stored = await rows(desk)
    assert all(r.status == "sent" for r in stored)
    assert all(r.attempts == 0 for r in stored)  # a 429 is not the notice's fault
    send_calls = [c for c in fake.calls if c[0] == "sendMessage"]
    assert len(send_calls) == 30 + 25  # every 429 was retried, nothing more


async def test_telegram_unreachable_for_an_hour_then_back(desk, clock, fake, dispatcher):
    port = fake.port
    await fake.stop()
    for i in range(12):
        await add_notice(desk, f"n{i}", str(700 + i % 4))
    for _ in range(60):  # one simulated hour, a minute at a time
        await dispatcher.drain()
        clock.advance(minutes=1)
    stored = await rows(desk)
    assert all(r.status == "pending" and r.attempts > 1 for r in stored)

    await fake.start(port=port)
    await drain_until_done(dispatcher, clock, step_seconds=60)
    assert Counter(s.text for s in fake.sent) == {f"n{i}": 1 for i in range(12)}


async def test_a_blocked_chat_stops_and_does_not_hold_up_others(desk, clock, fake, dispatcher):
    blocked = await repair(desk, "801")
    tech = await add_staff(desk, "王师傅", "technician", None)
    fake.faults.append(Fault(403, chat_id="801", times=None))
    await resolve(desk, blocked.number, tech)
    for i in range(3):
        await add_notice(desk, f"fine{i}", "802")

    await drain_until_done(dispatcher, clock, step_seconds=1)

    assert [s.text for s in fake.messages_to(802)] == ["fine0", "fine1", "fine2"]
    assert fake.messages_to(801) == []
    calls_to_blocked = [c for c in fake.calls if str(c[1].get("chat_id")) == "801"]
    assert len(calls_to_blocked) == 1  # stopped after the first 403
    assert {r.status for r in await rows(desk, chat_id="801")} == {"blocked"}
    ident = await one_of(
        desk.db, select(ChannelIdentity).where(ChannelIdentity.external_id == "801")
    )
    assert ident.blocked_at is not None


async def test_web_chat_notices_become_transcript_rows_with_buttons(desk, dispatcher):
    await add_notice(desk, "web-1", "sess-1", channel="web", text="请评价")
    (row,) = await rows(desk)
    row_payload = {"text": "请评价", "buttons": [{"title": "很满意", "payload": "sv:1:x"}]}
    await desk.db.write(
        lambda s: s.execute(
            update(Notification).where(Notification.id == row.id).values(payload=row_payload)
        )
    )
    await dispatcher.drain()
    await dispatcher.drain()
    messages = await all_of(desk.db, select(Message))
    assert len(messages) == 1
    (msg,) = messages
    assert (msg.channel, msg.external_id, msg.direction, msg.speaker) == (
        "web",
        "sess-1",
        "out",
        "system",
    )
    assert msg.buttons == [{"title": "很满意", "payload": "sv:1:x"}]
    (row,) = await rows(desk)
    assert row.status == "sent" and row.channel_message_id == f"web:{msg.id}"


async def test_a_web_delivery_whose_claim_was_lost_writes_nothing(desk, clock):
    """The transcript row and the `sent` mark commit together: a holder whose lease ran
    out (and whose row another dispatcher re-claimed) delivers nothing, so the notice
    appears in the web chat exactly once."""
    await add_notice(desk, "web-late", "sess-2", channel="web", text="您的工单已派工")
    lease = timedelta(seconds=60)
    (stale,) = await outbox.claim(desk.db, clock.now(), limit=1, lease=lease)
    later = clock.now() + timedelta(seconds=61)
    (fresh,) = await outbox.claim(desk.db, later, limit=1, lease=lease)
    deliver = outbox.IN_STORE["web"]
    _, ok = await outbox.deliver_in_store(desk.db, deliver, stale, later, outbox.Backoff())
    assert ok is False and await all_of(desk.db, select(Message)) == []
    outcome, ok = await outbox.deliver_in_store(desk.db, deliver, fresh, later, outbox.Backoff())
    (msg,) = await all_of(desk.db, select(Message))
    assert ok and outcome.message_id == f"web:{msg.id}" and msg.text == "您的工单已派工"
    (row,) = await rows(desk)
    assert (row.status, row.channel_message_id) == ("sent", f"web:{msg.id}")


async def test_a_claim_is_exclusive_until_its_lease_runs_out(desk, clock):
    await add_notice(desk, "a", "901")
    lease = timedelta(seconds=60)
    first = await outbox.claim(desk.db, clock.now(), limit=10, lease=lease)
    assert [c.key for c in first] == ["a"]
    assert await outbox.claim(desk.db, clock.now(), limit=10, lease=lease) == []
    later = clock.now() + timedelta(seconds=61)
    (again,) = await outbox.claim(desk.db, later, limit=10, lease=lease)
    assert again.key == "a"
    # The first holder's result no longer counts: the row belongs to the new claim.
    assert not await outbox.record(
        desk.db, first[0], outbox.Delivered("1"), later, outbox.Backoff()
    )
    assert await outbox.record(desk.db, again, outbox.Delivered("2"), later, outbox.Backoff())


async def test_retries_end_in_dead_after_the_last_attempt(desk, clock, fake, telegram):
    dispatcher = Dispatcher(desk, {"telegram": telegram}, backoff=outbox.Backoff(max_attempts=3))
    await add_notice(desk, "doomed", "902")
    fake.faults.append(Fault(502, times=None))
    await drain_until_done(dispatcher, clock, step_seconds=60)
    (row,) = await rows(desk)
    assert (row.status, row.attempts) == ("dead", 3)


async def test_two_dispatchers_with_their_own_engines_never_send_twice(desk, db, fake):
    for i in range(120):
        await add_notice(desk, f"n{i}", str(1000 + i % 40))
    senders, dispatchers, dbs = [], [], []
    for _ in range(2):
        other = Database(db.url)
        sender = TelegramSender(make_bot(fake.token, fake.base_url), RateLimiter(per_chat=0.01))
        await sender.start()
        own_desk = Desk(db=other, clock=desk.clock, calendar=desk.calendar, policy=desk.policy)
        dbs.append(other)
        senders.append(sender)
        dispatchers.append(Dispatcher(own_desk, {"telegram": sender}, max_inflight=16))
    try:
        for _ in range(5):
            await asyncio.gather(*(d.drain() for d in dispatchers))
    finally:
        for sender in senders:
            await sender.stop()
        for other in dbs:
            await other.close()
    assert Counter(s.text for s in fake.sent) == {f"n{i}": 1 for i in range(120)}
    assert all(d.delivered > 0 for d in dispatchers)  # both really took part


async def test_channel_limits_are_honoured(desk, clock, fake):
    fake.enforce_limits = True
    sender = TelegramSender(make_bot(fake.token, fake.base_url))  # Telegram's numbers
    await sender.start()
    try:
        for i in range(70):
            await add_notice(desk, f"n{i}", str(1100 + i % 35))
        await drain_until_done(Dispatcher(desk, {"telegram": sender}), clock, step_seconds=1)
    finally:
        await sender.stop()
    assert len(fake.sent) == 70
    assert fake.rate_violations == 0
