"""``SELECT * FROM a JOIN b``: repeated column names keep their own values, in every format,
on SQLite and PostgreSQL, read back by independent readers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from exporters import export, open_query
from exporters.sources.url import parse_url

from .test_northwind import READERS

JOIN = "SELECT * FROM a JOIN b ON b.a_id = a.id ORDER BY b.id"
EXPECTED = [[1, "alice", 99, 1, "order-99"], [1, "alice", 100, 1, "order-100"]]
SCRIPT = (
    "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);"
    "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, name TEXT);"
    "INSERT INTO a VALUES (1, 'alice'), (2, 'bob');"
    "INSERT INTO b VALUES (99, 1, 'order-99'), (100, 1, 'order-100');"
)
UNIQUE = ["id", "name", "id_2", "a_id", "name_2"]
AS_GIVEN = ["id", "name", "id", "a_id", "name"]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    path = tmp_path / "join.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCRIPT)
    db.close()
    return f"sqlite:///{path}"


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS b; DROP TABLE IF EXISTS a")
        for statement in SCRIPT.replace("INTEGER PRIMARY KEY", "integer PRIMARY KEY").split(";"):
            if statement.strip():
                connection.execute(statement)
    return postgres_url


@pytest.mark.parametrize("fmt", sorted(READERS))
@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_each_column_keeps_its_own_values(
    request: pytest.FixtureRequest, tmp_path: Path, engine: str, fmt: str
) -> None:
    url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url")
    with open_query(url, JOIN) as stream:
        result = export(stream, tmp_path / f"join.{fmt}", fmt)
    header, rows = READERS[fmt](result.path)
    unique = fmt in ("json", "jsonl", "parquet", "xlsx")
    assert header == (UNIQUE if unique else AS_GIVEN)
    assert [[_plain(cell) for cell in row] for row in rows] == EXPECTED
    renamed = "column 3 (id) is named id_2, column 5 (name) is named name_2"
    assert result.notes == (
        (f"repeated column names were made unique: {renamed}",) if unique else ()
    )


def _plain(cell: object) -> object:
    return int(cell) if isinstance(cell, str) and cell.isdigit() else cell
