"""Units import benchmark (issue 12): 100,000 generated rows through `import_units`, the
use case behind `aftercare units import`, on a fresh SQLite file and a fresh PostgreSQL
database. Three imports each: the first creates every unit (and ~60,000 customers), the
same file again finds nothing to change, and a file with every tenth row changed updates
those. Prints rows/s for each (reading and checking the CSV included).

    .venv/bin/python -m bench.units_import                      # 100,000 rows, both stores
    .venv/bin/python -m bench.units_import --rows 20000 --store sqlite
    .venv/bin/python -m bench.units_import --pg postgresql+asyncpg://user@host/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from backend.api.app import build_desk
from backend.config import Settings
from backend.domain.units_file import HEADER
from backend.services.units_import import import_units
from backend.store.db import Database

DEFAULT_PG = "postgresql+asyncpg://root@127.0.0.1:5432/postgres"
PRODUCTS = [
    ("KFR-35GW/BpR3", "变频空调"),
    ("BCD-256WDPM", "对开门冰箱"),
    ("XQG100-B14", "滚筒洗衣机"),
    ("MDV-H180W", "中央空调"),
    ("JSQ25-13", "燃气热水器"),
]
REGIONS = [("北京·朝阳", "city"), ("北京·大兴", "suburb"), ("新疆·喀什", "remote")]


def generate(rows: int, seed: int = 12, changed_every: int = 0) -> bytes:
    """A units-sold file: ~1.6 units per customer, a fifth under contract."""
    rnd = random.Random(seed)
    lines = [",".join(HEADER)]
    for i in range(rows):
        model, product = PRODUCTS[i % len(PRODUCTS)]
        region, region_class = REGIONS[i % len(REGIONS)]
        bought = date(2018, 1, 1) + timedelta(days=rnd.randrange(3000))
        warranty = bought + timedelta(days=3 * 365)
        contract = warranty + timedelta(days=2 * 365) if i % 5 == 0 else None
        if changed_every and i % changed_every == 0:
            contract = warranty + timedelta(days=365)
        phone = f"13{(i * 7919 % (rows * 6 // 10 + 1)):09d}"
        lines.append(
            ",".join(
                [
                    f"SN{i:010d}",
                    model,
                    product,
                    bought.isoformat(),
                    warranty.isoformat(),
                    contract.isoformat() if contract else "",
                    phone,
                    f"客户{i % 9973}",
                    f"某市某区某路{i % 997}号{i % 31}栋{i % 23 + 1}01室",
                    region,
                    region_class,
                    "false",
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


async def _create_pg(admin_url: str) -> tuple[str, str]:
    name = f"aftercare_bench_units_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


async def _drop_pg(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


async def _run(url: str, files: list[tuple[str, bytes]], rows: int, var_dir: Path) -> None:
    db = Database(url)
    try:
        await db.upgrade()
        desk = build_desk(Settings(database_url=url, var_dir=var_dir), db)
        for what, data in files:
            started = time.perf_counter()
            report = await import_units(desk, data)
            seconds = time.perf_counter() - started
            print(
                f"  {what:<28} {seconds:6.2f} s  {rows / seconds:9,.0f} rows/s  {report.as_dict()}",
                flush=True,
            )
    finally:
        await db.close()


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--store", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin URL")
    args = parser.parse_args(argv)

    first = generate(args.rows)
    files = [
        ("first import (all new)", first),
        ("same file again", first),
        ("every 10th row changed", generate(args.rows, changed_every=10)),
    ]
    print(f"{args.rows:,} rows, {len(first) / 1e6:.1f} MB of CSV", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.store in ("both", "sqlite"):
            print("SQLite (a fresh file):", flush=True)
            await _run(f"sqlite+aiosqlite:///{tmp}/units.db", files, args.rows, Path(tmp))
        if args.store in ("both", "postgresql"):
            url, name = await _create_pg(args.pg)
            print(f"PostgreSQL (a fresh database {name}):", flush=True)
            try:
                await _run(url, files, args.rows, Path(tmp))
            finally:
                await _drop_pg(args.pg, name)


if __name__ == "__main__":
    asyncio.run(main())
