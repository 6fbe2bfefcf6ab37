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
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from assistant.store import Base, User, create_store_engine, migrate, session_factory
from tests.assistant.conftest import pg_schema_url

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store database, not migrated yet."""
    if backend == "sqlite":
        return _sqlite_url(tmp_path / "var" / "assistant.db")
    return pg_schema_url(request.getfixturevalue("pg_database"))


@pytest.fixture(scope="module")
def migrated_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A store migrated once per module: a file to copy, or a schema to wipe."""
    if backend == "sqlite":
        url = _sqlite_url(tmp_path_factory.mktemp("store") / "migrated.db")
    else:
        url = pg_schema_url(request.getfixturevalue("pg_database"))
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
