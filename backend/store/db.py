"""The store's engine, its unit-of-work API and migrations (SQLite default, PostgreSQL).

Store work has one shape: a *unit of work* is a plain synchronous function
`unit(session, *args)` of a SQLAlchemy ORM `Session`, and it runs whole in one
transaction through one of two calls:

- `await db.write(unit, *args)`: read-write; committed when the unit returns, rolled back
  when it raises (nothing half-written stays). On SQLite it begins IMMEDIATE: it takes
  the write lock up front, so two writers queue instead of failing with "database is
  locked" halfway, and counters and outbox claims stay atomic.
- `await db.read(unit, *args)`: read-only; never commits, never takes SQLite's write lock
  (a deferred BEGIN: in WAL mode it neither waits for a writer nor blocks one), and fails
  if the unit leaves ORM changes behind. Use it for every lookup and view.

Units return plain values (views, numbers, dataclasses): ORM objects come back detached.
Only backend/services calls these, one `write` per use case, so each use case is one
transaction; helpers a use case composes (file_ticket, notices.escalate ...) take the
unit's `session` and never open their own.

Why synchronous units: on SQLite (microseconds a statement) the event-loop round trip of
an async driver was most of a chat turn's CPU. So on a SQLite file a unit runs whole in
one worker thread on a synchronous engine (one hop per unit; the units queue on that
thread, so the write lock is held only while statements run). On PostgreSQL it runs on
the async engine through `run_sync`, statement by statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util import await_only

MIGRATIONS = Path(__file__).with_name("migrations")
T = TypeVar("T")
# Connection execution option marking a read-only unit of work (see Database.read).
READ_ONLY = "aftercare_read_only"
_ON_COMMIT = "aftercare_on_commit"  # Session.info key: hooks run after the commit
log = logging.getLogger(__name__)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    database = make_url(url).database if is_sqlite(url) else None
    return database if database and database != ":memory:" else None


# Bound parameters (phones, addresses, descriptions) never appear in a store error's
# text, so no traceback or log line carries them (backend/logs.py masks the rest).
HIDE = {"hide_parameters": True}


def make_engine(url: str, **kwargs) -> AsyncEngine:
    kwargs = {**HIDE, **kwargs}
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    if database := sqlite_file(url):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    _serialise_sqlite_writers(engine.sync_engine, _WriterQueue())
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _read_only(connection) -> bool:
    return bool(connection.get_execution_options().get(READ_ONLY))


def _begin_sqlite(connection) -> None:
    """BEGIN, deferred for a read-only unit of work, IMMEDIATE otherwise."""
    connection.exec_driver_sql("BEGIN" if _read_only(connection) else "BEGIN IMMEDIATE")


def _serialise_sqlite_writers(engine: Engine, writers: _WriterQueue) -> None:
    """Make every SQLite transaction that may write take the write lock up front
    (BEGIN IMMEDIATE).

    pysqlite's own deferred BEGIN lets two transactions read, then both try to write and
    one fails with "database is locked" instead of waiting; IMMEDIATE makes them queue
    on busy_timeout, which keeps counters and outbox claims atomic. A connection marked
    read-only (`Database.read`) begins with a plain deferred BEGIN instead: in WAL
    mode readers never wait for the writer nor block it, so pure reads do not queue.
    """
    event.listen(engine, "connect", _sqlite_pragmas)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if not _read_only(connection):
            writers.enter(connection)
        try:
            _begin_sqlite(connection)
        except BaseException:
            writers.leave(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        writers.leave(connection)

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "invalidate")
    def _on_release(_dbapi_connection, record, *_):
        writers.leave(record)  # never keep the turn past the connection's use


def _threaded_sqlite_engine(url: str) -> Engine:
    """A synchronous engine on the same SQLite file for `Database.write`/`read` (their
    units of work run whole in one worker thread)."""
    engine = create_engine(
        make_url(url).set(drivername="sqlite+pysqlite"),
        connect_args={"timeout": 30, "check_same_thread": False},
        **HIDE,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


class _WriterQueue:
    """The process's SQLite writers wait their turn on an asyncio lock before BEGIN
    IMMEDIATE. Without it a writer that finds the database locked sleeps in SQLite's busy
    handler (backing off up to 100 ms a try) instead of starting the moment the previous
    writer commits: under concurrent chats that was most of the p99. Other processes
    still queue on the file lock; a writer that waited `BUSY_SECONDS` here goes on to
    SQLite's own timeout (and its "database is locked" error) as before."""

    BUSY_SECONDS = 30.0
    HELD = "aftercare_writer_lock"

    def __init__(self) -> None:
        self._lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def enter(self, connection) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a synchronous engine use (no event loop): SQLite's lock alone
        if self._lock is None or self._lock[0] is not loop:
            self._lock = (loop, asyncio.Lock())
        lock = self._lock[1]

        async def acquire() -> None:
            if lock.locked():
                await asyncio.wait_for(lock.acquire(), self.BUSY_SECONDS)
            else:  # free: take it without wait_for's task and timer
                await lock.acquire()

        waiting = acquire()
        try:
            await_only(waiting)
        except MissingGreenlet:
            waiting.close()
            return  # not called from async code: SQLite's lock alone
        except TimeoutError:
            return  # waited long enough: SQLite's busy timeout decides from here
        connection.info[self.HELD] = lock

    def leave(self, connection) -> None:
        lock = connection.info.pop(self.HELD, None)
        if lock is not None:
            lock.release()


