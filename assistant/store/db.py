"""Opening the store: engines, sessions, and the migrations applied at start.

Nothing here runs at import. A face builds its engine from settings once::

    engine = create_store_engine(settings.database_url)
    migrate(engine)                         # idempotent; safe at every start
    sessions = session_factory(engine)
    with sessions.begin() as session: ...

SQLite (the embedded default) gets its parent folder created, foreign keys switched on,
write-ahead logging (readers never wait for the job threads writing progress) and a
generous busy timeout. Under WAL it syncs at checkpoints rather than at every commit
(``synchronous=NORMAL``): a commit survives the process crashing; only a power cut or an
OS crash may lose the last commits (the file stays whole). A store that must keep every
commit through a power cut says so in its URL:
``sqlite:///var/assistant.db?synchronous=full`` (README.md, the settings table). Sessions
keep the sqlite3 driver's default transaction handling, which only locks the file at the
first write. Migrations instead run in one explicit
``BEGIN IMMEDIATE`` transaction, so a half-applied migration never persists and two
processes starting together take turns; on PostgreSQL, where DDL is transactional
anyway, an advisory lock does the same.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Delete, Engine, Update, create_engine, event, make_url
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, StaticPool

from assistant.errors import AuditLogIsAppendOnly, StoreError
from assistant.store.models import AuditEntry

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "create_store_engine",
    "current_revision",
    "head_revision",
    "loop_read_engine",
    "migrate",
    "session_factory",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
#: ``?synchronous=`` in a SQLite store's URL: when commits reach the disk (SQLite's names).
SQLITE_SYNCHRONOUS = ("normal", "full", "extra")
#: How long a read made on an event loop waits for a lock before it is handed to a
#: thread instead (WAL readers almost never wait: only while a crashed writer's WAL is
#: recovered, say).
LOOP_READ_BUSY_TIMEOUT_SECONDS = 0.05
# Any fixed 64-bit number: serialises concurrent `migrate()` calls on one PostgreSQL database.
_MIGRATION_LOCK_KEY = 0x61_73_73_69_73_74  # "assist"


def _sqlite_in_memory(url: URL) -> bool:
    return (url.database or "") in ("", ":memory:") or url.query.get("mode") == "memory"


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the store at ``url`` (SQLite or PostgreSQL); dispose it when done.

    An in-memory SQLite URL (``sqlite://``) gets one shared connection, so tests can
    ``migrate(engine)`` and use it from several threads.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)
    if _sqlite_in_memory(parsed):  # one connection for every thread, or each sees its own
        kwargs["poolclass"] = StaticPool
    elif parsed.database and not parsed.database.startswith("file:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    synchronous = str(parsed.query.get("synchronous", "normal")).lower()
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise StoreError(
            f"The store URL's synchronous={synchronous!r} is not one of "
            f"{', '.join(SQLITE_SYNCHRONOUS)}; check ASSISTANT_DATABASE_URL."
        )
    parsed = parsed.difference_update_query(["synchronous"])
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
    connect_args.setdefault("check_same_thread", False)  # the pool hands connections across
    engine = create_engine(parsed, connect_args=connect_args, **kwargs)

    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            _use_wal(cursor)
            cursor.execute(f"PRAGMA synchronous = {synchronous.upper()}")  # a known name
        finally:
            cursor.close()

    event.listen(engine, "connect", on_connect)
    return engine


def loop_read_engine(url: str) -> Engine | None:
    """An engine of one connection for short reads made on an event loop, where nothing
    may wait (a status poll: one prepared SELECT, about 0.1 ms, less than handing it to
    a thread): for a SQLite file only; None for PostgreSQL (a network round trip) and
    in-memory SQLite (a second connection would see another database).

    Its one connection is never shared between threads, so no read waits for the pool;
    it gives up on a lock after ``LOOP_READ_BUSY_TIMEOUT_SECONDS`` (an
    ``OperationalError``), and its caller reads on a thread instead. Only one thread (the
    loop's) may use it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or _sqlite_in_memory(parsed):
        return None
    return create_store_engine(
        url,
        poolclass=StaticPool,
        connect_args={"timeout": LOOP_READ_BUSY_TIMEOUT_SECONDS},
    )


def _use_wal(cursor: Any) -> None:
    """Switch to WAL, retrying while another connection holds the lock.

    Changing the journal mode needs an exclusive lock and does not wait on the busy
    timeout, so processes opening a new store together can see "database is locked".
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() in ("wal", "memory"):
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` that also refuse bulk UPDATE/DELETE of the audit log.

    ``expire_on_commit=False``: objects stay readable after a commit, which is what the
    faces want (render the export that was just saved without another query).
    """
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "do_orm_execute", _refuse_bulk_audit_changes)
    return factory


def _refuse_bulk_audit_changes(state: ORMExecuteState) -> None:
    statement = state.statement
    # ORM statements carry an annotated copy of the table: compare by name.
    if (
        isinstance(statement, Update | Delete)
        and getattr(statement.table, "name", None) == AuditEntry.__tablename__
    ):
        raise AuditLogIsAppendOnly("changed" if isinstance(statement, Update) else "deleted")


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration, built in code: no ``alembic.ini`` is needed anywhere.

    With ``connection`` the migrations run on it (inside the caller's transaction);
    otherwise ``env.py`` opens ``url``. Writing the next migration, from the repository::

        from alembic import command
        command.revision(alembic_config(url="sqlite:///var/dev.db"), "add schedules",
                         autogenerate=True)
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(target: str | Engine) -> str:
    """Bring the store at ``target`` (a URL or an engine) to the newest migration.

    Returns the revision. Idempotent (an up-to-date database is left alone) and safe
    when several processes start at once. Raises :class:`StoreError` naming the database
    when it cannot be reached or was migrated by a newer version of the assistant.
    """
    engine = create_store_engine(target, poolclass=NullPool) if isinstance(target, str) else target
    try:
        with engine.connect() as connection, connection.begin():
            _lock_for_migration(connection)
            command.upgrade(alembic_config(connection), "head")
            revision = MigrationContext.configure(connection).get_current_revision()
    except CommandError as exc:
        raise StoreError(
            f"The store at {_display(engine.url)} is at a migration this version does not "
            f"know ({exc}). Upgrade the assistant or point ASSISTANT_DATABASE_URL elsewhere."
        ) from exc
    except SQLAlchemyError as exc:
        raise StoreError(
            f"Cannot migrate the store at {_display(engine.url)}: {exc.__class__.__name__}: "
            f"{getattr(exc, 'orig', exc)}. Check ASSISTANT_DATABASE_URL and that the "
            "database is running."
        ) from exc
    finally:
        if isinstance(target, str):
            engine.dispose()
    assert revision is not None
    return revision


def _lock_for_migration(connection: Connection) -> None:
    """Make the whole migration one transaction that concurrent starts wait for."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
    elif connection.dialect.name == "sqlite":
        # sqlite3 would otherwise run each CREATE outside any transaction; an explicit
        # BEGIN IMMEDIATE takes the write lock now (waiting for another starter's) and
        # holds every statement until the commit.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
