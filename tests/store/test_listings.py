"""The dispatcher's queue (backend/services/listings.queue) on the real store, SQLite and
PostgreSQL: filters, search by number / whole or masked phone / serial, paging order
with yesterday's leftovers first, the breached filter and the clocks' states."""

from __future__ import annotations

from datetime import timedelta

from backend.domain.kinds import RegionClass, TicketKind
from backend.services import listings, transitions
from backend.services.listings import NO_TECHNICIAN, QueueQuery
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange
from tests.store.seed import seed_units


def repair(**kw) -> Registration:
    base = {"kind": TicketKind.REPAIR, "description": "空调不制冷了", "phone": "13812345678"}
    return Registration(**(base | kw))


async def numbers(desk, **query) -> list[str]:
    page = await listings.queue(desk, QueueQuery(**query))
    return [row.view.number for row in page.rows]


async def _mixed(desk) -> dict:
    ids = await seed_units(desk)
    made = {
        "free": (await register(desk, repair(serial_number="SNFREE0001"))).number,
        "contract": (
            await register(desk, repair(serial_number="SNCONTRACT02", phone="13900001111"))
        ).number,
        "paid": (
            await register(
                desk, repair(serial_number="SNPAID000003", phone="010-62345678", name="李先生")
            )
        ).number,
        "complaint": (
            await register(
                desk,
                Registration(
                    kind=TicketKind.COMPLAINT, description="师傅迟到", phone="13700002222"
                ),
            )
        ).number,
        "cancelled": (await register(desk, repair(phone="13600003333"))).number,
    }
    await transitions.assign(desk, made["free"], ids["technician"])
    await transitions.change_status(desk, made["cancelled"], StatusChange("cancelled"))
    return made | {"technician": ids["technician"]}


async def test_filters_by_kind_status_category_region_and_technician(desk):
    made = await _mixed(desk)
    open_ones = {made[k] for k in ("free", "contract", "paid", "complaint")}
    assert set(await numbers(desk)) == open_ones  # open tickets only, by default
    assert await numbers(desk, status="cancelled") == [made["cancelled"]]
    assert await numbers(desk, kind=TicketKind.COMPLAINT) == [made["complaint"]]
    assert set(await numbers(desk, kind=TicketKind.REPAIR)) == open_ones - {made["complaint"]}
    assert await numbers(desk, status="dispatched") == [made["free"]]
    assert await numbers(desk, category="contract") == [made["contract"]]
    assert await numbers(desk, region="河北·张家口") == [made["paid"]]
    assert await numbers(desk, technician_id=made["technician"]) == [made["free"]]
    assert set(await numbers(desk, technician_id=NO_TECHNICIAN)) == open_ones - {made["free"]}
    assert await numbers(desk, kind=TicketKind.REPAIR, category="free", region="北京·朝阳") == [
        made["free"]
    ]
    assert await numbers(desk, kind=TicketKind.MAINTENANCE) == []


async def test_search_by_number_whole_or_masked_phone_and_serial(desk):
    made = await _mixed(desk)
    assert await numbers(desk, search=made["paid"]) == [made["paid"]]
    assert await numbers(desk, search=made["paid"].lower().replace("-", " ")) == [made["paid"]]
    # a phone in any form the chat accepts, masked as the lists show it, or its last digits
    assert await numbers(desk, search="139 0000 1111") == [made["contract"]]
    assert await numbers(desk, search="+86 139-0000-1111") == [made["contract"]]
    assert await numbers(desk, search="139****1111") == [made["contract"]]
    assert await numbers(desk, search="010****5678") == [made["paid"]]
    assert await numbers(desk, search="010-62345678") == [made["paid"]]
    assert await numbers(desk, search="2222") == [made["complaint"]]
    # a serial, whole or in part, regardless of case
    assert await numbers(desk, search="snpaid000003") == [made["paid"]]
    assert await numbers(desk, search="CONTRACT") == [made["contract"]]
    # the list shows the phone masked, never whole
    (row,) = (await listings.queue(desk, QueueQuery(search="139****1111"))).rows
    assert row.masked_phone == "139****1111"
    # no match, and a LIKE wildcard is a character, not a pattern
    assert await numbers(desk, search="SN-NOPE") == []
    assert await numbers(desk, search="%") == []
    assert await numbers(desk, search="_") == []
    # a closed ticket is found when its status is asked for
    assert await numbers(desk, search="13600003333", status="cancelled") == [made["cancelled"]]


