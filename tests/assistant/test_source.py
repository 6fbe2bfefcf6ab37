"""The data source: previews with full counts, full reads, the guard in front of both."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from assistant.source.datasource import DataSource
from assistant.source.demo import build_demo
from exporters import BadInput, QueryRejected


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db", 300, today=dt.date(2026, 11, 18))


def test_preview_shows_the_first_rows_and_counts_them_all(demo: Path) -> None:
    source = DataSource(f"sqlite:///{demo}", preview_rows=10)
    preview = source.preview("SELECT id, status, total FROM orders ORDER BY id")
    with sqlite3.connect(demo) as db:
        expected = db.execute("SELECT count(*) FROM orders").fetchone()[0]
        first = db.execute("SELECT id, status FROM orders ORDER BY id LIMIT 10").fetchall()
    db.close()
    assert preview.columns == ["id", "status", "total"]
    assert preview.types == ["int64", "string", "decimal128(12, 2)"]
    assert [tuple(row[:2]) for row in preview.rows] == first
    assert preview.row_count == expected
    assert preview.query.sql.startswith("SELECT")


def test_a_small_result_is_counted_without_a_second_pass(demo: Path) -> None:
    preview = DataSource(f"sqlite:///{demo}").preview("SELECT 1 AS one")
    assert (preview.rows, preview.row_count) == ([[1]], 1)


def test_open_streams_the_whole_result(demo: Path) -> None:
    with DataSource(f"sqlite:///{demo}").open("SELECT id FROM orders", batch_size=100) as stream:
        rows = sum(batch.num_rows for batch in stream)
    assert rows == 300


def test_writes_are_refused_before_the_database(demo: Path) -> None:
    for sql in ("DELETE FROM orders", "SELECT 1; DROP TABLE orders"):
        with pytest.raises(QueryRejected):
            DataSource(f"sqlite:///{demo}").preview(sql)


def test_a_preview_of_huge_values_is_bounded_and_says_it_is_cut(demo: Path) -> None:
    from assistant.source.datasource import CUT_MARK, PREVIEW_CELL_CHARS

    source = DataSource(f"sqlite:///{demo}")
    preview = source.preview(
        "SELECT zeroblob(3000000) AS blob, printf('%.*c', 5000000, 'x') AS text, 7 AS n"
    )
    blob, text, n = preview.rows[0]
    assert blob == "00" * (PREVIEW_CELL_CHARS // 2) + CUT_MARK
    assert text == "x" * PREVIEW_CELL_CHARS + CUT_MARK and n == 7
    whole = source.preview("SELECT printf('%.*c', 2000, 'y') AS exact")  # not longer: whole
    assert whole.rows == [["y" * 2000]]
    with pytest.raises(BadInput, match="export the query"):  # over 16 MiB: never built
        source.preview("SELECT zeroblob(300000000) AS blob")


def test_a_preview_stops_adding_rows_at_its_character_budget(demo: Path) -> None:
    from assistant.source.datasource import PREVIEW_CHARS

    preview = DataSource(f"sqlite:///{demo}", preview_rows=1000).preview(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
        " SELECT printf('%.*c', 1900, 'z') AS wide FROM n"
    )
    assert 0 < len(preview.rows) < 1000 and preview.row_count == 1000
    assert sum(len(row[0]) for row in preview.rows) <= PREVIEW_CHARS


def test_a_preview_keeps_repeated_column_names_apart(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);"
            "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, name TEXT);"
            "INSERT INTO a VALUES (1, 'alice'); INSERT INTO b VALUES (99, 1, 'order-99');"
        )
    db.close()
    preview = DataSource(f"sqlite:///{path}").preview("SELECT * FROM a JOIN b ON b.a_id = a.id")
    assert preview.columns == ["id", "name", "id", "a_id", "name"]
    assert preview.rows == [[1, "alice", 99, 1, "order-99"]]


def test_open_with_learned_types_reads_in_sqlite_with_them(demo: Path) -> None:
    import pyarrow as pa

    source = DataSource(f"sqlite:///{demo}")
    with source.open("SELECT id FROM orders", column_types={0: pa.string()}) as stream:
        assert stream.schema.types == [pa.string()] and not stream.fast_lane


def test_a_sql_ascii_database_reads_as_text_in_its_catalog_preview_and_values(
    sql_ascii_url: str,
) -> None:
    source = DataSource(sql_ascii_url)
    people = next(t for t in source.schema.tables if t.name == "people")
    assert [c.name for c in people.columns][:3] == ["id", "name", "code"]
    preview = source.preview("SELECT name, code FROM people ORDER BY id")
    assert [tuple(row) for row in preview.rows] == [
        ("plain", "A1"),
        ("café 東京", "B2"),
        ("Grüße", "été"),
    ]
    assert source.values.distinct("people", "code") == ("A1", "B2", "été")
    # A table whose name such a session cannot send is left out of the index, said so.
    assert "café" in [t.name for t in source.schema.tables]
    assert ("café", "größe") in source.values.skipped