class Database:
    """The store's engine and session factory; opened by the composition root."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._threaded: tuple[Engine, ThreadPoolExecutor] | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def write(self, unit: Callable[..., T], *args) -> T:
        """Run `unit(session, *args)` in one read-write transaction: committed when it
        returns, rolled back (nothing half-written) when it raises. Return plain values:
        ORM objects come back detached. What the unit registered with `on_commit` runs
        after the commit (and not at all after a rollback)."""
        if self._threaded_sqlite():
            engine, thread = self._sqlite_thread()
            # The copied context carries the request id (backend/logs.py) into the thread.
            result, hooks = await asyncio.get_running_loop().run_in_executor(
                thread, contextvars.copy_context().run, _write_in_thread, engine, unit, args
            )
        else:
            async with self._sessions() as session, session.begin():
                hooks = session.info.setdefault(_ON_COMMIT, [])
                result = await session.run_sync(_write_unit, unit, args)
        for hook in hooks:
            hook()
        return result

    async def read(self, unit: Callable[..., T], *args) -> T:
        """Run `unit(session, *args)` in a read-only transaction. On SQLite it begins
        deferred, so it never takes (nor waits for) the write lock; it commits nothing,
        and a unit that leaves ORM changes behind fails instead of silently losing them."""
        if self._threaded_sqlite():
            engine, thread = self._sqlite_thread()
            return await asyncio.get_running_loop().run_in_executor(
                thread, contextvars.copy_context().run, _read_in_thread, engine, unit, args
            )
        async with self._sessions() as session:
            await session.connection(execution_options={READ_ONLY: True})
            return await session.run_sync(_read_unit, unit, args)

    def _threaded_sqlite(self) -> bool:
        return sqlite_file(self.url) is not None

    def _sqlite_thread(self) -> tuple[Engine, ThreadPoolExecutor]:
        if self._threaded is None:
            self._threaded = (
                _threaded_sqlite_engine(self.url),
                ThreadPoolExecutor(1, thread_name_prefix="sqlite-units"),
            )
        return self._threaded

    async def try_session_lock(self, key: int) -> SessionLock | None:
        """PostgreSQL only: take the session-level advisory lock `key` on a connection
        of its own, without waiting; None when another session holds it. The lock lives
        as long as that connection: a process that dies (or loses the server) loses it."""
        if self.dialect != "postgresql":
            raise RuntimeError("advisory locks need PostgreSQL")
        # AUTOCOMMIT: holding the lock must not hold a transaction open for hours.
        connection = await self.engine.connect()
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(_TRY_LOCK, {"key": key})
        except BaseException:
            await connection.invalidate()
            raise
        if got:
            return SessionLock(connection, key)
        await connection.close()
        return None

    async def upgrade(self, revision: str = "head") -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_run_upgrade, revision)

    async def close(self) -> None:
        if self._threaded is not None:
            engine, thread = self._threaded
            self._threaded = None
            await asyncio.get_running_loop().run_in_executor(thread, engine.dispose)
            thread.shutdown()
        await self.engine.dispose()


_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
_STILL_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND granted AND ((classid::bigint << 32) | objid::bigint) = :key"
)


class SessionLock:
    """A held advisory lock (Database.try_session_lock) and the connection it lives on."""

    def __init__(self, connection: AsyncConnection, key: int):
        self._connection = connection
        self.key = key

    async def alive(self) -> bool:
        """Still ours: the connection answers and the server still lists the lock."""
        try:
            return bool(await self._connection.scalar(_STILL_HELD, {"key": self.key}))
        except Exception:
            await self._drop()
            return False

    async def release(self) -> None:
        try:
            await self._connection.scalar(_UNLOCK, {"key": self.key})
            # Back to the pool only once unlocked: a pooled session would keep the lock.
            await self._connection.close()
        except Exception:
            await self._drop()

    async def _drop(self) -> None:
        # Invalidated, never pooled: closing the server session is what frees the lock.
        with contextlib.suppress(Exception):
            await self._connection.invalidate()
        with contextlib.suppress(Exception):
            await self._connection.close()


def on_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run `hook()` once the unit of work `session` belongs to has committed (counters
    that must not count what a rollback undid, e.g. tickets filed)."""
    session.info.setdefault(_ON_COMMIT, []).append(hook)


