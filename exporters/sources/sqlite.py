"""SQLite: read-only, authorised, time-limited; DuckDB's scanner as the fast lane.

Defences beyond the guard (SQLite's read-only mode alone is not a sandbox):
- the file is opened with ``mode=ro``;
- an authorizer allows only reads, SELECT, recursive CTEs and functions not on the
  guard's deny-list, so even a statement the guard missed cannot write or ATTACH;
- a progress handler stops the query at its deadline: the first-rows limit until the
  first batch is read, the whole export's limit after (:mod:`exporters.sources.limits`);
- a preview's connection refuses any single value over :data:`PREVIEW_VALUE_BYTES`
  (``SQLITE_LIMIT_LENGTH``): SQLite builds a whole value before ``substr`` can cut it,
  and Python's ``execute`` converts the first row at once, so without the limit
  ``SELECT zeroblob(300000000)`` held over 1 GB for a 2 kB preview.

Every query is compiled by SQLite under that authorizer. Column types follow the values
SQLite holds (:mod:`exporters.sources.sqlite_values`). Queries made only of columns,
literals and comparisons on numbers and text mean the same in DuckDB, so those stream
through DuckDB's SQLite scanner (about 3x faster than sqlite3 rows) when every output
column has a declared type DuckDB reads exactly; where DuckDB's reading of a date could
drop part of the stored text (a time on a DATE, an offset on a DATETIME), a check runs
beside it in SQLite, and any doubt sends the query back to SQLite itself.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
from sqlglot import exp

from exporters.errors import (
    BadInput,
    InvalidQuery,
    QueryRejected,
    SourceError,
    SourceUnavailable,
    TypesChanged,
)
from exporters.guard import CheckedQuery, is_denied_function
from exporters.sources import sqlite_fast as fast_lane
from exporters.sources import sqlite_values as values_
from exporters.sources.base import ColumnTypes, QueryStream
from exporters.sources.limits import Deadline, Limit, deadline_for
from exporters.sources.types import annotated, declared_sqlite_type, result_types
from exporters.sources.url import DatabaseURL

#: The longest text or blob a preview's connection lets SQLite build or read (16 MiB):
#: a larger value fails the preview with a :class:`BadInput` saying so, and the export
#: (limited only by SQLite's own 1 GB) reads it whole.
PREVIEW_VALUE_BYTES = 16 << 20

_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}


def _authorize(action: int, arg1: str | None, arg2: str | None, *_: Any) -> int:
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and arg2 and not is_denied_function(arg2):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def connect_readonly(path: str, timeout: Limit) -> sqlite3.Connection:
    """A connection that can only read ``path``, stopped after ``timeout`` seconds (or
    at a :class:`Deadline`, which may move from the first-rows limit to the whole one)."""
    if not Path(path).is_file():
        raise BadInput(f"there is no SQLite database at {path}")
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    deadline = deadline_for(timeout)
    connection.set_progress_handler(lambda: int(deadline.passed()), 10_000)
    return connection


def open_sqlite(
    url: DatabaseURL,
    checked: CheckedQuery,
    *,
    batch_size: int,
    timeout: Limit,
    fast: bool = True,
    types: ColumnTypes | None = None,
    value_limit: int | None = None,
) -> QueryStream:
    path = url.database
    if path in ("", ":memory:"):
        raise BadInput("give the SQLite database file, e.g. sqlite:///var/demo.db")
    types = types or {}
    deadline = deadline_for(timeout)
    connection = connect_readonly(path, deadline)
    if value_limit is not None:  # a preview: no value it cannot hold builds whole
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, PREVIEW_VALUE_BYTES)
    try:
        schema = _declared_schema(connection, checked.tables)
        connection.set_authorizer(_authorize)
        cursor = _execute(connection, checked.sql, deadline)
        names = [column[0] for column in cursor.description]
        typed = annotated(checked.tree, schema, "sqlite")
        declared = result_types(typed)
        if len(declared) != len(names):  # sqlglot could not follow the query
            declared = [None] * len(names)
        columns = [_Column(i, name, declared[i]) for i, name in enumerate(names)]
        notes: list[str] = []
        if value_limit is not None:  # a preview: cut long values inside SQLite
            cursor.close()
            cursor = _execute(connection, _cut(checked.sql, len(names), value_limit), deadline)
        elif (
            fast
            and not types
            and typed is not None
            and _fast_lane_fits(connection, checked, typed, declared)
        ):
            lane = fast_lane.open_lane(path, checked, batch_size)
            if lane is not None:
                cursor.close()
                check = fast_lane.DateCheck(lambda: _checker(path, deadline), typed, declared)
                targets = [kind for kind in declared if kind is not None]
                reader = fast_lane.reader(lane, names, targets, check, fast_lane.duckdb_errors())
                return QueryStream(
                    checked, reader, notes=notes, fast_lane=True,
                    _resources=[fast_lane.Closer(lane), check, connection],
                )  # fmt: skip
        reader = _sqlite_reader(cursor, columns, types, batch_size, deadline, notes)
        return QueryStream(checked, reader, notes=notes, _resources=[connection])
    except BaseException:
        connection.close()
        raise


def _cut(sql: str, width: int, limit: int) -> str:
    """``sql`` with every text or blob longer than ``limit`` cut to ``limit + 1``."""
    names = [f"c{i}" for i in range(width)]
    cut = ", ".join(
        f"CASE WHEN typeof({c}) IN ('text', 'blob') AND length({c}) > {limit}"
        f" THEN substr({c}, 1, {limit + 1}) ELSE {c} END"
        for c in names
    )
    return f"WITH _preview({', '.join(names)}) AS ({sql}) SELECT {cut} FROM _preview"


def _checker(path: str, deadline: Deadline) -> sqlite3.Connection:
    # The same deadline as the scan's: a check still running once rows stream is not
    # stopped at the first-rows limit (that would send the export back to SQLite).
    connection = connect_readonly(path, deadline)
    connection.set_authorizer(_authorize)
    return connection


def _fast_lane_fits(
    connection: sqlite3.Connection,
    checked: CheckedQuery,
    typed: exp.Query,
    declared: list[pa.DataType | None],
) -> bool:
    compared = fast_lane.comparison_types(typed)
    plan = [row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {checked.sql}")]
    if not fast_lane.fits(checked.tree, declared, compared, plan):
        return False
    # DuckDB takes ~0.1-0.2 s to start: only worth it for a table of some size.
    table = fast_lane.scanned_table(plan[0])
    try:
        (largest,) = connection.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()
    except sqlite3.Error:
        return True  # no rowid to ask (WITHOUT ROWID): take the lane
    if largest is None or largest < fast_lane.MIN_ROWS:
        return False
    if plan[0].startswith("SEARCH "):
        # SQLite reads only a rowid range, DuckDB the whole table: the lane pays only
        # for a range of some size (counted up to that size, a few milliseconds).
        (rows,) = connection.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM ({checked.sql}) LIMIT {fast_lane.MIN_ROWS})"
        ).fetchone()
        return bool(rows >= fast_lane.MIN_ROWS)
    return True


def count_rows(url: DatabaseURL, checked: CheckedQuery, timeout: Limit) -> int:
    """The number of rows ``checked`` returns (a second, cheap pass for progress ETAs)."""
    deadline = deadline_for(timeout)
    connection = connect_readonly(url.database, deadline)
    try:
        connection.set_authorizer(_authorize)
        row = _execute(connection, f"SELECT count(*) FROM ({checked.sql})", deadline).fetchone()
        return int(row[0])
    finally:
        connection.close()


def _execute(connection: sqlite3.Connection, sql: str, deadline: Deadline) -> sqlite3.Cursor:
    try:
        return connection.execute(sql)
    except sqlite3.DatabaseError as exc:
        error = _translate(exc, deadline)
        if type(error) is SourceError:  # failed to compile: the query itself is wrong
            error = InvalidQuery(error.message)
        raise error from exc


def _translate(exc: sqlite3.DatabaseError, deadline: Deadline) -> Exception:
    text = str(exc)
    if "interrupted" in text:  # the progress handler: the limit in force has passed
        return deadline.error()
    if "too big" in text:  # SQLITE_TOOBIG: over the connection's length limit
        return BadInput(
            "a value in the result is too large to read here (a preview reads values up "
            f"to {PREVIEW_VALUE_BYTES >> 20} MiB, an export up to 1 GB): export the query "
            "to get it whole, or select the column's length() instead"
        )
    if "not authorized" in text:
        return QueryRejected("the database refused the query: it tries to do more than read")
    if "unable to open" in text or "disk I/O error" in text:  # unreadable, moved, unmounted
        return SourceUnavailable(f"cannot read the database: {text}")
    return SourceError(f"the database could not run the query: {text}")


def _declared_schema(
    connection: sqlite3.Connection, wanted: list[str]
) -> dict[str, dict[str, str]]:
    """The declared column types of the tables and views the query names (SQLite's
    names are case-insensitive), in the words sqlglot reads."""
    schema: dict[str, dict[str, str]] = {}
    names = {name.lower() for name in wanted}
    tables = connection.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
    ).fetchall()
    for (table,) in tables:
        if table.lower() not in names:
            continue
        info = connection.execute("SELECT name, type FROM pragma_table_info(?)", (table,))
        schema[table] = {name: declared_sqlite_type(kind) for name, kind in info}
    return schema


@dataclass(frozen=True)
class _Column:
    """One output column: its position, name and the type its schema declares."""

    index: int
    name: str
    declared: pa.DataType | None

    def label(self) -> str:
        return f"column {self.index + 1} ({self.name})"


def _sqlite_reader(
    cursor: sqlite3.Cursor,
    columns: list[_Column],
    types: ColumnTypes,
    batch_size: int,
    deadline: Deadline,
    notes: list[str],
) -> pa.RecordBatchReader:
    def fetch() -> list[Any]:
        try:
            return cursor.fetchmany(batch_size)
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, deadline) from exc

    rows = fetch()
    said = _Notes(notes)
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    targets = [types.get(c.index) or values_.choose(values[c.index], c.declared) for c in columns]
    schema = pa.schema([pa.field(c.name, kind) for c, kind in zip(columns, targets, strict=True)])
    first = _to_batch(rows, columns, schema, said)

    def batches() -> Iterator[pa.RecordBatch]:
        if first.num_rows:
            yield first
        while rows := fetch():
            yield _to_batch(rows, columns, schema, said)

    return pa.RecordBatchReader.from_batches(schema, batches())


def _to_batch(
    rows: list[Any], columns: list[_Column], schema: pa.Schema, notes: _Notes
) -> pa.RecordBatch:
    """One batch in ``schema``'s types, or TypesChanged naming the columns to widen."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    arrays: list[pa.Array] = []
    widened: dict[int, pa.DataType] = {}
    for column, target, data in zip(columns, schema.types, values, strict=True):
        stored = values_.stored_kinds(data)
        try:
            arrays.append(values_.convert(data, target, stored))
        except values_.Misfit:
            wider = values_.join(target, values_.choose(data, column.declared))
            widened[column.index] = values_.TEXT if wider == target else wider
            continue
        notes.seen(column, target, stored)
    if widened:
        which = ", ".join(f"{columns[i].label()} to {kind}" for i, kind in widened.items())
        raise TypesChanged(f"later rows need wider types: {which}", widened)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class _Notes:
    """What the stream writes differently from the declared types, kept in ``notes``:
    the kinds a text column held are gathered over every batch, then said once."""

    def __init__(self, notes: list[str]) -> None:
        self.notes = notes
        self._kinds: dict[int, set[str]] = {}
        self._said: dict[int, str] = {}

    def seen(self, column: _Column, target: pa.DataType, stored: values_.Stored) -> None:
        if pa.types.is_string(target):
            kinds = self._kinds.setdefault(column.index, set())
            kinds.update(stored.non_text() or (() if stored.array.null_count == len(stored.array)
                                              else ("text",)))  # fmt: skip
            if kinds - {"text"}:
                self._say(column, f"{column.label()} holds {' and '.join(sorted(kinds))} "
                          "values; all are written as text")  # fmt: skip
        elif (
            column.declared is not None
            and not _same_family(column.declared, target)
            and not pa.types.is_null(target)
        ):
            self._say(column, f"{column.label()} is declared {_sql_name(column.declared)} but "
                      f"holds {_sql_name(target)} values; they are written as stored")  # fmt: skip

    def _say(self, column: _Column, note: str) -> None:
        if self._said.get(column.index) != note:
            self._said[column.index] = note
            self.notes[:] = [self._said[i] for i in sorted(self._said)]


def _same_family(declared: pa.DataType, target: pa.DataType) -> bool:
    if declared == target:
        return True
    temporal = (pa.types.is_date, pa.types.is_timestamp)
    return any(test(declared) for test in temporal) and any(test(target) for test in temporal)


def _sql_name(kind: pa.DataType) -> str:
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision},{kind.scale})"
    names = {pa.int64(): "INTEGER", pa.float64(): "REAL", pa.bool_(): "BOOLEAN",
             pa.date32(): "DATE", pa.binary(): "BLOB", values_.TEXT: "TEXT"}  # fmt: skip
    return names.get(kind, "DATETIME" if pa.types.is_timestamp(kind) else str(kind))
