"""The retention job removes exactly what is past its period, with an injected clock:
transcripts, photos and hotline turns of tickets finished more than the retention period
ago, anonymous chats idle for more than 30 days, and photo files no row refers to."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import select

from backend.scheduler import run_scans
from backend.services import retention
from backend.services.reports import monthly_report
from backend.store.tables import Attachment, AuditLog, Conversation, HotlineCall, Message, Ticket
from tests.fixtures.db import START
from tests.privacy.helpers import close, figures, file_repair_by_chat, files_under, hotline_call
from tests.store.seed import seed_units

JUST = timedelta(seconds=30)


def _state(session):
    chats = {c.external_id for c in session.scalars(select(Conversation))}
    by_ticket = {}
    for m in session.scalars(select(Message).where(Message.ticket_id.is_not(None))):
        by_ticket[m.ticket_id] = by_ticket.get(m.ticket_id, 0) + 1
    messages_of = {}
    for m in session.scalars(select(Message)):
        messages_of[m.external_id] = messages_of.get(m.external_id, 0) + 1
    photos = {a.ticket_id: a.path for a in session.scalars(select(Attachment))}
    tickets = {t.number: (t.id, t.status) for t in session.scalars(select(Ticket))}
    calls = [c.call_key for c in session.scalars(select(HotlineCall))]
    return chats, by_ticket, messages_of, photos, tickets, calls


async def test_purge_removes_exactly_what_is_past_its_period(
    stack_factory, fake_tg, clock, tmp_path
):
    async with stack_factory(fake=fake_tg) as stack:
        desk = stack.desk
        assert desk.retention == timedelta(days=3 * 365)  # the default setting
        tech = (await seed_units(desk))["technician"]
        # At START: a chat repair with a photo and a hotline repair, both closed, and an
        # anonymous chat that only said hello.
        old = await file_repair_by_chat(
            stack.driver("telegram", 801), address="海淀区中关村大街1号", phone="13700000001"
        )
        await close(desk, old, tech)
        call = await hotline_call(desk, "call-old", "13700000002", "洗衣机漏水，请派师傅")
        await close(desk, call.number, tech)
        web1, web2 = stack.driver("web", 1), stack.driver("web", 2)
        await web1.say("你好")
        # A minute later: the same again, and a chat bound to a customer by its phone.
        clock.advance(minutes=1)
        new = await file_repair_by_chat(
            stack.driver("telegram", 802), address="海淀区中关村大街2号", phone="13700000003"
        )
        await close(desk, new, tech)
        await web2.say("你好")
        await stack.driver("telegram", 803).share_phone("+8613812345678")

        chats, by_ticket, _, photos, tickets, _ = await desk.db.read(_state)
        assert {web1.chat, web2.chat, "801", "802", "803"} <= chats
        old_id, new_id, call_id = tickets[old][0], tickets[new][0], tickets[call.number][0]
        assert by_ticket[old_id] and by_ticket[new_id] and by_ticket[call_id]
        assert photos.keys() == {old_id, new_id}

        # 30 days after START (+30 s): only the first anonymous chat is idle long enough.
        young_orphan = tmp_path / "attachments" / "young.jpg"
        young_orphan.write_bytes(b"a download whose row is still to come")
        first = START + timedelta(days=30) + JUST
        os.utime(young_orphan, (first.timestamp() - 3600,) * 2)
        report = await retention.purge(desk, now=first)
        assert (report.conversations, report.tickets, report.orphan_files_removed) == (1, 0, 0)
        chats, by_ticket_after, messages_of, photos_after, _, _ = await desk.db.read(_state)
        assert web1.chat not in chats and web1.chat not in messages_of
        assert {web2.chat, "801", "802", "803"} <= chats and messages_of[web2.chat]
        assert by_ticket_after == by_ticket and photos_after == photos
        assert young_orphan.exists()

        # The retention period after the first closures (+30 s): the first two tickets
        # lose transcript, photo and hotline turns; the third, a minute younger, keeps them.
        before = await monthly_report(desk, "2026-11")
        crashed = tmp_path / "attachments" / "left-by-a-crash.jpg"
        crashed.write_bytes(b"photo of an erased customer")
        report = await retention.purge(desk, now=START + desk.retention + JUST)
        assert (report.tickets, report.attachments, report.files_removed) == (2, 1, 1)
        assert report.orphan_files_removed == 2  # the crash's file and the young one
        chats, by_ticket, _, photos_after, tickets_after, calls = await desk.db.read(_state)
        assert old_id not in by_ticket and call_id not in by_ticket and by_ticket[new_id]
        assert photos_after == {new_id: photos[new_id]}
        kept = tmp_path / "attachments" / photos[new_id].rsplit("/", 1)[-1]
        assert files_under(tmp_path / "attachments") == [kept]  # the old photo is gone
        # The tickets and the call record stay, and so do the month's figures.
        assert tickets_after == tickets and calls == ["call-old"]
        assert figures(await monthly_report(desk, "2026-11")) == figures(before)


async def test_the_scans_purge_once_a_day(desk, clock):
    def runs(session):
        stmt = select(AuditLog).where(AuditLog.action == retention.ACTION)
        return [(e.actor, e.at) for e in session.scalars(stmt)]

    await run_scans(desk)
    assert await desk.db.read(runs) == [(retention.ACTOR, START)]
    clock.advance(hours=23)
    assert await retention.run_daily(desk) is None
    await run_scans(desk)
    assert len(await desk.db.read(runs)) == 1
    clock.advance(hours=1)
    assert await retention.run_daily(desk) is not None
    assert len(await desk.db.read(runs)) == 2
