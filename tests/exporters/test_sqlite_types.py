"""SQLite columns typed by the values they hold: untyped (CTAS), mixed and mismatched columns.

Every expectation is what Python's sqlite3 module returns for the same query, so the
tests compare our Arrow values with SQLite itself, on both lanes (DuckDB's scanner and
sqlite3 rows), and through files written by the exporter.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exporters import SourceError, TypesChanged, export, open_query
from exporters.sources import sqlite_fast

from .test_northwind import READERS, same


def make_db(path: Path, script: str) -> str:
    with sqlite3.connect(path) as connection:
        connection.executescript(script)
    connection.close()
    return f"sqlite:///{path}"


def read(url: str, sql: str, **kwargs: Any) -> tuple[pa.Table, list[str]]:
    with open_query(url, sql, **kwargs) as stream:
        return stream.read_all(), stream.notes


def sqlite_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        rows = connection.execute(sql).fetchall()
    connection.close()
    return rows


@pytest.fixture(params=["duckdb", "sqlite"])
def lane(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlite":
        monkeypatch.setenv("EXPORTERS_NO_DUCKDB", "1")
    else:  # small test tables: take the lane whatever their size
        monkeypatch.setattr(sqlite_fast, "MIN_ROWS", 0)
    return str(request.param)


CTAS = """
CREATE TABLE src (x INTEGER, y TEXT, z REAL, b BLOB);
INSERT INTO src VALUES (501, 'abc', 2.5, x'00ff'), (7, '', 0.1, NULL);
CREATE TABLE t AS SELECT x + 0 AS n, y || '' AS s, z * 1 AS r, b AS raw, x AS x2 FROM src;
"""


def test_untyped_ctas_columns_keep_their_values(tmp_path: Path, lane: str) -> None:
    url = make_db(tmp_path / "t.db", CTAS)
    table, notes = read(url, "SELECT * FROM t")
    assert table.schema.types == [pa.int64(), pa.string(), pa.float64(), pa.binary(), pa.int64()]
    assert [tuple(row.values()) for row in table.to_pylist()] == sqlite_rows(url, "SELECT * FROM t")
    assert notes == []
    out = tmp_path / "t.csv"
    export(table, out, "csv", {"line_terminator": "lf"})
    assert out.read_text() == "n,s,r,raw,x2\n501,abc,2.5,00ff,501\n7,,0.1,,7\n"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1 AS v UNION ALL SELECT 2.5", ["1", "2.5"]),  # becomes float64: 1.0, 2.5
        ("SELECT 1 AS v UNION ALL SELECT 'abc'", ["1", "abc"]),
        ("SELECT 0.1 + 0.2 AS v UNION ALL SELECT 'x'", ["0.30000000000000004", "x"]),
        ("SELECT x'616263' AS v UNION ALL SELECT 'abc'", ["616263", "abc"]),
        ("SELECT 9007199254740993 AS v UNION ALL SELECT 0.5", ["9007199254740993", "0.5"]),
    ],
)
def test_a_column_of_several_kinds_is_exact(tmp_path: Path, sql: str, expected: list[str]) -> None:
    url = make_db(tmp_path / "m.db", "CREATE TABLE unused (a);")
    table, notes = read(url, sql)
    column = table.column("v")
    if pa.types.is_floating(column.type):
        assert column.to_pylist() == [value for (value,) in sqlite_rows(url, sql)]
    else:
        assert column.type == pa.string() and column.to_pylist() == expected
        assert notes and "written as text" in notes[0]


MISMATCHED = """
CREATE TABLE m (id INTEGER PRIMARY KEY, price DECIMAL(6,2), day DATE, at DATETIME,
  flag BOOLEAN, label TEXT, blob BLOB, num NUMERIC);
INSERT INTO m VALUES
  (1, 12.3, '2026-01-02', '2026-01-02 10:00:00', 1, 'a', x'01', 5),
  (2, 0.1 + 0.2, '2026-01-02 12:30:00', '2026-01-02T10:00:00+02:00', 2, 42, 'text', 5.5),
  (3, 'n/a', 1700000000, 'later', 0, NULL, NULL, 'seven');
