"""Ticket use cases on the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from backend.domain.errors import InvalidTransition, NotFound, ValidationFailed
from backend.domain.kinds import Channel, Severity, TicketKind
from backend.services import transitions
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange
from backend.store.tables import Notification, SlaClock, Survey, Ticket, TicketEvent
from tests.store.seed import all_of, count, one_of, seed_units

NUMBER = re.compile(r"^[RCM]2611-\d{4}$")


def repair(**kw) -> Registration:
    base = {"kind": TicketKind.REPAIR, "description": "空调不制冷了", "phone": "13812345678"}
    return Registration(**(base | kw))


async def test_fifty_concurrent_registrations_get_distinct_well_formed_numbers(desk):
    kinds = [TicketKind.REPAIR, TicketKind.COMPLAINT] * 25
    views = await asyncio.gather(
        *(register(desk, repair(kind=k, description=f"故障 {i}")) for i, k in enumerate(kinds))
    )
    numbers = [v.number for v in views]
    assert len(set(numbers)) == 50
    assert all(NUMBER.match(n) for n in numbers)
    repairs = sorted(n for n in numbers if n.startswith("R"))
    assert repairs == [f"R2611-{i:04d}" for i in range(1, 26)]


async def test_serial_restarts_each_month_and_per_kind(desk, clock):
    first = await register(desk, repair())
    await register(desk, repair(kind=TicketKind.COMPLAINT, description="态度差"))
    clock.advance(days=10)  # 2026-12-03
    december = await register(desk, repair())
    assert (first.number, december.number) == ("R2611-0001", "R2612-0001")


async def test_category_comes_from_the_units_dates(desk):
    await seed_units(desk)
    free = await register(desk, repair(serial_number="snfree0001"))
    contract = await register(desk, repair(serial_number="SNCONTRACT02"))
    paid = await register(desk, repair(serial_number="SNPAID000003"))
    unknown = await register(desk, repair(product_model="NOPE-1"))
    assert [free.category, contract.category, paid.category] == ["free", "contract", "paid"]
    assert unknown.category == "paid"
    assert free.region_class == "city" and contract.region_class == "suburb"
    assert free.address == "北京市朝阳区建国路88号"  # taken from the unit sold


async def test_registration_starts_the_region_clock(desk, clock):
    await seed_units(desk)
    clock.advance(hours=5)  # Monday 15:00 local
    view = await register(desk, repair(serial_number="SNCONTRACT02"))  # suburb: 7 wh
    (sla_clock,) = view.clocks
    # 15:00-17:30 is 2.5 h; 4.5 h more from Tuesday 08:30 is 13:00 local = 05:00 UTC.
    assert sla_clock.clock == "on_site"
    assert sla_clock.due_at.isoformat() == "2026-11-24T05:00:00+00:00"


async def test_full_repair_lifecycle_writes_events_clocks_and_survey(desk, clock):
    ids = await seed_units(desk)
    number = (await register(desk, repair(serial_number="SNFREE0001"))).number
    await transitions.assign(desk, number, ids["technician"])
    clock.advance(hours=2)
    await transitions.change_status(desk, number, StatusChange("on_site"))
    clock.advance(hours=1)
    view = await transitions.change_status(desk, number, StatusChange("resolved"))
    assert view.status == "resolved" and view.technician == "刘师傅"
    assert [e.to_status for e in view.events if e.action in ("registered", "status")] == [
        "new",
        "dispatched",
        "on_site",
        "resolved",
    ]
    clocks = {c.clock: c for c in view.clocks}
    assert clocks["on_site"].stopped_at is not None and clocks["fix"].stopped_at is not None
    survey = await one_of(desk.db, select(Survey))
    assert survey.status == "scheduled" and survey.kind == "satisfaction"


async def test_invalid_transition_is_refused_and_writes_nothing(desk):
    number = (await register(desk, repair())).number
    before = (await count(desk.db, TicketEvent), await count(desk.db, Notification))
    with pytest.raises(InvalidTransition) as err:
        await transitions.change_status(desk, number, StatusChange("resolved"))
    assert "dispatched" in str(err.value)
    assert (await count(desk.db, TicketEvent), await count(desk.db, Notification)) == before
    assert await one_of(desk.db, select(Ticket.status)) == "new"


async def test_dispatch_without_technician_rolls_back(desk):
    number = (await register(desk, repair())).number
    with pytest.raises(ValidationFailed):
        await transitions.change_status(desk, number, StatusChange("dispatched"))
    assert await count(desk.db, SlaClock) == 1


async def test_cancel_only_before_on_site(desk):
    ids = await seed_units(desk)
    a = (await register(desk, repair())).number
    assert (await transitions.change_status(desk, a, StatusChange("cancelled"))).status == (
        "cancelled"
    )
    b = (await register(desk, repair())).number
    await transitions.assign(desk, b, ids["technician"])
    await transitions.change_status(desk, b, StatusChange("on_site"))
    with pytest.raises(InvalidTransition):
        await transitions.change_status(desk, b, StatusChange("cancelled"))


async def test_unknown_ticket_number(desk):
    with pytest.raises(NotFound):
        await transitions.change_status(desk, "R2611-9999", StatusChange("dispatched"))
    with pytest.raises(NotFound):
        await transitions.change_status(desk, "不是单号", StatusChange("dispatched"))


async def test_bad_phone_is_refused_before_anything_is_written(desk):
    with pytest.raises(ValidationFailed):
        await register(desk, repair(phone="12345"))
    assert await count(desk.db, Ticket) == 0


async def test_rejected_complaint_opens_a_linked_new_complaint(desk):
    complaint = Registration(
        kind=TicketKind.COMPLAINT, description="师傅态度太差", phone="13812345678"
    )
    number = (await register(desk, complaint)).number
    for status in ("acknowledged", "investigating"):
        await transitions.change_status(desk, number, StatusChange(status))
    await transitions.change_status(
        desk, number, StatusChange("resolved", outcome="已批评教育并道歉", cause="服务态度")
    )
    new_number = await transitions.reject_outcome(desk, number, "道歉不够诚恳")
    old = await one_of(desk.db, select(Ticket).where(Ticket.number == number))
    new = await one_of(desk.db, select(Ticket).where(Ticket.number == new_number))
    assert old.status == "closed"
    assert new.parent_id == old.id and new.status == "registered" and new.kind == "complaint"


async def test_serious_complaint_is_escalated_to_the_supervisor_at_once(desk):
    await seed_units(desk)
    view = await register(
        desk,
        Registration(
            kind=TicketKind.COMPLAINT,
            description="师傅把地板划坏了还不承认",
            phone="13812345678",
            severity=Severity.SERIOUS,
        ),
    )
    rows = await all_of(desk.db, select(Notification))
    assert [(r.audience, r.chat_id, r.kind) for r in rows] == [("staff", "9001", "escalation")]
    assert any(e.action == "escalated" for e in view.events)
    assert {c.clock for c in view.clocks} == {"ack", "close"}


async def test_status_change_queues_a_push_on_the_customers_chat(desk):
    ids = await seed_units(desk)
    number = (await register(desk, repair(channel=Channel.TELEGRAM, external_id="555"))).number
    await transitions.assign(desk, number, ids["technician"])
    (row,) = await all_of(desk.db, select(Notification))
    assert (row.channel, row.chat_id, row.kind) == ("telegram", "555", "status")
    assert number in row.payload["text"] and "刘师傅" in row.payload["text"]


async def test_a_typed_phone_does_not_bind_a_chat_to_its_owner(desk):
    from backend.store.tables import ChannelIdentity

    await seed_units(desk)  # 王女士 owns 13812345678
    await register(desk, repair(channel=Channel.WEB, external_id="stranger"))
    await register(desk, repair(channel=Channel.WEB, external_id="newcomer", phone="13700001111"))
    idents = {i.external_id: i.customer_id for i in await all_of(desk.db, select(ChannelIdentity))}
    tickets = await all_of(desk.db, select(Ticket).order_by(Ticket.id))
    assert idents["stranger"] is None  # the ticket is on file, the chat stays unbound
    assert tickets[0].customer_id is not None and tickets[0].identity_id is not None
    # a new customer is not this chat's either: a later hotline call of that phone
    # would push its notices here (a chat is bound only when it proves it is them)
    assert idents["newcomer"] is None and tickets[1].customer_id is not None
