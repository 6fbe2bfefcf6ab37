"""The fast lane for SQLite: DuckDB's SQLite scanner, only where it reads what SQLite holds.

DuckDB streams a SQLite table about 3x faster than Python's sqlite3 rows, but it reads
values by their declared type, and some of its readings lose what SQLite stored: a time
on a ``DATE`` is dropped, an offset on a ``DATETIME`` ignored, an untyped column read as
bytes, a large integer in a ``NUMERIC`` column rounded through a double. So a query
takes this lane only when:

- it is made of columns, literals and comparisons (the same in both engines), and its
  comparisons only touch numbers and text (SQLite compares date text as text);
- SQLite would scan one table in rowid order, as DuckDB does (``EXPLAIN QUERY PLAN``),
  so rows come in the same order;
- every output column has a declared type DuckDB reads exactly: ``INTEGER``, ``REAL``,
  ``TEXT``, ``DECIMAL(p,s)`` with p ≤ 15 (exact through a double), ``BOOLEAN`` (checked
  to hold 0/1), ``DATE`` and ``DATETIME``. For dates, a check runs in SQLite beside the
  scan and looks for text DuckDB could read lossily.

Any doubt (a value that does not fit, a DuckDB error, the check finding odd text) raises
``TypesChanged`` with nothing to widen: the export starts again in SQLite itself.
"""

from __future__ import annotations

import contextlib
import glob
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
from sqlglot import exp

from exporters.errors import TypesChanged
from exporters.guard import CheckedQuery
from exporters.sources import sqlite_values as values_

_PORTABLE = (
    exp.Select, exp.Column, exp.Star, exp.Identifier, exp.Table, exp.TableAlias, exp.From,
    exp.Where, exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.Literal, exp.Boolean,
    exp.Null, exp.Alias, exp.And, exp.Or, exp.Not, exp.Paren, exp.EQ, exp.NEQ, exp.GT,
    exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In, exp.Between, exp.Neg,
)  # fmt: skip
_EXACT_DECIMAL_DIGITS = 15  # a double holds any 15-digit decimal exactly
MIN_ROWS = 20_000  # below this (by the table's largest rowid) sqlite3 rows are faster
_SWITCH = "the fast lane could not read every value exactly; reading in SQLite"


def fits(
    tree: exp.Expr,
    declared: list[pa.DataType | None],
    predicate_types: list[pa.DataType | None],
    plan: list[str],
) -> bool:
    """Whether DuckDB reads this query exactly as SQLite would (see the module doc)."""
    if tree.find(exp.From) is None or not all(isinstance(n, _PORTABLE) for n in tree.walk()):
        return False
    if not all(_readable(kind) for kind in declared):
        return False
    if not all(kind is not None and _comparable(kind) for kind in predicate_types):
        return False
    return len(plan) == 1 and plan[0].startswith(("SCAN ", "SEARCH ")) and "INDEX" not in plan[0]


def scanned_table(step: str) -> str:
    """The table a one-step plan scans: ``SCAN Order Details`` -> ``Order Details``."""
    name = step.split(" ", 1)[1]
    for tail in (" USING ", " AS "):
        name = name.split(tail, 1)[0]
    return name.replace('"', '""')


def _readable(kind: pa.DataType | None) -> bool:
    if kind is None:
        return False
    if pa.types.is_decimal(kind):
        return bool(kind.precision <= _EXACT_DECIMAL_DIGITS)
    if pa.types.is_timestamp(kind):
        return kind.tz is None
    return kind in (pa.int64(), pa.float64(), values_.TEXT, pa.bool_(), pa.date32())


def _comparable(kind: pa.DataType) -> bool:
    return kind in (pa.int64(), pa.float64(), values_.TEXT) or bool(pa.types.is_decimal(kind))


def extension() -> str | None:
    """The SQLite scanner matching the installed DuckDB, or None."""
    try:
        import duckdb
    except ImportError:
        return None
    root = Path(duckdb.__file__).parent.parent / "duckdb_ext" / "extensions"
    found = glob.glob(
        str(root / f"v{duckdb.__version__}" / "*" / "sqlite_scanner.duckdb_extension")
    )
    return found[0] if found else None


def open_lane(path: str, checked: CheckedQuery, batch_size: int) -> pa.RecordBatchReader | None:
    """Stream the query through DuckDB's SQLite scanner, or None if it is unavailable."""
    scanner = extension()
    if scanner is None or os.environ.get("EXPORTERS_NO_DUCKDB"):
        return None
    import duckdb

    con = duckdb.connect(config={"threads": 1})  # one SQLite scan; our writer needs the other core
    try:
        con.execute(f"LOAD '{scanner}'")
        con.execute(
            f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS source (TYPE sqlite, READ_ONLY)"
        )
        con.execute("USE source")
        con.execute("SET enable_progress_bar = false")  # it would draw on the terminal
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con.execute(checked.tree.sql(dialect="duckdb")).fetch_record_batch(batch_size)
    except duckdb.Error:
        with contextlib.suppress(Exception):
            con.close()
        return None  # fall back to SQLite itself, which already compiled the query


