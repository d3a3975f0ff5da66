"""Making a customer's data through the real channels and use cases, and looking for it
in every column of every table."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from backend.domain.kinds import Channel, Severity, TicketKind
from backend.domain.transcript import AGENT, CUSTOMER, Turn
from backend.services.hotline import CallRecord, import_call
from backend.services.registration import Registration, register
from backend.services.transitions import StatusChange, add_note, change_status
from backend.store.tables import Base
from tests.bot.harness import Driver, joined


async def file_repair_by_chat(d: Driver, *, address: str, phone: str, photo: bool = True) -> str:
    """The button fallback (NLU down) from greeting to ticket number, with a photo."""
    await d.say("你好")
    r = await d.tap("我要报修")
    assert "描述一下故障" in joined(r)
    await d.say("空调不制冷")
    if photo:
        r = await d.send_photo(b"\x89PNG " + phone.encode())
        assert "照片已收到" in joined(r)
    await d.say("KFR-35GW")
    r = await d.say(address)
    r = await d.say(phone)
    assert "什么时间上门" in joined(r), joined(r)
    r = await d.say("明天上午")
    r = await d.say("确认")
    text = joined(r)
    assert "单号：" in text, text
    return text.split("单号：", 1)[1][:10]


async def close(desk, number: str, technician_id: int) -> None:
    for change in (
        StatusChange("dispatched", technician_id=technician_id),
        StatusChange("on_site"),
        StatusChange("resolved"),
        StatusChange("closed"),
    ):
        await change_status(desk, number, change)


async def hotline_call(desk, call_id: str, caller: str, said: str):
    start = desk.now() - timedelta(minutes=5)
    call = CallRecord(
        call_id=call_id,
        caller=caller,
        agent_id="a-07",
        started_at=start,
        ended_at=desk.now(),
        turns=[Turn(AGENT, "您好，这里是售后服务热线"), Turn(CUSTOMER, said)],
        kind=TicketKind.REPAIR,
    )
    return await import_call(desk, call, [None])


async def api_complaint(desk, *, phone: str, name: str, address: str, note: str) -> str:
    view = await register(
        desk,
        Registration(
            kind=TicketKind.COMPLAINT,
            channel=Channel.API,
            actor="staff:test",
            description=f"师傅态度很差，请回电 {phone}",
            phone=phone,
            name=name,
            address=address,
            severity=Severity.SERIOUS,
        ),
    )
    await add_note(desk, view.number, note)
    return view.number


async def dump(db) -> str:
    """Every value of every column of every table, as one text."""

    def values(session) -> list[str]:
        out = []
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    if isinstance(value, dict | list):
                        out.append(json.dumps(value, ensure_ascii=False))
                    else:
                        out.append(str(value))
        return out

    return "\n".join(await db.read(values))


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def figures(report: dict) -> dict:
    """A report without the moment it was made: what must not change."""
    return {k: v for k, v in report.items() if k != "generated_at"}
