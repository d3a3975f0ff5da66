"""POST /api/units/import on SQLite and PostgreSQL: the console's upload of the units-sold
file, on the same use case as `aftercare units import`. A bad file is refused whole with
every bad row's line number and nothing in the store; a clean file is imported; the same
file again changes nothing; only an admin may; a file that is not UTF-8, has the wrong
header or is not a multipart upload gets a clear 422; the import is audited; the big
body is allowed on this route only."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select

from backend.api.units import MAX_FILE
from backend.domain.permissions import ROLES
from backend.domain.units_file import HEADER
from backend.store.tables import AuditLog, Customer, Unit
from tests.fixtures.staff import USERNAMES, headers
from tests.store.seed import all_of, count
from tests.units.csvfiles import GOOD_ROWS, csv_of

ADMIN = headers("admin")


def _upload(data: bytes, name: str = "units.csv", field: str = "file") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field(field, data, filename=name, content_type="text/csv")
    return form


async def _post(api, data: bytes, role: str = "admin", **kw):
    return await api.post("/api/units/import", data=_upload(data, **kw), headers=headers(role))


async def test_a_bad_file_is_refused_whole_with_its_row_numbers(api):
    bad = [
        GOOD_ROWS[0],
        GOOD_ROWS[1].replace("2024-03-08,2027-03-08", "2024-02-30,2027-03-08"),
        GOOD_ROWS[2],
        GOOD_ROWS[3].replace("remote", "far"),
    ]
    resp = await _post(api, csv_of(*bad))
    assert resp.status == 422
    body = await resp.json()
    assert body["error"] == "validation_failed" and "未导入任何数据" in body["message"]
    assert [r["line"] for r in body["rows"]] == [3, 5]
    assert "warranty_end 不是有效日期" in body["rows"][0]["reason"]
    assert "region_class 应为 city、suburb 或 remote" in body["rows"][1]["reason"]
    assert await count(api.desk.db, Unit) == 0
    assert await count(api.desk.db, Customer) == 0
    entries = await all_of(api.desk.db, select(AuditLog).where(AuditLog.action == "units.import"))
    assert entries == []


async def test_a_clean_file_is_imported_and_again_changes_nothing(api):
    resp = await _post(api, csv_of(*GOOD_ROWS, bom=True), name="出厂机组.csv")
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {
        "file": "出厂机组.csv",
        "rows": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "customers_created": 3,
    }
    units = {u.serial_number: u for u in await all_of(api.desk.db, select(Unit))}
    assert set(units) == {"SN-A0001", "SN-A0002", "SN-A0003", "SN-A0004"}
    assert units["SN-A0004"].abroad is True and units["SN-A0004"].region_class == "remote"
    again = await _post(api, csv_of(*GOOD_ROWS))
    assert (await again.json())["unchanged"] == 4
    assert {k: v for k, v in (await again.json()).items() if k != "unchanged"} == {
        "file": "units.csv",
        "rows": 4,
        "created": 0,
        "updated": 0,
        "customers_created": 0,
    }
    assert await count(api.desk.db, Unit) == 4
    # Audited: who imported which file, and the counts.
    entries = await all_of(
        api.desk.db,
        select(AuditLog).where(AuditLog.action == "units.import").order_by(AuditLog.id),
    )
    assert [e.actor for e in entries] == [f"staff:{USERNAMES['admin']}"] * 2
    first = entries[0].detail
    assert first["file"]["name"] == "出厂机组.csv" and len(first["file"]["sha256"]) == 64
    assert (first["created"], entries[1].detail["unchanged"]) == (4, 4)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
async def test_only_an_admin_may_import(api, role):
    resp = await _post(api, csv_of(*GOOD_ROWS), role=role)
    assert resp.status == 403
    assert await count(api.desk.db, Unit) == 0


async def test_signed_out_is_refused(api):
    resp = await api.post("/api/units/import", data=_upload(csv_of(*GOOD_ROWS)))
    assert resp.status == 401


async def test_a_file_not_in_utf8_is_a_clear_422(api):
    text = "\n".join([",".join(HEADER), GOOD_ROWS[0]]) + "\n"
    resp = await _post(api, text.encode("gb18030"))
    assert resp.status == 422
    rows = (await resp.json())["rows"]
    assert rows == [{"line": 2, "reason": "不是 UTF-8 编码的文本"}]
    assert await count(api.desk.db, Unit) == 0


async def test_a_wrong_header_is_a_clear_422(api):
    header = ",".join(HEADER).replace("serial_number", "序列号")
    resp = await _post(api, csv_of(*GOOD_ROWS, header=header))
    assert resp.status == 422
    rows = (await resp.json())["rows"]
    assert rows[0]["line"] == 1 and rows[0]["reason"].startswith("表头应为 serial_number,")
    assert await count(api.desk.db, Unit) == 0


async def test_an_upload_without_the_file_part_or_not_multipart_is_a_422(api):
    resp = await _post(api, csv_of(*GOOD_ROWS), field="document")
    assert resp.status == 422 and "file" in (await resp.json())["message"]
    resp = await api.post("/api/units/import", json={"file": "x"}, headers=ADMIN)
    assert resp.status == 422 and "multipart/form-data" in (await resp.json())["message"]
    resp = await api.post(
        "/api/units/import",
        data=b"--nope\r\n",
        headers={**ADMIN, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert resp.status == 422
    assert await count(api.desk.db, Unit) == 0


async def test_a_big_file_goes_through_here_but_not_elsewhere(api):
    """Over the app's 256 KiB body limit: this route takes it, another route does not."""
    rows = [
        f"SN-B{i:05d},KFR-35GW,变频空调,2025-06-01,2028-06-01,,138{i:08d},客户{i},"
        f"北京市朝阳区建国路{i}号,北京·朝阳,city,false"
        for i in range(4000)
    ]
    data = csv_of(*rows)
    assert len(data) > 256 * 1024
    resp = await _post(api, data)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["created"] == 4000
    other = await api.post(
        "/api/admin/staff",
        data=b'{"username": "' + b"x" * (300 * 1024) + b'"}',
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert other.status == 413


async def test_a_file_over_the_limit_is_cut_off(api):
    too_big = csv_of(*GOOD_ROWS) + b"#" * (MAX_FILE + 1)
    resp = await _post(api, too_big)
    assert resp.status == 413 and (await resp.json())["error"] == "too_large"
    assert await count(api.desk.db, Unit) == 0
