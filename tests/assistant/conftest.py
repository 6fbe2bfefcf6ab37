"""Fixtures for the engine's tests: a demo source, a fresh store, a conversation."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from assistant import Conversation, open_conversation
from assistant.jobs import InProcessRunner, JobEventRouter
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.store import migrate
from tests.databases import throwaway_database

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)  # a Wednesday
#: A mail server set up but never reached: email schedules may be stored (issue 19 refuses
#: them without ASSISTANT_SMTP_URL); tests that send use a real one (tests/.../mailbox.py).
MAIL_SET_UP = "smtp://127.0.0.1:9"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-order demo database ending on NOW's day, shared by a test module."""
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db", 400, today=NOW.date())


@pytest.fixture
def settings(tmp_path: Path, demo_db: Path) -> Settings:
    """Settings with a fresh, migrated store and files under this test's folder."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=f"sqlite:///{demo_db}",
        storage_dir=tmp_path / "files",
    )
    migrate(settings.database_url)
    return settings


@pytest.fixture
def chat(settings: Settings) -> Iterator[Conversation]:
    """Ana's conversation at NOW, rules only."""
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as conversation:
        yield conversation


@pytest.fixture(scope="session")
def pg_database(postgres_url: str) -> Iterator[URL]:
    """A database created for these tests (store, schedules) and dropped after them."""
    with throwaway_database(postgres_url, "test_store") as url:
        yield url


def pg_schema_url(database: URL) -> str:
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


@pytest.fixture
def blocked(settings: Settings) -> Iterator[Conversation]:
    """Ana's conversation whose one running slot is taken: her exports wait in the queue."""
    release = threading.Event()
    router = JobEventRouter()
    runner = InProcessRunner(per_owner=1, on_event=router)
    try:
        with open_conversation(
            settings, "ana", clock=lambda: NOW, mode="rules", runner=runner, events=router
        ) as chat:
            runner.submit(str(chat.user_id), "blocker", lambda control: release.wait(30))
            yield chat
            release.set()
    finally:
        release.set()
        runner.shutdown(wait=True)
