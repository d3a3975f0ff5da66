"""Importing the manufacturer's units sold (issue 12's master data), one transaction.

`import_units(desk, data)` takes the file's bytes (the CLI reads a file; an upload route
can pass the request body): the file is read and checked whole first
(backend/domain/units_file.py), so a bad one raises `BadUnitsFile` with every bad row and
writes nothing. A clean one is upserted by serial number (matched regardless of case, as
the chat and the hotline find units) and each row's customer is found or created by
phone, all in one unit of work. A unit whose values are already those of the file is
left alone, so importing the same file twice changes nothing.

Bulk statements, not a statement per row: existing customers and units are read in
chunks of `CHUNK` keys, new rows inserted and changed rows updated as executemany, so
100,000 rows take seconds (bench/units_import.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from backend.domain.units_file import UnitRow, read_units
from backend.services import audit
from backend.services.desk import Desk
from backend.store.bulk import among
from backend.store.tables import Customer, Unit
from backend.store.upsert import dialect_insert

CHUNK = 5000  # keys per IN (...): far below SQLite's and asyncpg's parameter limits
# The unit columns the file sets (customer_id comes from the phone).
_COLUMNS = (
    "serial_number",
    "model",
    "product_name",
    "purchase_date",
    "warranty_end",
    "contract_end",
    "address",
    "region",
    "region_class",
    "abroad",
)


@dataclass(frozen=True)
class ImportReport:
    rows: int
    created: int  # units new to the store
    updated: int  # units whose values the file changed
    unchanged: int
    customers_created: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def import_units(
    desk: Desk, data: bytes, *, actor: str = "system:cli", filename: str | None = None
) -> ImportReport:
    """The use case: check the whole file, then upsert it in one transaction; the audit
    log records who imported which file (its name, size and SHA-256) and the counts."""
    rows = read_units(data)  # BadUnitsFile before the transaction: nothing is written
    file = {"name": filename, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return await desk.db.write(_import_audited, rows, desk.now(), actor, file)


def _import_audited(
    session: Session, rows: list[UnitRow], now: datetime, actor: str, file: dict
) -> ImportReport:
    report = _import(session, rows, now)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="units.import",
        subject="units",
        detail={"file": file, **report.as_dict()},
    )
    return report


def _import(session: Session, rows: list[UnitRow], now: datetime) -> ImportReport:
    customers, created_customers = _customers(session, rows, now)
    existing = _existing_units(session, [r.serial_number for r in rows])
    new, changed = [], []
    for row in rows:
        values = {c: getattr(row, c) for c in _COLUMNS}
        values["customer_id"] = customers[row.customer_phone]
        found = existing.get(row.serial_number.upper())
        if found is None:
            new.append(values)
        elif any(found[k] != v for k, v in values.items()):
            changed.append({"id": found["id"], **values})
    if new:
        # Core, not the ORM's bulk insert: the ORM leaves out None values and so splits
        # the rows into many small batches (a unit without a contract after one with).
        session.execute(insert(Unit.__table__), new)
    if changed:
        session.execute(update(Unit), changed)  # by primary key, executemany
    return ImportReport(
        rows=len(rows),
        created=len(new),
        updated=len(changed),
        unchanged=len(rows) - len(new) - len(changed),
        customers_created=created_customers,
    )


def _customers(session: Session, rows: list[UnitRow], now: datetime) -> tuple[dict, int]:
    """Customer id per canonical phone: found, or created with the row's name. A found
    customer without a name gets the file's; a name on record is not overwritten."""
    names: dict[str, str | None] = {}
    for row in rows:
        if not names.get(row.customer_phone):
            names[row.customer_phone] = row.customer_name
    known = dict(_by_phone(session, names))
    missing = [p for p in names if p not in known]
    if missing:
        # A chat may create the same customer meanwhile: its row wins quietly.
        stmt = dialect_insert(session)(Customer.__table__).on_conflict_do_nothing(
            index_elements=[Customer.phone]
        )
        new = [{"phone": p, "name": names[p], "locale": "zh", "created_at": now} for p in missing]
        session.execute(stmt, new)
        known.update(_by_phone(session, missing))
    unnamed = [
        {"id": cid, "name": names[phone]}
        for phone, cid in _unnamed(session, known)
        if names.get(phone)
    ]
    if unnamed:
        session.execute(update(Customer), unnamed)
    return {p: known[p] for p in names}, len(missing)


def _by_phone(session: Session, phones: Iterable[str]) -> Iterator[tuple[str, int]]:
    for chunk in _chunks(list(phones)):
        yield from session.execute(
            select(Customer.phone, Customer.id).where(among(session, Customer.phone, chunk))
        ).all()


def _unnamed(session: Session, known: dict[str, int]) -> Iterator[tuple[str, int]]:
    for chunk in _chunks(list(known.values())):
        yield from session.execute(
            select(Customer.phone, Customer.id).where(
                among(session, Customer.id, chunk), Customer.name.is_(None)
            )
        ).all()


def _existing_units(session: Session, serials: list[str]) -> dict[str, dict]:
    """The stored units of these serial numbers, keyed by the upper-case serial."""
    columns = [Unit.id, Unit.customer_id, *(getattr(Unit, c) for c in _COLUMNS)]
    found: dict[str, dict] = {}
    for chunk in _chunks([s.upper() for s in serials]):
        stmt = select(*columns).where(among(session, func.upper(Unit.serial_number), chunk))
        for row in session.execute(stmt).mappings():
            found[row["serial_number"].upper()] = dict(row)
    return found


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