async def test_leftovers_first_then_the_nearest_deadline_and_paging_keeps_that_order(desk, clock):
    today = clock.now()
    clock.set(today - timedelta(days=3))  # Friday: a remote repair (24 h, not working)
    old_remote = (
        await register(desk, repair(region_class=RegionClass.REMOTE, phone="13500000001"))
    ).number
    clock.set(today - timedelta(days=3, hours=-1))
    old_city = (await register(desk, repair(phone="13500000002"))).number
    clock.set(today)
    fresh = []
    for i in range(5):
        clock.advance(minutes=10)
        fresh.append((await register(desk, repair(phone=f"1350000001{i}"))).number)
    complaint = (
        await register(
            desk, Registration(kind=TicketKind.COMPLAINT, description="不满意", phone="13500000099")
        )
    ).number
    whole = await listings.queue(desk, QueueQuery(size=100))
    order = [row.view.number for row in whole.rows]
    # registered before today, still open; between them the nearest deadline first
    assert order[:2] == [old_city, old_remote]
    assert [row.leftover for row in whole.rows] == [True, True] + [False] * 6
    # today's: the nearest running deadline first (a city repair's 6 working hours
    # before a complaint's 24 h acknowledgement), then the oldest first
    assert order[2:] == [*fresh, complaint]
    pages = []
    for number in (1, 2, 3):
        page = await listings.queue(desk, QueueQuery(size=3, page=number))
        assert (page.total, page.pages, page.page, page.size) == (8, 3, number, 3)
        pages += [row.view.number for row in page.rows]
    assert pages == order
    beyond = await listings.queue(desk, QueueQuery(size=3, page=99))
    assert beyond.page == 3 and [r.view.number for r in beyond.rows] == order[6:]


async def test_breached_filter_and_the_clocks_states(desk, clock):
    early = (await register(desk, repair(phone="13500000001"))).number  # Mon 10:00, due 16:00
    clock.advance(hours=3)  # 13:00: the early one's warning point is 14:48
    late = (await register(desk, repair(phone="13500000002"))).number
    clock.advance(hours=2)  # 15:00: early is past its warning point, not yet due
    rows = {r.view.number: r for r in (await listings.queue(desk, QueueQuery())).rows}
    assert rows[early].alarm == "warning" and rows[late].alarm is None
    (state,) = rows[early].clocks
    assert state.state == "warning" and state.remaining == timedelta(hours=1)
    assert await numbers(desk, breached=True) == []
    clock.advance(hours=1, minutes=1)  # 16:01: early is overdue (no scan has run)
    rows = {r.view.number: r for r in (await listings.queue(desk, QueueQuery())).rows}
    assert rows[early].alarm == "breached"
    assert rows[early].clocks[0].remaining == -timedelta(minutes=1)
    assert await numbers(desk, breached=True) == [early]
    # a clock that stopped late stays breached (met = stopped in time)
    ids = await seed_units(desk)
    await transitions.assign(desk, early, ids["technician"])
    await transitions.change_status(desk, early, StatusChange("on_site"))
    assert await numbers(desk, breached=True) == [early]
    rows = {r.view.number: r for r in (await listings.queue(desk, QueueQuery())).rows}
    states = {s.view.clock: s.state for s in rows[early].clocks}
    assert states["on_site"] == "breached" and states["fix"] == "running"
    assert rows[early].alarm is None  # no running clock is late: the row is not red
    await transitions.assign(desk, late, ids["technician"])
    await transitions.change_status(desk, late, StatusChange("on_site"))
    rows = {r.view.number: r for r in (await listings.queue(desk, QueueQuery())).rows}
    assert {s.view.clock: s.state for s in rows[late].clocks}["on_site"] == "met"


async def test_the_api_listing_takes_the_same_filters_newest_first_any_status(desk, clock):
    made = await _mixed(desk)

    async def listed(**kw) -> list[str]:
        return [v.number for v in await listings.tickets(desk, **kw)]

    everything = await listed()
    assert made["cancelled"] in everything and len(everything) == 5  # any status
    assert await listed(search="139****1111") == [made["contract"]]
    assert await listed(search="13600003333") == [made["cancelled"]]
    # newest first (registered at the same instant here: the later one first)
    assert await listed(category="paid", kind=TicketKind.REPAIR) == [
        made["cancelled"],
        made["paid"],
    ]
    assert await listed(region="北京·大兴") == [made["contract"]]
    assert await listed(technician_id=made["technician"]) == [made["free"]]
    assert made["free"] not in await listed(technician_id=NO_TECHNICIAN)
    assert await listed(breached=True) == []
    clock.advance(days=2)
    assert set(await listed(breached=True)) == {
        made[k] for k in ("free", "contract", "paid", "complaint")
    }
    # a technician's own only, whatever the filters
    assert await listed(seen_by=made["technician"], search="13812345678") == [made["free"]]