"""


def test_values_that_disagree_with_the_declared_type_are_written_as_stored(
    tmp_path: Path, lane: str
) -> None:
    url = make_db(tmp_path / "m.db", MISMATCHED)
    for row_id, expected in [
        (1, {"price": pa.decimal128(6, 2), "day": pa.date32(), "at": pa.timestamp("us"),
             "flag": pa.bool_(), "label": pa.string(), "blob": pa.binary(), "num": pa.int64()}),
        (2, {"price": pa.float64(), "day": pa.timestamp("us"),
             "at": pa.timestamp("us", tz="UTC"), "flag": pa.int64(), "label": pa.string(),
             "blob": pa.string(), "num": pa.float64()}),
        (3, {"price": pa.string(), "day": pa.int64(), "at": pa.string(), "flag": pa.bool_(),
             "num": pa.string()}),
    ]:  # fmt: skip
        table, _ = read(url, f"SELECT * FROM m WHERE id = {row_id}")
        for name, kind in expected.items():
            assert table.schema.field(name).type == kind, (row_id, name)
    table, _ = read(url, "SELECT price, day, at FROM m WHERE id = 2")
    assert table.to_pylist() == [
        {"price": 0.30000000000000004, "day": dt.datetime(2026, 1, 2, 12, 30),
         "at": dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.UTC)}
    ]  # fmt: skip


def test_the_whole_mismatched_table_reads_as_text_where_kinds_differ(tmp_path: Path) -> None:
    url = make_db(tmp_path / "m.db", MISMATCHED)
    table, notes = read(url, "SELECT * FROM m ORDER BY id")
    assert table.column("price").to_pylist() == ["12.3", "0.30000000000000004", "n/a"]
    assert table.column("day").to_pylist() == ["2026-01-02", "2026-01-02 12:30:00", "1700000000"]
    assert table.column("flag").to_pylist() == [1, 2, 0]
    assert table.column("label").to_pylist() == ["a", "42", None]
    assert table.column("blob").to_pylist() == ["01", "text", None]
    assert any("column 2 (price) holds" in note for note in notes)


def big_db(tmp_path: Path, later: str, column: str = "v TEXT", rows: int = 40_000) -> str:
    """``rows`` ordinary rows, then one whose value is ``later`` (an SQL literal)."""
    script = (
        f"CREATE TABLE big (id INTEGER PRIMARY KEY, {column});"
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})"
        " INSERT INTO big SELECT i, NULL FROM n;"
        f"UPDATE big SET v = id WHERE id % 2 = 0; INSERT INTO big VALUES ({rows + 1}, {later});"
    )
    return make_db(tmp_path / "big.db", script)


@pytest.mark.parametrize(
    ("column", "later", "kind", "last"),
    [
        ("v", "2.5", pa.float64(), 2.5),  # untyped integers, then a real
        ("v", "'text'", pa.string(), "text"),  # untyped integers, then text
        ("v INTEGER", "'N/A'", pa.string(), "N/A"),
        ("v DECIMAL(10,2)", "0.125", pa.float64(), 0.125),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_a_value_after_the_first_batches_widens_the_column_and_the_file_is_redone(
    tmp_path: Path, lane: str, column: str, later: str, kind: pa.DataType, last: Any, fmt: str
) -> None:
    url = big_db(tmp_path, later, column)
    sql = "SELECT v FROM big"
    expected = [value for (value,) in sqlite_rows(url, sql)]
    with open_query(url, sql, batch_size=4096) as stream:
        result = export(stream, tmp_path / f"out.{fmt}", fmt)
    assert result.rows == len(expected)
    text = pa.types.is_string(kind)
    got = _read_back(result.path, fmt, text)
    if text:
        expected = [None if v is None else str(v) for v in expected]
    assert got == expected and got[-1] == last
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _read_back(path: Path, fmt: str, text: bool) -> list[Any]:
    if fmt == "parquet":
        return list(pq.read_table(path).column(0).to_pylist())
    if fmt == "jsonl":
        return [json.loads(line)["v"] for line in path.read_text().splitlines()]
    rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))[1:]
    values: list[Any] = [row[0] if row and row[0] else None for row in rows]
    return values if text else [_number(v) for v in values]


def _number(text: str | None) -> Any:
    if text is None:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def test_a_null_first_column_takes_the_type_of_its_later_values(tmp_path: Path) -> None:
    url = make_db(
        tmp_path / "n.db",
        "CREATE TABLE t (a); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
        " WHERE i < 20000) INSERT INTO t SELECT NULL FROM n; INSERT INTO t VALUES (12.5);",
    )
    with open_query(url, "SELECT a FROM t") as stream:
        result = export(stream, tmp_path / "n.parquet", "parquet")
    column = pq.read_table(result.path).column("a")
    assert column.type == pa.float64() and column.to_pylist()[-1] == 12.5


def test_reading_batches_yourself_gets_a_clear_error_when_types_change(tmp_path: Path) -> None:
    url = big_db(tmp_path, "'text'", "v INTEGER")
    with (
        open_query(url, "SELECT v FROM big", batch_size=4096) as stream,
        pytest.raises(SourceError, match=r"column 1 \(v\) to string") as raised,
    ):
        stream.reader.read_all()
    assert isinstance(raised.value, TypesChanged)


DATES = """
CREATE TABLE d (id INTEGER PRIMARY KEY, day DATE, at DATETIME);
INSERT INTO d VALUES (1, '2026-01-02', '2026-01-02 10:00:00'),
  (2, '2026-01-03', '2026-01-03 10:00:00.5');
