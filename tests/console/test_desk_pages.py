"""The dispatcher's desk as HTML, through the real app (no browser): the queue's GET
form, the ticket page's sections for each role, refusals, and a ticket's hostile text
rendered as text."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.api.keys import DESK
from backend.config import Settings
from backend.domain.kinds import Channel, TicketKind
from backend.services import transitions
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange
from backend.store.tables import Attachment, HotlineCall, Message
from tests.fixtures.db import opened
from tests.fixtures.staff import NAMES, headers, seed_accounts
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

XSS = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'


@pytest.fixture
async def web(db, clock):
    app = create_app(Settings(database_url=db.url), clock=clock)
    async with TestClient(TestServer(app)) as client:
        client.desk = app[DESK]
        client.staff_ids = await seed_accounts(app[DESK].db)
        yield client


async def page(web, path: str, role: str = "dispatcher", status: int = 200) -> str:
    resp = await web.get(path, headers=headers(role), allow_redirects=False)
    text = await resp.text()
    assert resp.status == status, text
    return text


def repair(**kw) -> Registration:
    base = {"kind": TicketKind.REPAIR, "description": "空调不制冷了", "phone": "13812345678"}
    return Registration(**(base | kw))


async def test_the_queue_lists_open_tickets_masked_and_keeps_filters_in_page_links(web):
    for i in range(30):
        await register(web.desk, repair(phone=f"138000000{i:02d}"))
    html = await page(web, "/console/queue?kind=repair&category=paid")
    assert "共 30 张工单，第 1 / 2 页" in html
    assert "13800000001" not in html and "138****0001" in html  # masked in lists
    assert html.count('class="ticket') == 25
    assert 'href="/console/queue?kind=repair&amp;category=paid&amp;page=2"' in html
    second = await page(web, "/console/queue?kind=repair&category=paid&page=2")
    assert second.count('class="ticket') == 5
    assert "报修" in html and "已受理" in html and "上门时限" in html  # labels, not codes
    # a filter it does not know is no filter, not an error
    assert "共 30 张工单" in await page(web, "/console/queue?kind=nope&status=x&technician=-1")


async def test_roles_without_the_desk_are_refused_and_an_unknown_ticket_is_a_page(web):
    number = (await register(web.desk, repair())).number
    for role in ("technician", "agent", "admin"):
        for path in ("/console/queue", f"/console/tickets/{number}"):
            assert "无权访问" in await page(web, path, role, status=403)
    assert "未找到工单" in await page(web, "/console/tickets/R2611-9999", status=404)
    assert "未找到工单" in await page(web, "/console/tickets/nonsense", status=404)


async def test_the_ticket_page_shows_everything_and_only_the_allowed_moves(web, clock):
    ids = await seed_units(web.desk)
    view = await register(
        web.desk,
        repair(
            serial_number="SNFREE0001",
            channel=Channel.WEB,
            external_id="w-abc",
            name="王女士",
            description="空调不制冷，" + XSS,
        ),
    )
    number = view.number
    async with opened(web.desk.db) as s:
        from sqlalchemy import select

        from backend.store.tables import Ticket

        ticket = (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        s.add_all(
            [
                Message(
                    channel="web",
                    external_id="w-abc",
                    direction="in",
                    speaker="customer",
                    text="我家空调坏了 " + XSS,
                    at=clock.now(),
                ),
                Message(
                    channel="hotline",
                    external_id="13812345678",
                    ticket_id=ticket.id,
                    call_id="call-77",
                    direction="out",
                    speaker="agent",
                    text="您好，这里是售后热线",
                    at=clock.now(),
                ),
                HotlineCall(
                    call_key="call-77",
                    caller="13812345678",
                    agent_id="A017",
                    started_at=clock.now(),
                    ticket_id=ticket.id,
                    created_at=clock.now(),
                ),
                Attachment(
                    ticket_id=ticket.id,
                    channel="web",
                    external_id="w-abc",
                    kind="photo",
                    file_ref="f1",
                    path="var/photos/a.jpg",
                    created_at=clock.now(),
                ),
            ]
        )
        await s.flush()
        photo_id = (await s.execute(select(Attachment.id))).scalar_one()
    html = await page(web, f"/console/tickets/{number}")
    assert "<script>document" not in html and 'onerror="alert' not in html
    assert "&lt;script&gt;" in html  # shown as text
    assert "138****5678" in html and "13812345678" not in html
    assert "王女士" in html and "SNFREE0001" in html and "北京·朝阳" in html
    assert "网页聊天" in html and "我家空调坏了" in html
    assert "热线通话，坐席 A017" in html and "您好，这里是售后热线" in html
    assert f'src="/api/tickets/{number}/photos/{photo_id}"' in html
    assert "上门时限" in html and "剩余 6 小时 0 分" in html
    assert "确认派工" in html and "刘师傅" in html
    moves = re.findall(r'name="status" value="(\w+)"', html)
    assert moves == ["cancelled"]  # dispatching is the assign form's
    assert 'id="judge-form"' not in html
    await transitions.assign(web.desk, number, ids["technician"], actor="staff:test-dispatcher")
    await transitions.add_note(web.desk, number, "客户下午在家", actor="staff:test-dispatcher")
    html = await page(web, f"/console/tickets/{number}")
    assert "确认改派" in html and "当前负责" in html
    assert re.findall(r'name="status" value="(\w+)"', html) == ["on_site", "cancelled"]
    assert "备注" in html and "客户下午在家" in html and NAMES["dispatcher"] in html


async def test_a_complaints_judgement_is_for_supervisors_only(web):
    number = (
        await register(
            web.desk,
            Registration(kind=TicketKind.COMPLAINT, description="师傅迟到", phone="13700002222"),
        )
    ).number
    for status in ("acknowledged", "investigating"):
        await transitions.change_status(web.desk, number, StatusChange(status))
    dispatcher = await page(web, f"/console/tickets/{number}")
    assert 'id="judge-form"' not in dispatcher and 'name="outcome"' not in dispatcher
    assert re.findall(r'name="status" value="(\w+)"', dispatcher) == []  # resolving needs it
    supervisor = await page(web, f"/console/tickets/{number}", "supervisor")
    assert 'id="judge-form"' in supervisor and 'name="responsible_dept"' in supervisor
    assert re.findall(r'<option value="(\w+)">已处理完成', supervisor) == ["resolved"]
