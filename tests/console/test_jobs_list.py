"""The technician's jobs (services/jobs.py) on SQLite and PostgreSQL: only their own open
visits; today's (visit date today or past, or none) before the next ones, each part by
visit date then SLA deadline; the moves a technician may make from each status; the SLA
state at its warning and breach points."""

from __future__ import annotations

from datetime import timedelta

from backend.domain.kinds import TicketKind
from backend.services import jobs, transitions
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange
from tests.store.seed import seed_units


async def _visit(desk, technician: int | None, days: int | None, kind=TicketKind.REPAIR) -> str:
    when = None if days is None else desk.today() + timedelta(days=days)
    reg = Registration(kind=kind, description="不制冷", phone="13812345678", requested_date=when)
    number = (await register(desk, reg)).number
    if technician is not None:
        await transitions.assign(desk, number, technician, actor="staff:test")
    return number


async def test_my_jobs_today_then_next(desk):
    ids = await seed_units(desk)
    tech = ids["technician"]
    later = await _visit(desk, tech, 2)
    today = await _visit(desk, tech, 0)
    undated = await _visit(desk, tech, None)
    overdue = await _visit(desk, tech, -1)
    done = await _visit(desk, tech, 0)
    await transitions.change_status(desk, done, StatusChange("on_site", actor="staff:t"))
    await transitions.change_status(desk, done, StatusChange("resolved", actor="staff:t"))
    await _visit(desk, ids["supervisor"], 0)  # someone else's
    await _visit(desk, None, 0)  # nobody's yet
    on_site = await _visit(desk, tech, 1)
    await transitions.change_status(desk, on_site, StatusChange("on_site", actor="staff:t"))

    mine = await jobs.jobs_of(desk, tech)
    assert [j.ticket.number for j in mine.today] == [overdue, today, undated]
    assert [j.ticket.number for j in mine.next] == [on_site, later]
    moves = {j.ticket.number: j.moves for j in mine.today + mine.next}
    assert moves[today] == ("on_site",)
    assert set(moves[on_site]) == {"resolved", "taken_back"}
    assert all(j.sla == "ok" and j.remaining_minutes > 0 for j in mine.today)


async def test_the_sla_state_follows_the_running_clock(desk, clock):
    ids = await seed_units(desk)
    number = await _visit(desk, ids["technician"], 3)
    (job,) = (await jobs.jobs_of(desk, ids["technician"])).next
    assert job.sla == "ok" and job.clock.clock == "on_site"
    clock.advance(seconds=(job.clock.warn_at - clock.now()).total_seconds())
    (job,) = (await jobs.jobs_of(desk, ids["technician"])).next
    assert job.sla == "warn"
    clock.advance(seconds=(job.clock.due_at - clock.now()).total_seconds() + 300)
    mine = await jobs.jobs_of(desk, ids["technician"])
    assert [j.ticket.number for j in mine.today] == [number]  # past its deadline: today's
    assert mine.today[0].sla == "breach" and mine.today[0].remaining_minutes < 0
