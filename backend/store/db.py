"""Engine, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

MIGRATIONS = Path(__file__).with_name("migrations")
# Connection execution option marking a read-only unit of work (see Database.reading).
READ_ONLY = "aftercare_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    _serialise_sqlite_writers(engine)
    return engine


def _serialise_sqlite_writers(engine: AsyncEngine) -> None:
    """Make every SQLite transaction that may write take the write lock up front
    (BEGIN IMMEDIATE).

    pysqlite's own deferred BEGIN lets two transactions read, then both try to write and
    one fails with "database is locked" instead of waiting; IMMEDIATE makes them queue
    on busy_timeout, which keeps counters and outbox claims atomic. A connection marked
    read-only (`Database.reading()`) begins with a plain deferred BEGIN instead: in WAL
    mode readers never wait for the writer nor block it, so pure reads do not queue.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    writers = _WriterQueue()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        writers.enter(connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.leave(connection)
            raise

    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def _on_end(connection):
        writers.leave(connection)

    @event.listens_for(engine.sync_engine, "checkin")
    @event.listens_for(engine.sync_engine, "invalidate")
    def _on_release(_dbapi_connection, record, *_):
        writers.leave(record)  # never keep the turn past the connection's use


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
            await asyncio.wait_for(lock.acquire(), self.BUSY_SECONDS)

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
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back everything on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work. On SQLite it begins deferred (no write lock), so
        concurrent reads do not queue behind writers; flushing a change in it fails.
        Nothing is committed: the transaction ends with a rollback."""
        async with self.sessions() as session:
            await session.connection(execution_options={READ_ONLY: True})
            session.autoflush = False
            yield session
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("Database.reading() is read-only; use transaction()")

    async def upgrade(self, revision: str = "head") -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_run_upgrade, revision)

    async def close(self) -> None:
        await self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _run_upgrade(connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