def lock_names(session: Session, names: Iterable[str]) -> None:
    """Serialise the units of work that touch `names` (e.g. one phone's tickets of the
    day) until this unit commits or rolls back: a count-then-insert then holds under
    concurrency. PostgreSQL: a transaction-scoped advisory lock per name, taken in one
    order so two units never wait on each other crosswise. SQLite: nothing to do, a
    write unit holds the database's write lock from its first statement (BEGIN
    IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        session.execute(_XACT_LOCK, {"name": name})


# 64-bit keys from the name; the send leader's key (a 32-bit CRC) cannot meet them in
# practice, and a collision between two names would only serialise a little more.
_XACT_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))")


def _write_unit(session: Session, unit: Callable[..., T], args: tuple) -> T:
    log.debug("write %s", getattr(unit, "__qualname__", unit))
    result = unit(session, *args)
    session.flush()  # a constraint violation raises here, inside the unit's transaction
    return result


def _read_unit(session: Session, unit: Callable[..., T], args: tuple) -> T:
    # No autoflush: a flush would write (and on SQLite take the write lock mid-read).
    log.debug("read %s", getattr(unit, "__qualname__", unit))
    session.autoflush = False
    result = unit(session, *args)
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("Database.read() is read-only: change the store with write()")
    return result


def _write_in_thread(engine: Engine, unit: Callable[..., T], args: tuple) -> tuple[T, list]:
    with engine.begin() as connection, _session_on(connection) as session:
        hooks = session.info.setdefault(_ON_COMMIT, [])
        result = _write_unit(session, unit, args)
    return result, hooks  # committed on leaving the block


def _read_in_thread(engine: Engine, unit: Callable[..., T], args: tuple) -> T:
    # Marked before its first statement, so the begin hook chooses the deferred BEGIN;
    # leaving the block rolls back: a read commits nothing.
    with (
        engine.connect() as connection,
        _session_on(connection.execution_options(**{READ_ONLY: True})) as session,
    ):
        return _read_unit(session, unit, args)


def _session_on(connection: Connection) -> Session:
    return Session(bind=connection, expire_on_commit=False, autoflush=True)


def migration_state(session: Session) -> tuple[str | None, str | None]:
    """(the store's current revision, the code's head): equal when migrations are applied."""
    current = MigrationContext.configure(session.connection()).get_current_revision()
    return current, ScriptDirectory.from_config(alembic_config()).get_current_head()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _run_upgrade(connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