class DateCheck:
    """Looks, in SQLite and beside the scan, for date text DuckDB could read lossily.

    A ``DATE`` must be ten characters of text; a ``DATETIME`` ISO text of at most
    microseconds without an offset (``Z``, ``+02:00``), see :func:`_odd`. Anything else
    (numbers too) sends the query back to SQLite, which types it by the values themselves.
    """

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        typed: exp.Query,
        declared: list[pa.DataType | None],
    ) -> None:
        query = check_sql(typed, declared)
        self.found: bool | None = None if query else False
        self._connection: sqlite3.Connection | None = None
        self._done = threading.Event()
        if query:
            self._connection = connect()
            self._thread = threading.Thread(target=self._run, args=(query,), daemon=True)
            self._thread.start()
        else:
            self._done.set()

    def _run(self, query: str) -> None:
        assert self._connection is not None
        with contextlib.suppress(OSError, AttributeError):  # Linux: this thread only
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        try:
            self.found = self._connection.execute(query).fetchone() is not None
        except sqlite3.Error:
            self.found = True  # could not tell: SQLite decides
        finally:
            self._done.set()

    def failed(self, wait: bool = False) -> bool:
        """Whether odd text was found (``wait``: until the check has finished)."""
        if wait:
            self._done.wait()
        return bool(self.found)

    def close(self) -> None:
        if self._connection is not None:
            if not self._done.is_set():
                self._connection.interrupt()
            self._done.wait()
            self._connection.close()
            self._connection = None


def check_sql(typed: exp.Query, declared: list[pa.DataType | None]) -> str | None:
    """``SELECT 1 FROM <the query's tables> WHERE <its filter> AND <an odd date> LIMIT 1``,
    or None when no column needs looking at.

    Built from the qualified tree (stars expanded) of a portable query, whose output
    columns are plain columns: asked of the table itself, not of the query wrapped in a
    CTE, which costs SQLite a third more. Every row the filter lets through is looked at,
    past any LIMIT too (a doubt there only costs reading in SQLite).
    """
    tests = []
    for select, kind in zip(typed.selects, declared, strict=False):
        column = select.this if isinstance(select, exp.Alias) else select
        if isinstance(column, exp.Column) and (test := _odd(column.sql("sqlite"), kind)):
            tests.append(test)
    if not tests:
        return None
    check = typed.copy()
    for key in ("order", "limit", "offset"):
        check.set(key, None)
    check.set("expressions", [exp.Literal.number(1)])
    odd = exp.condition(" OR ".join(tests), dialect="sqlite")
    where = check.args.get("where")
    check.where(exp.and_(where.this, odd) if where else odd, append=False, copy=False)
    return f"{check.sql(dialect='sqlite')} LIMIT 1"


def _odd(name: str, kind: pa.DataType | None) -> str | None:
    """An SQLite condition true for a value DuckDB could read lossily as ``kind``.

    Lengths and two characters say enough and cost little: a date is ten characters; a
    date-time is ``YYYY-MM-DD HH:MM[:SS[.ffffff]]`` (10, 16, 19 or 21-26 characters, a ``:``
    at 17 and a ``.`` at 20 when longer than 19), which an offset (``Z``, ``+02:00``) or a
    seventh decimal always breaks.
    """
    if kind == pa.date32():
        return f"({name} IS NOT NULL AND NOT (typeof({name}) = 'text' AND length({name}) = 10))"
    if kind is not None and pa.types.is_timestamp(kind):
        return (
            f"({name} IS NOT NULL AND NOT (typeof({name}) = 'text' AND (length({name}) IN"
            f" (10, 16, 19) OR (length({name}) BETWEEN 21 AND 26 AND substr({name}, 20, 1)"
            f" = '.')) AND substr({name}, 17, 1) IN ('', ':')))"
        )
    return None


def reader(
    lane: pa.RecordBatchReader,
    names: list[str],
    targets: list[pa.DataType],
    check: DateCheck,
    errors: tuple[type[BaseException], ...],
) -> pa.RecordBatchReader:
    """DuckDB's batches in the declared types; TypesChanged (back to SQLite) on doubt."""
    schema = pa.schema([pa.field(name, kind) for name, kind in zip(names, targets, strict=True)])

    def batches() -> Iterator[pa.RecordBatch]:
        scan = iter(lane)
        while True:
            try:
                batch = next(scan, None)
            except errors:
                raise TypesChanged(_SWITCH, {}) from None  # a value DuckDB would not read
            if batch is None:
                break
            if check.failed():
                raise TypesChanged(_SWITCH, {})
            yield _conformed(batch, schema)
        if check.failed(wait=True):
            raise TypesChanged(_SWITCH, {})

    return pa.RecordBatchReader.from_batches(schema, batches())


def _conformed(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    arrays = []
    for column, field in zip(batch.columns, schema, strict=True):
        try:
            arrays.append(values_.conform(column, field.type))
        except values_.Misfit:
            raise TypesChanged(_SWITCH, {}) from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class Closer:
    """Closes the lane's reader (and with it DuckDB's connection)."""

    def __init__(self, reader: pa.RecordBatchReader) -> None:
        self.reader = reader

    def close(self) -> None:
        self.reader.close()


def duckdb_errors() -> tuple[type[BaseException], ...]:
    import duckdb

    return (duckdb.Error,)


def comparison_types(annotated: exp.Expr | None) -> list[pa.DataType | None]:
    """The types of the columns a query's WHERE and ORDER BY compare (None: unknown)."""
    from exporters.sources.types import arrow_type

    if annotated is None:
        return [None]
    found: list[pa.DataType | None] = []
    for clause in (annotated.args.get("where"), annotated.args.get("order")):
        if clause is not None:
            found += [arrow_type(column.type) for column in clause.find_all(exp.Column)]
    return found
