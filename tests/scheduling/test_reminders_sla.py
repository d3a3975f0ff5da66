"""Contract-expiry and booking reminders, and the SLA watch, with the clock moved by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from backend.domain.kinds import Channel, TicketKind
from backend.services import reminders, sla_watch
from backend.services.customers import identity
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange, change_status
from backend.store.tables import ChannelIdentity, Customer, SlaClock, Unit
from tests.fixtures.db import SHANGHAI
from tests.scheduling.helpers import add_staff, repair, rows
from tests.store.seed import one_of


def test_month_before_clamps_to_the_shorter_month():
    assert reminders.month_before(date(2027, 3, 31)) == date(2027, 2, 28)
    assert reminders.month_before(date(2027, 1, 15)) == date(2026, 12, 15)


async def _contract_unit(desk, end: date) -> None:
    def unit(session) -> None:
        customer = Customer(name="张先生", phone="13900001111", created_at=desk.now())
        session.add(customer)
        session.flush()
        session.add(
            Unit(
                customer_id=customer.id,
                product_name="冰箱",
                model="BCD-256WDPM",
                serial_number="SNC1",
                contract_end=end,
            )
        )
        chat = identity(session, "telegram", "5100", desk.now())
        chat.customer_id, chat.verified_at = customer.id, desk.now()  # their own contact

    await desk.db.write(unit)


async def test_contract_expiry_notice_one_month_before(desk, clock, fake, dispatcher):
    await _contract_unit(desk, date(2026, 12, 24))  # clock: 2026-11-23
    assert await reminders.contract_expiry(desk) == 0
    clock.advance(days=1)
    assert await reminders.contract_expiry(desk) == 1
    clock.advance(days=3)
    assert await reminders.contract_expiry(desk) == 0  # once per contract term
    await dispatcher.drain()
    (notice,) = fake.messages_to("5100")
    assert "2026-12-24" in notice.text and "续约" in notice.text


async def test_no_contract_notice_to_a_chat_bound_without_verification(
    desk, clock, fake, dispatcher
):
    await _contract_unit(desk, date(2026, 12, 24))

    def unverify(session) -> None:  # a binding made by a typed phone, before 0004
        session.execute(update(ChannelIdentity).values(verified_at=None))

    await desk.db.write(unverify)
    clock.advance(days=1)
    assert await reminders.contract_expiry(desk) == 0
    await dispatcher.drain()
    assert fake.messages_to("5100") == []


async def test_booking_reminder_the_day_before_out_of_quiet_hours(desk, clock, fake, dispatcher):
    reg = Registration(
        kind=TicketKind.MAINTENANCE,
        channel=Channel.TELEGRAM,
        external_id="5200",
        requested_date=date(2026, 11, 26),
        phone="13900002222",
    )
    number = (await register(desk, reg)).number
    assert await reminders.booking_day_before(desk) == 0  # Monday: visit on Thursday
    clock.set(datetime(2026, 11, 24, 22, 0, tzinfo=SHANGHAI))  # Tuesday night
    assert await reminders.booking_day_before(desk) == 0
    clock.set(datetime(2026, 11, 25, 0, 30, tzinfo=SHANGHAI))  # Wednesday, quiet hours
    assert await reminders.booking_day_before(desk) == 1
    assert await reminders.booking_day_before(desk) == 0
    await dispatcher.drain()
    assert fake.messages_to("5200") == []  # due at 08:00, not now
    clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI))
    await dispatcher.drain()
    (notice,) = fake.messages_to("5200")
    assert number in notice.text and "明天" in notice.text


async def _clock_of(desk) -> SlaClock:
    return await one_of(desk.db, select(SlaClock))


async def test_sla_warning_breach_and_daily_escalation(desk, clock, fake, dispatcher):
    tech = await add_staff(desk, "王师傅", "technician", "7001")
    await add_staff(desk, "李主管", "supervisor", "7002")
    ticket = await repair(desk, "5300")  # Monday 10:00, city: on site within 6 working h
    await change_status(desk, ticket.number, StatusChange("dispatched", technician_id=tech))
    sla = await _clock_of(desk)

    clock.set(sla.warn_at - timedelta(minutes=1))
    assert await sla_watch.scan(desk) == {"warned": 0, "breached": 0, "escalated": 0}
    clock.set(sla.warn_at)
    assert (await sla_watch.scan(desk))["warned"] == 1
    assert (await sla_watch.scan(desk))["warned"] == 0
    clock.set(sla.due_at)
    assert (await sla_watch.scan(desk))["breached"] == 1
    assert (await _clock_of(desk)).breached_at is not None
    assert (await sla_watch.scan(desk))["escalated"] == 0  # not twice the same day

    # Next working day's start (the deadline is Tuesday afternoon: Wednesday 08:30).
    next_start = desk.calendar.next_working_start(
        datetime.combine(
            sla.due_at.astimezone(SHANGHAI).date() + timedelta(days=1),
            datetime.min.time(),
            SHANGHAI,
        )
    )
    clock.set(next_start - timedelta(minutes=1))
    assert (await sla_watch.scan(desk))["escalated"] == 0
    clock.set(next_start)
    assert (await sla_watch.scan(desk))["escalated"] == 1
    await dispatcher.drain()
    assert "预警" in fake.messages_to("7001")[0].text
    assert [("催办" in s.text) for s in fake.messages_to("7002")] == [True, True]

    # The ticket moves: this clock's escalations stop (the new 4 h fix clock has its own).
    await change_status(desk, ticket.number, StatusChange("on_site"))
    clock.advance(days=1)
    assert (await sla_watch.scan(desk))["escalated"] == 0
    on_site = [r for r in await rows(desk) if r.idempotency_key.startswith(f"sla:{sla.id}:")]
    assert len(on_site) == 3  # warning, breach, one repeat
