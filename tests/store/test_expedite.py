"""Urging a ticket (the expedite use case), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.domain.errors import Conflict, NotFound
from backend.domain.kinds import TicketKind
from backend.services import transitions
from backend.services.expedite import expedite
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange
from backend.store.tables import Notification, TicketEvent
from tests.store.seed import all_of, seed_units


async def _repair(desk) -> str:
    reg = Registration(kind=TicketKind.REPAIR, description="空调不制冷", phone="13812345678")
    return (await register(desk, reg)).number


async def _escalations(desk) -> list[Notification]:
    return await all_of(desk.db, select(Notification).where(Notification.kind == "escalation"))


async def test_an_early_urge_is_recorded_but_not_escalated(desk):
    await seed_units(desk)
    number = await _repair(desk)
    result = await expedite(desk, number, actor="customer")
    assert result.escalated is False
    (urge,) = [e for e in result.view.events if e.action == "expedite"]
    assert (urge.actor, urge.note) == ("customer", "客户催单")
    assert not any(e.action == "escalated" for e in result.view.events)
    assert await _escalations(desk) == []


async def test_a_late_urge_goes_to_the_supervisor_once_an_hour(desk, clock):
    await seed_units(desk)  # 吴主管 is reachable on Telegram chat 9001
    number = await _repair(desk)
    clock.advance(hours=6)  # Monday 16:00: past the on-site clock's warning point
    first = await expedite(desk, number, actor="staff:张三", note="客户来电催促")
    assert first.escalated is True
    assert [e.actor for e in first.view.events if e.action == "expedite"] == ["staff:张三"]
    (notice,) = await _escalations(desk)
    assert notice.chat_id == "9001" and number in notice.payload["text"]
    assert "客户来电催促" in notice.payload["text"]

    clock.advance(minutes=10)  # the same local hour: recorded, but no second alarm
    again = await expedite(desk, number, actor="customer")
    assert again.escalated is True
    assert len(await _escalations(desk)) == 1
    clock.advance(hours=1)
    await expedite(desk, number, actor="customer")
    assert len(await _escalations(desk)) == 2


async def test_stopped_and_exempt_clocks_do_not_make_an_urge_late(desk, clock):
    ids = await seed_units(desk)
    number = await _repair(desk)
    await transitions.assign(desk, number, ids["technician"])
    # On site, major fault: the on-site clock stops and the new fix clock is exempt.
    await transitions.change_status(desk, number, StatusChange("on_site", major_fault=True))
    clock.advance(days=3)
    assert (await expedite(desk, number, actor="customer")).escalated is False


@pytest.mark.parametrize("final", ["cancelled", "resolved"])
async def test_a_finished_ticket_cannot_be_urged_and_nothing_is_written(desk, final):
    ids = await seed_units(desk)
    number = await _repair(desk)
    if final == "cancelled":
        await transitions.change_status(desk, number, StatusChange("cancelled"))
    else:
        await transitions.assign(desk, number, ids["technician"])
        await transitions.change_status(desk, number, StatusChange("on_site"))
        await transitions.change_status(desk, number, StatusChange("resolved"))
    events = len(await all_of(desk.db, select(TicketEvent)))
    with pytest.raises(Conflict):
        await expedite(desk, number, actor="customer")
    assert len(await all_of(desk.db, select(TicketEvent))) == events


async def test_an_unknown_number_is_not_found(desk):
    with pytest.raises(NotFound):
        await expedite(desk, "R2611-0999", actor="customer")
    with pytest.raises(NotFound):
        await expedite(desk, "not a number", actor="customer")