"""


@pytest.mark.parametrize(
    ("update", "column", "value"),
    [
        ("UPDATE d SET day = '2026-01-03 12:30:00' WHERE id = 2", "day",
         dt.datetime(2026, 1, 3, 12, 30)),
        ("UPDATE d SET at = '2026-01-03T10:00:00+02:00' WHERE id = 2", "at",
         "2026-01-03T10:00:00+02:00"),
        ("UPDATE d SET at = 1700000000 WHERE id = 2", "at", "1700000000"),
    ],
)  # fmt: skip
def test_dates_duckdb_would_read_lossily_are_read_from_sqlite(
    tmp_path: Path, update: str, column: str, value: Any
) -> None:
    url = make_db(tmp_path / "d.db", DATES + update + ";")
    table, _ = read(url, "SELECT * FROM d")  # the fast lane's shape: one table, rowid order
    assert table.column(column).to_pylist()[1] == value


def test_declared_decimals_and_booleans_keep_their_types(tmp_path: Path, lane: str) -> None:
    url = make_db(
        tmp_path / "k.db",
        "CREATE TABLE k (id INTEGER PRIMARY KEY, amount DECIMAL(12,2), ok BOOLEAN);"
        "INSERT INTO k VALUES (1, 12.3, 1), (2, 5, 0), (3, NULL, NULL);",
    )
    with open_query(url, "SELECT amount, ok FROM k") as stream:
        assert stream.fast_lane is (lane == "duckdb")
        table, notes = stream.read_all(), stream.notes
    assert table.column("amount").to_pylist() == [Decimal("12.30"), Decimal("5.00"), None]
    assert table.column("ok").to_pylist() == [True, False, None]
    assert notes == []


@pytest.mark.parametrize("fmt", sorted(READERS))
@pytest.mark.parametrize("script", [CTAS, MISMATCHED], ids=["ctas", "mismatched"])
def test_untyped_and_mixed_columns_read_back_in_every_format(
    tmp_path: Path, script: str, fmt: str
) -> None:
    url = make_db(tmp_path / "t.db", script)
    table = "t" if script is CTAS else "m"
    sql = f"SELECT * FROM {table}"
    with open_query(url, sql) as stream:
        result = export(stream, tmp_path / f"out.{fmt}", fmt)
        schema = stream.schema
    _, rows = READERS[fmt](result.path)
    expected = sqlite_rows(url, sql)
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        for field, cell, value in zip(schema, got, want, strict=True):
            if cell is None and value in ("", b"") and fmt in ("csv", "tsv", "markdown"):
                continue  # empty and NULL look alike there (the `null` option tells them)
            assert same(field.type, cell, value, fmt), (fmt, field.name, cell, value)


@pytest.mark.parametrize(
    ("where", "fast", "rows"),
    [
        ("id <= 100", False, 100),  # a short rowid range: SQLite reads only it
        ("id > 100", True, 39_901),  # most of the table: DuckDB's scan pays
        ("v IS NULL", True, 20_001),  # no range: a scan either way
    ],
)
def test_a_rowid_range_takes_the_lane_only_when_it_is_large(
    tmp_path: Path, where: str, fast: bool, rows: int
) -> None:
    """The same rows either way; DuckDB (which scans the whole table) only where it pays."""
    url = big_db(tmp_path, "NULL", column="v INTEGER", rows=40_000)
    with open_query(url, f"SELECT id, v FROM big WHERE {where}") as stream:
        assert stream.fast_lane is fast
        table = stream.read_all()
    assert table.num_rows == rows  # 40,000 rows and a last one whose v is NULL
    assert table.column("id").to_pylist() == [
        r[0] for r in sqlite_rows(url, f"SELECT id FROM big WHERE {where}")
    ]
