"""Opening the store: SQLite's durability setting, and the engine the API reads a status
with on its event loop."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from assistant.errors import StoreError
from assistant.store import create_store_engine, loop_read_engine, migrate


def _synchronous(url: str) -> int:
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("PRAGMA synchronous")).scalar_one())
    finally:
        engine.dispose()


def test_a_sqlite_store_syncs_at_checkpoints_unless_its_url_asks_for_every_commit(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert _synchronous(url) == 1  # NORMAL: safe when the process crashes (WAL)
    assert _synchronous(f"{url}?synchronous=full") == 2  # FULL: and through a power cut
    assert _synchronous(f"{url}?synchronous=EXTRA") == 3
    with pytest.raises(StoreError, match="synchronous='off' is not one of normal, full"):
        create_store_engine(f"{url}?synchronous=off")


def test_status_reads_stay_on_the_event_loop_only_for_a_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}?synchronous=full"
    migrate(url)
    engine = loop_read_engine(url)
    assert engine is not None
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM exports")).scalar_one() == 0
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() == 50
            assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2
    finally:
        engine.dispose()
    assert loop_read_engine("sqlite://") is None  # a second connection: another database
    assert loop_read_engine("postgresql+psycopg://u@127.0.0.1/db") is None  # the network
