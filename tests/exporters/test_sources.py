"""Reading guarded queries: declared types, database-level defences, time limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot

from exporters import InvalidQuery, QueryRejected, QueryTimeout, open_query
from exporters.guard import CheckedQuery
from exporters.sources import count_rows, postgres, sqlite, sqlite_fast
from exporters.sources.url import parse_url

SCHEMA = """
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total DECIMAL(12,2),
  weight REAL, day DATE, created_at DATETIME, paid BOOLEAN, note TEXT);
INSERT INTO orders VALUES
  (1, 'Ada', 12.3, 1.5, '2026-11-18', '2026-11-18 15:30:00', 1, NULL),
  (2, 'Дмитрий', '0.05', NULL, '2026-01-02', '2026-01-02 08:00:00.250', 0, ''),
  (3, '王小明', NULL, 2, NULL, NULL, NULL, '=1+2');
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    connection.close()
    return path


def read(url: str, sql: str) -> pa.Table:
    with open_query(url, sql) as stream:
        return stream.reader.read_all()


EXPECTED_TYPES = {
    "id": pa.int64(),
    "customer": pa.string(),
    "total": pa.decimal128(12, 2),
    "weight": pa.float64(),
    "day": pa.date32(),
    "created_at": pa.timestamp("us"),
    "paid": pa.bool_(),
    "note": pa.string(),
}


@pytest.mark.parametrize("lane", ["duckdb", "sqlite"])
def test_sqlite_types_come_from_declared_types(
    db: Path, lane: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if lane == "sqlite":
        monkeypatch.setenv("EXPORTERS_NO_DUCKDB", "1")
    monkeypatch.setattr(sqlite_fast, "MIN_ROWS", 0)  # the lane for a table this small too
    table = read(f"sqlite:///{db}", "SELECT * FROM orders ORDER BY id")
    assert dict(zip(table.column_names, table.schema.types, strict=True)) == EXPECTED_TYPES
    assert table.column("total").to_pylist() == [Decimal("12.30"), Decimal("0.05"), None]
    assert table.column("created_at").to_pylist()[:2] == [
        dt.datetime(2026, 11, 18, 15, 30),
        dt.datetime(2026, 1, 2, 8, 0, 0, 250000),
    ]
    assert table.column("paid").to_pylist() == [True, False, None]
    assert table.column("note").to_pylist() == [None, "", "=1+2"]
    assert table.column("customer").to_pylist() == ["Ada", "Дмитрий", "王小明"]


def test_expressions_are_typed_and_computed_by_sqlite(db: Path) -> None:
    table = read(
        f"sqlite:///{db}",
        "SELECT count(*) AS n, sum(total) AS s, upper(customer) AS u,"
        " 7 / 2 AS half FROM orders GROUP BY customer ORDER BY customer",
    )
    assert table.schema.field("n").type == pa.int64()
    assert table.schema.field("s").type == pa.decimal128(38, 2)
    assert table.column("half").to_pylist() == [3, 3, 3]  # SQLite's integer division


def test_batches_stream_in_the_asked_size(db: Path) -> None:
    with open_query(f"sqlite:///{db}", "SELECT id FROM orders", batch_size=2) as stream:
        assert [b.num_rows for b in stream] == [2, 1]


def test_count_rows(db: Path) -> None:
    checked = CheckedQuery(
        "SELECT * FROM orders WHERE id > 1",
        sqlglot.parse_one("SELECT * FROM orders WHERE id > 1"),
        "sqlite",
    )
    assert count_rows(f"sqlite:///{db}", checked) == 2


def test_missing_table_or_database_is_bad_input(db: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidQuery, match="no such table: nope"):
        read(f"sqlite:///{db}", "SELECT * FROM nope")
    with pytest.raises(Exception, match="there is no SQLite database"):
        read(f"sqlite:///{tmp_path / 'missing.db'}", "SELECT 1")
    assert not (tmp_path / "missing.db").exists()


def unguarded(sql: str, dialect: str = "sqlite") -> CheckedQuery:
    """A query as if the guard had let it through: tests the database's own defences."""
    return CheckedQuery(sql, sqlglot.parse_one(sql, read=dialect), dialect)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM orders",
        "INSERT INTO orders (id) VALUES (9)",
        "ATTACH DATABASE '/tmp/evil.db' AS evil",
        "PRAGMA writable_schema = 1",
        "SELECT load_extension('x')",
        "CREATE TABLE t (a)",
    ],
)
def test_sqlite_authorizer_refuses_what_the_guard_might_miss(db: Path, sql: str) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises((QueryRejected, InvalidQuery)):
        sqlite.open_sqlite(parse_url(f"sqlite:///{db}"), unguarded(sql), batch_size=10, timeout=5)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not Path("/tmp/evil.db").exists()


def test_sqlite_time_limit_stops_a_runaway_query(db: Path) -> None:
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    )
    with pytest.raises(QueryTimeout, match=r"longer than 0\.2 seconds"):
        sqlite.open_sqlite(
            parse_url(f"sqlite:///{db}"), unguarded(endless), batch_size=10, timeout=0.2
        )


# ------------------------------------------------------------------ PostgreSQL


