"""The data source: previews with full counts, full reads, the guard in front of both."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from assistant.demo import build_demo
from assistant.source import DataSource
from exporters import QueryRejected


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
