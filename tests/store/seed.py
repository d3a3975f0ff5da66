"""Small seeding helpers shared by store and API tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from backend.store.tables import Customer, Staff, Unit


async def count(db, model) -> int:
    return await db.read(lambda s: s.execute(select(func.count()).select_from(model)).scalar_one())


async def all_of(db, stmt) -> list:
    """The ORM rows of `stmt`, read in one read-only unit (detached, columns loaded)."""
    return await db.read(lambda s: s.execute(stmt).scalars().all())


async def one_of(db, stmt):
    return await db.read(lambda s: s.execute(stmt).scalar_one())


async def seed_units(desk) -> dict[str, int]:
    """Three units (in warranty, under contract, expired) and a technician + supervisor."""
    return await desk.db.write(_seed_units, desk.now())


def _seed_units(s, now) -> dict[str, int]:
    customer = Customer(name="王女士", phone="13812345678", created_at=now)
    s.add(customer)
    s.flush()
    units = [
        Unit(
            customer_id=customer.id,
            product_name="空调",
            model="KFR-35GW/BpR3",
            serial_number="SNFREE0001",
            purchase_date=date(2025, 6, 1),
            warranty_end=date(2028, 6, 1),
            address="北京市朝阳区建国路88号",
            region="北京·朝阳",
            region_class="city",
        ),
        Unit(
            customer_id=None,
            product_name="冰箱",
            model="BCD-256WDPM",
            serial_number="SNCONTRACT02",
            purchase_date=date(2020, 1, 1),
            warranty_end=date(2023, 1, 1),
            contract_end=date(2027, 1, 1),
            region="北京·大兴",
            region_class="suburb",
        ),
        Unit(
            customer_id=None,
            product_name="洗衣机",
            model="XQG100",
            serial_number="SNPAID000003",
            purchase_date=date(2018, 1, 1),
            warranty_end=date(2021, 1, 1),
            region="河北·张家口",
            region_class="remote",
        ),
    ]
    s.add_all(units)
    tech = Staff(username="liu", name="刘师傅", role="technician", phone="13911110001", active=True)
    boss = Staff(
        username="wu", name="吴主管", role="supervisor", telegram_chat_id="9001", active=True
    )
    s.add_all([tech, boss])
    s.flush()
    return {"customer": customer.id, "technician": tech.id, "supervisor": boss.id}
