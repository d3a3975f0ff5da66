"""`aftercare run | db upgrade | demo seed | report monthly | customer erase | units import`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from backend.config import Settings, SettingsError


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run the service (web chat, API, Telegram if configured)")
    run.set_defaults(handler=_run)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations").set_defaults(handler=_db_upgrade)

    demo = sub.add_parser("demo", help="demo data")
    demo_sub = demo.add_subparsers(dest="demo_command", metavar="DEMO_COMMAND", required=True)
    demo_sub.add_parser("seed", help="load units, customers and staff").set_defaults(
        handler=_demo_seed
    )

    report = sub.add_parser("report", help="reports")
    report_sub = report.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    monthly = report_sub.add_parser("monthly", help="the monthly report as JSON")
    monthly.add_argument("month", help="YYYY-MM, e.g. 2026-10")
    monthly.set_defaults(handler=_report_monthly)

    customer = sub.add_parser("customer", help="customers' personal data")
    customer_sub = customer.add_subparsers(
        dest="customer_command", metavar="CUSTOMER_COMMAND", required=True
    )
    erase = customer_sub.add_parser(
        "erase", help="anonymise a customer everywhere (PIPL Art. 47); prints what was erased"
    )
    erase.add_argument("phone", metavar="PHONE", help="the customer's phone number")
    erase.add_argument("--actor", help="who asks for it (default: the OS user)")
    erase.set_defaults(handler=_customer_erase)

    units = sub.add_parser("units", help="master data: the units sold")
    units_sub = units.add_subparsers(dest="units_command", metavar="UNITS_COMMAND", required=True)
    load = units_sub.add_parser(
        "import",
        help="upsert units sold from a UTF-8 CSV (README: the columns); a file with any "
        "bad row imports nothing and lists every bad row",
    )
    load.add_argument("file", metavar="FILE.csv", help="the CSV file")
    load.set_defaults(handler=_units_import)


def _settings() -> Settings:
    from backend import logs

    try:
        settings = Settings.from_env()
    except SettingsError as e:  # a typo in a variable: one line, not a traceback
        raise SystemExit(f"aftercare: {e}") from None
    logs.configure(settings.log_level, settings.log_format)
    return settings


def _run(args) -> int:
    from backend import compose

    return compose.run(_settings())


async def _with_desk(settings: Settings, work):
    from backend.api.app import build_desk
    from backend.store.db import Database

    db = Database(settings.database_url)
    try:
        await db.upgrade()
        return await work(build_desk(settings, db))
    finally:
        await db.close()


def labelled_examples() -> list[tuple[str, str, str]]:
    """The labelled inbox messages `aftercare nlu train` takes in: (intent, text,
    source). A store without the inbox (never migrated, or none configured yet) has
    none; training goes on without them."""
    from sqlalchemy.exc import SQLAlchemyError

    from backend.services import nlu_inbox
    from backend.store.db import Database

    async def read() -> list:
        db = Database(Settings.from_env().database_url)
        try:
            return await db.read(nlu_inbox.labelled_examples)
        finally:
            await db.close()

    try:
        items = asyncio.run(read())
    except (SQLAlchemyError, OSError) as exc:
        print(f"no labelled inbox messages taken in ({type(exc).__name__})", file=sys.stderr)
        return []
    return [
        (i.label, i.text, f"inbox:{i.id} {i.channel} {i.first_seen.date()} x{i.count}")
        for i in items
        if i.label
    ]


def _db_upgrade(args) -> int:
    async def noop(desk):
        return None

    asyncio.run(_with_desk(_settings(), noop))
    print("database is at the latest schema")
    return 0


def _demo_seed(args) -> int:
    from backend.demo import seed

    added = asyncio.run(_with_desk(_settings(), seed))
    print(json.dumps(added, ensure_ascii=False))
    return 0


def _report_monthly(args) -> int:
    from backend.domain.errors import ValidationFailed
    from backend.domain.periods import parse_month
    from backend.services.reports import monthly_report

    try:
        parse_month(args.month)
    except ValidationFailed as exc:
        print(f"aftercare: {exc}", file=sys.stderr)
        return 2

    async def work(desk):
        return await monthly_report(desk, args.month)

    print(json.dumps(asyncio.run(_with_desk(_settings(), work)), ensure_ascii=False, indent=2))
    return 0


def _customer_erase(args) -> int:
    import getpass

    from backend.domain.errors import NotFound, ValidationFailed
    from backend.services.erasure import erase_customer

    actor = args.actor or f"cli:{getpass.getuser()}"

    async def work(desk):
        return await erase_customer(desk, args.phone, actor=actor)

    try:
        report = asyncio.run(_with_desk(_settings(), work))
    except NotFound as exc:
        print(f"aftercare: {exc}", file=sys.stderr)
        return 1
    except ValidationFailed as exc:
        print(f"aftercare: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 0


def _units_import(args) -> int:
    from pathlib import Path

    from backend.domain.units_file import BadUnitsFile
    from backend.services.units_import import import_units

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"aftercare: 无法读取 {args.file}：{exc.strerror}", file=sys.stderr)
        return 2

    async def work(desk):
        return await import_units(desk, data)

    try:
        report = asyncio.run(_with_desk(_settings(), work))
    except BadUnitsFile as exc:
        print(f"aftercare: {args.file}：{exc}", file=sys.stderr)
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 0
