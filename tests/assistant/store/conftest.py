"""Store fixtures: every test runs on SQLite and on PostgreSQL, from an empty store.

PostgreSQL: one fresh database for the test session, dropped afterwards, so nothing is
left behind. Inside it, tests of migrations get a fresh empty schema each (chosen through
``search_path``); the other tests share one schema per module, migrated once and wiped
before each test. Wiping switches the audit log's trigger off for the moment, which
only the table's owner may do; the app never does it. SQLite: the migrated file is
copied per test.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from assistant.store import Base, User, create_store_engine, migrate, session_factory

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def pg_database(postgres_url: str) -> Iterator[URL]:
    """A database created for the store's tests and dropped after them."""
    base = make_url(postgres_url)
    name = f"test_store_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield base.set(database=name)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _pg_schema_url(database: URL) -> str:
    """A new schema in the tests' database (dropped with it: no per-test teardown)."""
    schema = f"s_{secrets.token_hex(6)}"
    admin = create_engine(database, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    finally:
        admin.dispose()
    # No waiting for the disk at each commit: the database is thrown away anyway.
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    url = database.update_query_dict({"options": options})
    return url.render_as_string(hide_password=False)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store database, not migrated yet."""
    if backend == "sqlite":
        return _sqlite_url(tmp_path / "var" / "assistant.db")
    return _pg_schema_url(request.getfixturevalue("pg_database"))


@pytest.fixture(scope="module")
def migrated_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A store migrated once per module: a file to copy, or a schema to wipe."""
    if backend == "sqlite":
        url = _sqlite_url(tmp_path_factory.mktemp("store") / "migrated.db")
    else:
        url = _pg_schema_url(request.getfixturevalue("pg_database"))
    migrate(url)
    return url


def _wipe(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")


@pytest.fixture
def engine(backend: str, migrated_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a migrated, empty store."""
    url = migrated_url
    if backend == "sqlite":
        path = tmp_path / "assistant.db"
        shutil.copyfile(make_url(migrated_url).database or "", path)
        url = _sqlite_url(path)
    engine = create_store_engine(url)
    try:
        if backend == "postgresql":
            _wipe(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def ana(session: Session) -> User:
    user = User(name="ana", email="ana@example.com", created_at=NOW)
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def bo(session: Session) -> User:
    user = User(name="bo", created_at=NOW)
    session.add(user)
    session.commit()
    return user
