"""Importing units sold on SQLite and PostgreSQL (backend/services/units_import.py): a bad
file is refused whole with its row numbers and writes nothing; a clean one is imported,
customers found or created by phone; the same file again changes nothing; a changed row
updates its unit. The `aftercare units import` command as a user runs it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from backend.domain.kinds import Channel, TicketKind
from backend.domain.units_file import BadUnitsFile
from backend.services.registration import register
from backend.services.units_import import import_units
from backend.services.values import Registration
from backend.store.tables import Customer, Unit
from tests.cli.test_commands import aftercare
from tests.store.seed import all_of, count, seed_units
from tests.units.csvfiles import GOOD_ROWS, csv_of


async def _units(db) -> dict[str, Unit]:
    return {u.serial_number: u for u in await all_of(db, select(Unit))}


async def test_a_clean_file_is_imported_and_customers_found_or_created(desk):
    seeded = await seed_units(desk)  # 王女士 13812345678 exists already
    report = await import_units(desk, csv_of(*GOOD_ROWS))
    assert report.as_dict() == {
        "rows": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "customers_created": 2,  # 139 8765 4321 and +86 186-0000-1111; 王女士 found
    }
    units = await _units(desk.db)
    first, second, fourth = units["SN-A0001"], units["SN-A0002"], units["SN-A0004"]
    assert first.customer_id == seeded["customer"] == units["SN-A0003"].customer_id
    assert (first.model, first.product_name, first.region_class) == (
        "KFR-35GW/BpR3",
        "变频空调",
        "city",
    )
    assert (first.warranty_end, first.contract_end) == (date(2028, 6, 1), None)
    assert second.contract_end == date(2027, 3, 8)
    assert (fourth.region_class, fourth.abroad, fourth.product_name) == (
        "remote",
        True,
        "中央空调, 商用",
    )
    customers = {c.phone: c for c in await all_of(desk.db, select(Customer))}
    assert customers["13987654321"].name == "李先生" and customers["18600001111"].name == "赵工"
    assert customers["13812345678"].name == "王女士"


async def test_the_same_file_twice_changes_nothing(desk):
    await import_units(desk, csv_of(*GOOD_ROWS))
    before = await _units(desk.db), await count(desk.db, Customer)
    again = await import_units(desk, csv_of(*GOOD_ROWS))
    assert (again.created, again.updated, again.unchanged, again.customers_created) == (0, 0, 4, 0)
    after = await _units(desk.db), await count(desk.db, Customer)
    assert {s: _values(u) for s, u in after[0].items()} == {
        s: _values(u) for s, u in before[0].items()
    }
    assert after[1] == before[1]


def _values(unit: Unit) -> tuple:
    return tuple(
        getattr(unit, c)
        for c in ("id", "customer_id", "model", "product_name", "warranty_end", "contract_end",
                  "address", "region", "region_class", "abroad")
    )  # fmt: skip


async def test_a_changed_row_updates_its_unit_and_a_resold_unit_changes_hands(desk):
    await import_units(desk, csv_of(*GOOD_ROWS))
    old = await _units(desk.db)
    changed = [
        GOOD_ROWS[0].replace(",,13812345678", ",2029-06-01,13812345678"),  # a contract bought
        GOOD_ROWS[1].replace("139 8765 4321,李先生", "13500001111,周女士"),  # sold on
        *GOOD_ROWS[2:],
        "sn-a0005,KFR-26GW,壁挂空调,2026-01-01,2029-01-01,,13500001111,周女士,,,city,false",
    ]
    report = await import_units(desk, csv_of(*changed))
    assert (report.created, report.updated, report.unchanged) == (1, 2, 2)
    assert report.customers_created == 1
    new = await _units(desk.db)
    assert new["SN-A0001"].id == old["SN-A0001"].id  # the same unit, updated in place
    assert new["SN-A0001"].contract_end == date(2029, 6, 1)
    assert new["SN-A0002"].customer_id != old["SN-A0002"].customer_id
    assert new["SN-A0002"].customer_id == new["sn-a0005"].customer_id
    assert await count(desk.db, Unit) == 5


async def test_a_serial_number_is_matched_regardless_of_case(desk):
    await import_units(desk, csv_of(*GOOD_ROWS))
    report = await import_units(desk, csv_of(GOOD_ROWS[0].replace("SN-A0001", "sn-a0001")))
    assert (report.created, report.updated) == (0, 1)  # its spelling follows the file
    assert "sn-a0001" in await _units(desk.db) and await count(desk.db, Unit) == 4


async def test_a_bad_file_is_refused_whole_and_writes_nothing(desk):
    await import_units(desk, csv_of(*GOOD_ROWS[:2]))
    before = await _units(desk.db), await count(desk.db, Customer)
    bad = [
        GOOD_ROWS[0].replace("2028-06-01", "2028-02-30"),  # an update that would go in
        GOOD_ROWS[2],
        "SN-NEW1,KFR,空调,2025-06-01,2028-06-01,,13700001111,新客户,,,city,false",
        GOOD_ROWS[3].replace("remote", "far"),
    ]
    with pytest.raises(BadUnitsFile) as refused:
        await import_units(desk, csv_of(*bad))
    assert [e.line for e in refused.value.errors] == [2, 5]
    after = await _units(desk.db), await count(desk.db, Customer)
    assert {s: _values(u) for s, u in after[0].items()} == {
        s: _values(u) for s, u in before[0].items()
    }
    assert after[1] == before[1]  # no customer created either


async def test_an_imported_unit_decides_the_service_category(desk):
    """What the import is for: a repair of an imported unit under contract is 'contract'."""
    await import_units(desk, csv_of(*GOOD_ROWS))
    reg = Registration(
        kind=TicketKind.REPAIR,
        channel=Channel.API,
        description="冰箱不制冷",
        serial_number="sn-a0002",
        phone="13987654321",
    )
    ticket = await register(desk, reg)
    assert ticket.category == "contract"


async def test_the_cli_imports_and_refuses_with_every_bad_row(desk, tmp_path):
    good, bad = tmp_path / "units.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_of(*GOOD_ROWS))
    bad.write_bytes(csv_of(GOOD_ROWS[0], "SN-X,KFR,空调,2025-06-01,,,138,王,,,city,no"))
    url = desk.db.url
    refused = aftercare("units", "import", str(bad), database_url=url, cwd=tmp_path)
    assert refused.returncode == 1
    assert "未导入任何数据" in refused.stderr
    assert "第 3 行：" in refused.stderr and "warranty_end 不能为空" in refused.stderr
    assert "customer_phone 不是有效的电话号码" in refused.stderr and "abroad 应为" in refused.stderr
    assert await count(desk.db, Unit) == 0
    first = aftercare("units", "import", str(good), database_url=url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 4
    second = aftercare("units", "import", str(good), database_url=url, cwd=tmp_path)
    assert json.loads(second.stdout) == {
        "rows": 4,
        "created": 0,
        "updated": 0,
        "unchanged": 4,
        "customers_created": 0,
    }
    missing = aftercare(
        "units", "import", str(tmp_path / "nope.csv"), database_url=url, cwd=tmp_path
    )
    assert missing.returncode == 2 and "无法读取" in missing.stderr
