"""Every query typed into the chat meets the guard: attacks are refused in words and the
source database is left byte for byte as it was (SQLite) or unchanged (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from assistant import open_conversation
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.store import migrate
from exporters.sources.url import parse_url
from tests.exporters.test_guard import ATTACKS

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)
TYPED = sorted({sql for sql, _ in ATTACKS if sql.strip()})


def _chat_refuses_everything(settings: Settings) -> None:
    with open_conversation(settings, "mallory", clock=lambda: NOW, mode="rules") as chat:
        for sql in TYPED:
            reply = chat.handle(sql)
            assert (reply.table, reply.export, reply.choices) == (None, None, None), sql
            assert reply.text, sql


def test_at_least_25_attacks_are_refused_on_sqlite(tmp_path: Path) -> None:
    assert len(TYPED) >= 25
    demo = build_demo(tmp_path / "demo.db", 200, today=NOW.date())
    before = hashlib.sha256(demo.read_bytes()).hexdigest()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=f"sqlite:///{demo}",
        storage_dir=tmp_path / "files",
    )
    migrate(settings.database_url)
    _chat_refuses_everything(settings)
    assert hashlib.sha256(demo.read_bytes()).hexdigest() == before


def test_attacks_are_refused_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    info = parse_url(postgres_url).conninfo
    with psycopg.connect(info, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS orders, customers")
        connection.execute("CREATE TABLE orders (id bigint, amount numeric(10,2))")
        connection.execute("CREATE TABLE customers (id bigint, name text)")
        connection.execute("INSERT INTO orders VALUES (1, 9.99), (2, 19.99)")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=postgres_url,
        storage_dir=tmp_path / "files",
    )
    migrate(settings.database_url)
    try:
        _chat_refuses_everything(settings)
        with psycopg.connect(info) as connection:
            rows = connection.execute("SELECT id, amount FROM orders ORDER BY id").fetchall()
            tables = connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
        assert [(r[0], str(r[1])) for r in rows] == [(1, "9.99"), (2, "19.99")]
        assert tables is not None
    finally:
        with psycopg.connect(info, autocommit=True) as connection:
            connection.execute("DROP TABLE IF EXISTS orders, customers")
