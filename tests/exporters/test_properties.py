"""Property: any SQLite table, however its columns are declared and whatever kinds of value
they hold, with repeated output names, reads back exactly from CSV, JSON Lines and Parquet.

Hypothesis builds the tables: columns declared INTEGER, REAL, TEXT, BLOB, DECIMAL,
DATE, DATETIME, BOOLEAN or nothing, holding integers, reals, text (any script, commas,
quotes, line breaks), blobs, ISO dates and NULLs in any mix, selected under names that
repeat. sqlite3 is the oracle; the files are read by csv, json and DuckDB.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters import export, open_query

from .test_northwind import READERS, same

DECLARED = ["INTEGER", "REAL", "TEXT", "BLOB", "DECIMAL(8,2)", "DATE", "DATETIME", "BOOLEAN", ""]
NAMES = ["id", "name", "Id", "value", "name_2"]

values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.binary(max_size=8),
    st.dates().map(lambda day: day.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat(sep=" ")),
    st.sampled_from([0, 1, 12.3, "12.30", "", " ", "=1+2", "null"]),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[str], list[list[Any]]]:
    width = draw(st.integers(1, 5))
    declared = draw(st.lists(st.sampled_from(DECLARED), min_size=width, max_size=width))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(values, min_size=width, max_size=width), max_size=12))
    return declared, names, rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_any_table_reads_back_exactly(table: tuple[list[str], list[str], list[list[Any]]]) -> None:
    declared, names, rows = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.db"
        columns = ", ".join(f"c{i} {kind}" for i, kind in enumerate(declared))
        with sqlite3.connect(path) as db:
            db.execute(f"CREATE TABLE t (rid INTEGER PRIMARY KEY, {columns})")
            marks = ", ".join("?" for _ in declared)
            db.executemany(f"INSERT INTO t VALUES (NULL, {marks})", rows)
        db.close()
        selected = ", ".join(f'c{i} AS "{name}"' for i, name in enumerate(names))
        sql = f"SELECT {selected} FROM t ORDER BY rid"
        with sqlite3.connect(path) as db:
            expected = db.execute(sql).fetchall()
        db.close()
        for fmt in ("csv", "jsonl", "parquet"):
            with open_query(f"sqlite:///{path}", sql) as stream:
                result = export(stream, Path(folder) / f"out.{fmt}", fmt)
                schema = stream.schema
            assert result.rows == len(expected)
            header, got = READERS[fmt](result.path)
            if fmt == "csv":
                assert header == names
            for row, want in zip(got, expected, strict=True):
                for field, cell, value in zip(schema, row, want, strict=True):
                    if fmt == "csv" and cell is None and value in ("", b""):
                        continue  # CSV writes NULL and "" alike (the `null` option tells them)
                    assert same(field.type, cell, value, fmt), (fmt, field, cell, value)
