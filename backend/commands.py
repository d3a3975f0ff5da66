"""`aftercare run | db upgrade | demo seed | report monthly | customer erase | units import |
staff ...`."""

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
    _register_staff(sub)


def _register_staff(sub: argparse._SubParsersAction) -> None:
    from backend.domain.permissions import ROLES

    staff = sub.add_parser("staff", help="staff accounts and their personal API tokens")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="STAFF_COMMAND", required=True)
    add = staff_sub.add_parser("add", help="create an account, or update the one of USERNAME")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", help="display name, e.g. 刘师傅 (default: the username)")
    add.add_argument("--region", help="e.g. 北京·朝阳")
    add.add_argument("--telegram", metavar="CHAT_ID", help="their Telegram chat (notices to them)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the console password from stdin"
    )
    add.set_defaults(handler=_staff_add)
    token = staff_sub.add_parser(
        "token", help="a new personal API token (printed as the last line, shown once)"
    )
    token.add_argument("username", metavar="USERNAME")
    token.add_argument("--label", help="what it is for, e.g. 'hotline gateway'")
    token.add_argument("--expires-days", type=int, metavar="N", help="valid for N days")
    token.set_defaults(handler=_staff_token)
    staff_sub.add_parser("list", help="every account").set_defaults(handler=_staff_list)
    disable = staff_sub.add_parser(
        "disable", help="disable an account: its sessions and tokens stop at once"
    )
    disable.add_argument("username", metavar="USERNAME")
    disable.set_defaults(handler=_staff_disable)
    agent = staff_sub.add_parser(
        "agent", help="let a hotline account post calls for AGENT_ID (a known agent)"
    )
    agent.add_argument("username", metavar="USERNAME")
    agent.add_argument("agent_id", metavar="AGENT_ID")
    agent.set_defaults(handler=_staff_agent)


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


def _cli_actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def _account_work(work) -> int:
    """Run an account command; a refused one is one line on stderr, not a traceback."""
    from backend.domain.errors import NotFound, ValidationFailed

    try:
        return asyncio.run(_with_desk(_settings(), work)) or 0
    except NotFound as exc:
        print(f"aftercare: {exc}", file=sys.stderr)
        return 1
    except ValidationFailed as exc:
        print(f"aftercare: {exc}", file=sys.stderr)
        return 2


def _staff_add(args) -> int:
    from backend.services import accounts

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")

    async def work(desk):
        saved = await accounts.save(
            desk,
            args.username,
            role=args.role,
            name=args.name,
            region=args.region,
            password=password,
            telegram_chat_id=args.telegram,
            actor=_cli_actor(),
        )
        verb = "created" if saved.created else "updated"
        print(f"{verb} {args.username} ({args.role})")

    return _account_work(work)


def _staff_token(args) -> int:
    from backend.services import accounts

    async def work(desk):
        issued = await accounts.issue_token(
            desk,
            args.username,
            label=args.label,
            expires_days=args.expires_days,
            actor=_cli_actor(),
        )
        expires = issued.info["expires_at"] or "never"
        print(f"token {issued.info['id']} for {args.username}, expires {expires}; shown once:")
        print(issued.token)

    return _account_work(work)


def _staff_list(args) -> int:
    from backend.services import accounts

    async def work(desk):
        rows = await accounts.accounts(desk)
        print(f"{'username':<20} {'role':<11} {'active':<7} {'region':<12} name")
        for a in rows:
            active = "yes" if a["active"] else "no"
            print(
                f"{a['username']:<20} {a['role']:<11} {active:<7} {a['region'] or '-':<12} "
                f"{a['name']}"
            )

    return _account_work(work)


def _staff_disable(args) -> int:
    from backend.services import accounts

    async def work(desk):
        await accounts.disable(desk, args.username, actor=_cli_actor())
        print(f"disabled {args.username}: its sessions and tokens no longer work")

    return _account_work(work)


def _staff_agent(args) -> int:
    from backend.services import accounts

    async def work(desk):
        known = await accounts.add_agent(desk, args.username, args.agent_id, actor=_cli_actor())
        print(f"{args.username} may post calls for: {', '.join(known)}")

    return _account_work(work)


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
        return await import_units(desk, data, actor=_cli_actor(), filename=Path(args.file).name)

    try:
        report = asyncio.run(_with_desk(_settings(), work))
    except BadUnitsFile as exc:
        print(f"aftercare: {args.file}：{exc}", file=sys.stderr)
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 0
