"""The ticket page's read model (backend/services/casefile.py) on SQLite and PostgreSQL:
suggested technicians (region first, then open load), the moves each role is offered
(exactly those the lifecycle and the permissions allow), the transcript's threads."""

from __future__ import annotations

import pytest

from backend.domain import lifecycle
from backend.domain.kinds import Channel, TicketKind
from backend.domain.permissions import ROLES, Action, allowed
from backend.services import casefile, transitions
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange
from backend.store.tables import HotlineCall, Message, Staff
from tests.fixtures.db import opened


def repair(**kw) -> Registration:
    base = {"kind": TicketKind.REPAIR, "description": "空调不制冷了", "phone": "13812345678"}
    return Registration(**(base | kw))


async def _technicians(desk) -> dict[str, int]:
    def add(session):
        people = {
            "far": Staff(username="far", name="甲师傅", role="technician", region="河北"),
            "busy": Staff(username="busy", name="乙师傅", role="technician", region="北京"),
            "free": Staff(username="free", name="丙师傅", role="technician", region="北京·朝阳"),
            "gone": Staff(
                username="gone", name="丁师傅", role="technician", region="北京", active=False
            ),
            "boss": Staff(username="boss", name="吴主管", role="supervisor", region="北京"),
        }
        session.add_all(people.values())
        session.flush()
        return {k: s.id for k, s in people.items()}

    return await desk.db.write(add)


async def test_suggestions_are_the_regions_technicians_first_then_the_least_loaded(desk):
    ids = await _technicians(desk)
    for _ in range(2):  # 乙 has two open tickets, 丙 one (and one closed, not counted)
        n = (await register(desk, repair(region="北京·海淀"))).number
        await transitions.assign(desk, n, ids["busy"])
    n = (await register(desk, repair(region="北京·海淀"))).number
    await transitions.assign(desk, n, ids["free"])
    done = (await register(desk, repair(region="北京·海淀"))).number
    await transitions.assign(desk, done, ids["free"])
    await transitions.change_status(desk, done, StatusChange("cancelled"))
    number = (await register(desk, repair(region="北京·朝阳"))).number
    people = await casefile.suggested_technicians(desk, number)
    assert [(p.name, p.same_region, p.open_load) for p in people] == [
        ("丙师傅", True, 1),
        ("乙师傅", True, 2),
        ("甲师傅", False, 0),
    ]  # inactive staff and other roles are not offered
    case = await casefile.casefile(desk, number, "dispatcher")
    assert [s.name for s in case.suggestions] == ["丙师傅", "乙师傅", "甲师傅"]
    assert case.can_assign and case.moves == ("cancelled",)


@pytest.mark.parametrize("kind", list(TicketKind))
def test_each_role_is_offered_only_the_moves_the_server_allows(kind):
    for role in ROLES:
        for status in lifecycle.MACHINES[kind]:
            for has_technician in (False, True):
                moves = casefile.moves_for(role, kind, status, has_technician)
                assert set(moves) <= set(lifecycle.allowed_next(kind, status))
                if not allowed(role, Action.TICKETS_MOVE):
                    assert moves == ()
                if not allowed(role, Action.TICKETS_JUDGE):
                    assert "closed" not in moves
                for target in moves:
                    assert lifecycle.move_needs(kind, target) != lifecycle.OUTCOME
                    if lifecycle.move_needs(kind, target) == lifecycle.TECHNICIAN:
                        assert has_technician
    assert casefile.moves_for("supervisor", TicketKind.REPAIR, "resolved", True) == ("closed",)
    assert casefile.moves_for("dispatcher", TicketKind.REPAIR, "resolved", True) == ()
    complaint = TicketKind.COMPLAINT
    assert casefile.judge_moves_for("supervisor", complaint, "investigating") == ("resolved",)
    assert casefile.judge_moves_for("dispatcher", complaint, "investigating") == ()


async def test_the_transcript_is_the_customers_chat_and_each_call(desk, clock):
    view = await register(
        desk, repair(channel=Channel.WEB, external_id="w-1", description="不制冷")
    )
    other = await register(desk, repair(channel=Channel.WEB, external_id="w-2"))
    async with opened(desk.db) as s:
        from sqlalchemy import select

        from backend.store.tables import Ticket

        tid = (await s.execute(select(Ticket.id).where(Ticket.number == view.number))).scalar_one()
        now = clock.now()
        s.add_all(
            [
                Message(
                    channel="web",
                    external_id="w-1",
                    direction="in",
                    speaker="customer",
                    text="我要报修",
                    at=now,
                ),
                Message(
                    channel="web",
                    external_id="w-1",
                    direction="in",
                    speaker="customer",
                    text="/affirm",
                    at=now,
                ),
                Message(
                    channel="web",
                    external_id="w-2",
                    direction="in",
                    speaker="customer",
                    text="别人的话",
                    at=now,
                ),
                Message(
                    channel="hotline",
                    external_id="13812345678",
                    ticket_id=tid,
                    call_id="c-1",
                    direction="in",
                    speaker="customer",
                    text="第一通",
                    at=now,
                ),
                Message(
                    channel="hotline",
                    external_id="13812345678",
                    ticket_id=tid,
                    call_id="c-2",
                    direction="out",
                    speaker="agent",
                    text="第二通",
                    at=now,
                ),
                HotlineCall(
                    call_key="c-1",
                    caller="13812345678",
                    agent_id="A017",
                    started_at=now,
                    ticket_id=tid,
                    created_at=now,
                ),
            ]
        )
    case = await casefile.casefile(desk, view.number, "dispatcher")
    threads = [(t.title, [line.text for line in t.lines]) for t in case.transcript]
    assert threads == [
        ("网页聊天", ["我要报修", "/affirm"]),
        ("热线通话，坐席 A017", ["第一通"]),
        ("热线通话", ["第二通"]),
    ]
    assert [line.pressed for line in case.transcript[0].lines] == [False, True]
    assert "别人的话" not in str((await casefile.casefile(desk, view.number, "x")).transcript)
    assert other.number != view.number
