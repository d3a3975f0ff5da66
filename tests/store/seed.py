"""Small seeding helpers shared by store and API tests."""

from __future__ import annotations

from datetime import date

from backend.store.tables import Customer, Staff, Unit


async def seed_units(desk) -> dict[str, int]:
    """Three units (in warranty, under contract, expired) and a technician + supervisor."""
    now = desk.now()
    async with desk.db.transaction() as s:
        customer = Customer(name="王女士", phone="13812345678", created_at=now)
        s.add(customer)
        await s.flush()
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
        tech = Staff(name="刘师傅", role="technician", phone="13911110001", active=True)
        boss = Staff(name="吴主管", role="supervisor", telegram_chat_id="9001", active=True)
        s.add_all([tech, boss])
        await s.flush()
        return {"customer": customer.id, "technician": tech.id, "supervisor": boss.id}
