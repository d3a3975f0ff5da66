"""`aftercare demo seed`: a small, realistic data set to try the desk with."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.services.accounts import hash_password
from backend.services.desk import Desk
from backend.store.tables import Customer, HotlineAgent, Staff, Unit

# name, phone, product, model, serial, bought (days ago), warranty years, contract days left,
# address, region, region class
_UNITS = [
    (
        "王女士",
        "13812345678",
        "变频空调",
        "KFR-35GW/BpR3",
        "SN20250612KFR35A0001",
        160,
        3,
        None,
        "北京市朝阳区建国路88号院3号楼1单元502",
        "北京·朝阳",
        "city",
    ),
    (
        "李先生",
        "13987654321",
        "对开门冰箱",
        "BCD-256WDPM",
        "SN20210308BCD2560042",
        1720,
        3,
        200,
        "北京市海淀区中关村大街27号",
        "北京·海淀",
        "city",
    ),
    (
        "张阿姨",
        "15011112222",
        "滚筒洗衣机",
        "XQG100-B14",
        "SN20190915XQG1000777",
        2600,
        3,
        None,
        "北京市大兴区黄村镇兴华大街12号",
        "北京·大兴",
        "suburb",
    ),
    (
        "赵工",
        "18600001111",
        "中央空调",
        "MDV-H180W",
        "SN20240101MDV1800005",
        690,
        1,
        120,
        "河北省张家口市崇礼区太子城",
        "河北·张家口",
        "remote",
    ),
    (
        "陈女士",
        "13700002222",
        "燃气热水器",
        "JSQ30-16A",
        "SN20260105JSQ3016099",
        320,
        2,
        None,
        "北京市丰台区丽泽路20号",
        "北京·丰台",
        "city",
    ),
]

# username, display name, role, region, phone; each signs in with demo_password(username)
# (the README lists them). The hotline account posts calls for the agents DEMO_AGENTS.
_STAFF = [
    ("liu", "刘师傅", "technician", "北京·朝阳", "13911110001"),
    ("sun", "孙师傅", "technician", "北京·海淀", "13911110002"),
    ("zhou", "周师傅", "technician", "北京·大兴", "13911110003"),
    ("wu", "吴主管", "supervisor", "北京", "13911110009"),
    ("zheng", "郑调度", "dispatcher", "北京", "13911110010"),
    ("chen", "陈客服", "agent", "北京", None),
    ("sysadmin", "系统管理员", "admin", None, None),
    ("hotline", "400 热线网关", "hotline", None, None),
]
DEMO_AGENTS = ("A01", "A02", "chen")


def demo_password(username: str) -> str:
    return f"demo-{username}-2026"


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


async def seed(desk: Desk) -> dict[str, int]:
    """Insert what is missing; running it twice changes nothing."""
    hashes = {username: hash_password(demo_password(username)) for username, *_ in _STAFF}
    return await desk.db.write(_seed, desk, hashes)


def _seed(session: Session, desk: Desk, hashes: dict[str, str]) -> dict[str, int]:
    today, now = desk.today(), desk.now()
    added = {"customers": 0, "units": 0, "staff": 0}
    for name, phone, product, model, serial, ago, years, contract, addr, region, cls in _UNITS:
        customer = session.execute(
            select(Customer).where(Customer.phone == phone)
        ).scalar_one_or_none()
        if customer is None:
            customer = Customer(name=name, phone=phone, created_at=now)
            session.add(customer)
            session.flush()
            added["customers"] += 1
        if session.execute(select(Unit.id).where(Unit.serial_number == serial)).first():
            continue
        bought = today - timedelta(days=ago)
        session.add(
            Unit(
                customer_id=customer.id,
                product_name=product,
                model=model,
                serial_number=serial,
                purchase_date=bought,
                warranty_end=_years_after(bought, years),
                contract_end=today + timedelta(days=contract) if contract else None,
                address=addr,
                region=region,
                region_class=cls,
                abroad=False,
            )
        )
        added["units"] += 1
    for username, name, role, region, phone in _STAFF:
        # by username; a row seeded before accounts existed is found by its name
        staff = session.execute(
            select(Staff).where((Staff.username == username) | (Staff.name == name))
        ).scalar_one_or_none()
        if staff is None:
            staff = Staff(username=username, name=name, role=role, region=region, phone=phone)
            staff.active = True
            session.add(staff)
            added["staff"] += 1
        staff.username = username
        if staff.password_hash is None:
            staff.password_hash = hashes[username]
        session.flush()
        if role == "hotline":
            known = set(
                session.execute(
                    select(HotlineAgent.agent_id).where(HotlineAgent.staff_id == staff.id)
                ).scalars()
            )
            for agent in DEMO_AGENTS:
                if agent not in known:
                    session.add(HotlineAgent(staff_id=staff.id, agent_id=agent))
    return added