@pytest.fixture
def pg(postgres_url: str) -> str:
    import psycopg

    info = parse_url(postgres_url).conninfo
    with psycopg.connect(info, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS export_orders")
        connection.execute("DROP SEQUENCE IF EXISTS export_seq")
        connection.execute("CREATE SEQUENCE export_seq")
        connection.execute(
            "CREATE TABLE export_orders (id bigint, customer text, total numeric(12,2),"
            " amount numeric, weight double precision, day date, created_at timestamp,"
            " paid_at timestamptz, paid boolean, meta jsonb)"
        )
        connection.execute(
            "INSERT INTO export_orders VALUES (9007199254740993, 'Дмитрий', 12.30, 1.123456789012,"
            " 1.5, '2026-11-18', '2026-11-18 15:30:00', '2026-11-18 15:30:00+01', true,"
            " '{\"a\": 1}'), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
        )
    return postgres_url


def test_postgres_types_and_values(pg: str) -> None:
    table = read(pg, "SELECT * FROM export_orders ORDER BY id DESC")
    assert table.schema.field("total").type == pa.decimal128(12, 2)
    assert table.schema.field("paid_at").type == pa.timestamp("us", tz="UTC")
    first = table.to_pylist()[0]
    assert first["id"] == 9007199254740993 and first["customer"] == "Дмитрий"
    assert first["total"] == Decimal("12.30") and first["amount"] == Decimal("1.123456789012")
    assert first["paid_at"] == dt.datetime(2026, 11, 18, 14, 30, tzinfo=dt.UTC)
    assert first["meta"] == '{"a": 1}'
    assert table.to_pylist()[1]["customer"] is None


def test_postgres_read_only_transaction_refuses_writes(pg: str) -> None:
    url = parse_url(pg)
    with pytest.raises(QueryRejected, match="read-only"):
        postgres.open_postgres(
            url, unguarded("SELECT nextval('export_seq')", "postgres"), batch_size=10, timeout=5
        )
    with pytest.raises((QueryRejected, InvalidQuery)):  # a cursor cannot even hold a DELETE
        postgres.open_postgres(
            url, unguarded("DELETE FROM export_orders", "postgres"), batch_size=10, timeout=5
        )
    assert read(pg, "SELECT count(*) AS n FROM export_orders").column("n").to_pylist() == [2]


def test_postgres_statement_timeout(pg: str) -> None:
    with pytest.raises(QueryTimeout):
        postgres.open_postgres(
            parse_url(pg), unguarded("SELECT pg_sleep(5)", "postgres"), batch_size=10, timeout=0.2
        )


def test_postgres_guard_refuses_before_the_database(pg: str) -> None:
    with pytest.raises(QueryRejected):
        read(pg, "DROP TABLE export_orders")
    assert read(pg, "SELECT count(*) AS n FROM export_orders").column("n").to_pylist() == [2]


def test_every_guard_attack_is_refused_on_postgres_and_changes_nothing(pg: str) -> None:
    import psycopg

    from .test_guard import ATTACKS

    def snapshot() -> tuple[object, ...]:
        with psycopg.connect(parse_url(pg).conninfo) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
            rows = connection.execute("SELECT count(*), sum(id) FROM export_orders").fetchone()
            sequence = connection.execute("SELECT last_value FROM export_seq").fetchone()
        return (tables, rows, sequence)

    before = snapshot()
    for sql, _ in ATTACKS:
        with pytest.raises(QueryRejected):
            read(pg, sql.replace("orders", "export_orders"))
    assert snapshot() == before


def test_the_duckdb_lane_is_installed_and_matches_duckdb() -> None:
    # A DuckDB upgrade without its matching scanner wheel would silently fall back to the
    # (correct but ~2.5x slower) sqlite3 lane; this keeps that from going unnoticed.
    assert sqlite_fast.extension() is not None


@pytest.mark.parametrize("lane", ["duckdb", "sqlite"])
def test_a_batch_of_whole_decimal_amounts_keeps_the_declared_type(
    tmp_path: Path, lane: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if lane == "sqlite":
        monkeypatch.setenv("EXPORTERS_NO_DUCKDB", "1")
    monkeypatch.setattr(sqlite_fast, "MIN_ROWS", 0)  # the lane for a table this small too
    path = tmp_path / "whole.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE t (id INTEGER, discount DECIMAL(5,2));"
            "INSERT INTO t VALUES (1, 5), (2, 10), (3, NULL);"
        )
    connection.close()
    table = read(f"sqlite:///{path}", "SELECT discount FROM t WHERE id > 0 ORDER BY id")
    assert table.schema.field("discount").type == pa.decimal128(5, 2)
    assert table.column("discount").to_pylist() == [Decimal("5.00"), Decimal("10.00"), None]


def test_fast_false_keeps_a_small_read_in_sqlite(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_duckdb(*args: object) -> None:
        raise AssertionError("the DuckDB lane must not start for fast=False")

    monkeypatch.setattr(sqlite_fast, "open_lane", no_duckdb)
    with open_query(f"sqlite:///{db}", "SELECT * FROM orders", batch_size=2, fast=False) as s:
        assert next(iter(s)).num_rows == 2
