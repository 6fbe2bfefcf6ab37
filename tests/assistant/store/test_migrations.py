"""Migrations: applied on an empty database, idempotent, and in step with the models."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from assistant.errors import StoreError
from assistant.store import (
    Base,
    alembic_config,
    create_store_engine,
    current_revision,
    head_revision,
    migrate,
)

HEAD = "0007"  # the newest migration

TABLES = {
    "alembic_version",
    "api_keys",
    "audit_log",
    "conversations",
    "export_cursors",
    "exports",
    "messages",
    "preferences",
    "query_runs",
    "schedule_runs",
    "schedules",
    "templates",
    "users",
}


def _tables(url: str) -> set[str]:
    engine = create_store_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_creates_every_table_on_an_empty_database(store_url: str) -> None:
    assert _tables(store_url) == set()
    assert migrate(store_url) == head_revision() == HEAD
    assert _tables(store_url) == TABLES


def test_migrate_is_idempotent(store_url: str) -> None:
    migrate(store_url)
    assert migrate(store_url) == HEAD
    assert _tables(store_url) == TABLES


def test_concurrent_starts_take_turns(store_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            migrate(store_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _tables(store_url) == TABLES


def test_models_and_migration_agree(engine: Engine) -> None:
    """Autogenerate finds nothing to do: the migration creates exactly the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_empty_and_up_again(store_url: str) -> None:
    migrate(store_url)
    engine = create_store_engine(store_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert _tables(store_url) == {"alembic_version"}
        assert current_revision(engine) is None
        migrate(store_url)
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_sqlite_parent_folder_is_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'assistant.db'}"
    migrate(url)
    assert (tmp_path / "a" / "b" / "assistant.db").is_file()


def test_a_newer_database_is_refused_with_a_clear_message(store_url: str) -> None:
    migrate(store_url)
    engine = create_store_engine(store_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match="migration this version does not know"):
        migrate(store_url)


def test_an_unreachable_database_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "folder.db").mkdir()
    with pytest.raises(StoreError, match="Check ASSISTANT_DATABASE_URL"):
        migrate(f"sqlite:///{tmp_path / 'folder.db'}")


def test_alembic_config_with_a_url_runs_env_without_a_connection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    command.upgrade(alembic_config(url=url), "head")
    assert _tables(url) == TABLES


def test_a_failing_migration_leaves_nothing_behind(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole upgrade is one transaction, on SQLite too: no half-made schema."""

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Operations, "execute", fail)  # the last step: the audit triggers
    with pytest.raises(RuntimeError, match="disk on fire"):
        migrate(store_url)
    assert _tables(store_url) == set()


def test_an_in_memory_store_is_migrated_through_its_engine() -> None:
    engine = create_store_engine("sqlite://")
    try:
        assert migrate(engine) == HEAD
        assert set(inspect(engine).get_table_names()) == TABLES
        assert migrate(engine) == HEAD
    finally:
        engine.dispose()
