"""PostgreSQL: a READ ONLY transaction with a statement timeout, always rolled back.

Every query is first declared as a server-side cursor (``DECLARE``: planned, no row
computed), which gives each column's type OID. Then its rows come one of two ways:

- **the COPY lane** (:mod:`exporters.sources.postgres_lane`), for any result with at
  least one column from a database whose encoding is known: ``COPY (query) TO STDOUT
  (FORMAT csv)`` in the same transaction, batches of ``batch_size`` rows parsed by
  Arrow's CSV reader: about a quarter of the cursor's CPU (1M rows x 10 columns into
  typed Arrow: ~1.2-1.4 s against ~4.4-5.8 s);
- **the cursor** (one ``FETCH`` per batch), the fallback: results of no columns (COPY
  sends an empty line per row, which says nothing), ``SQL_ASCII`` databases (text in no
  known encoding, which COPY cannot convert), and every query when the environment
  variable ``EXPORTERS_NO_POSTGRES_COPY`` is set (what the tests use to read both ways).

Both read PostgreSQL's own text (the lane parses it out of the CSV; the cursor gets it
from psycopg's text loaders; arrays through the same psycopg array loaders) and convert
it by each column's type OID with the same functions (:mod:`exporters.sources.
postgres_types`), never by guessing from the values: they give the same Arrow types and
values by construction, and the type-zoo tests run through both. Memory stays flat for
any result size; a preview also has its long text and bytea values cut in the server
(:func:`_cut_sql`), whichever way it is read. What the server itself may hold is bounded
by its own settings: ``statement_timeout`` and ``work_mem`` per sort or hash (the
server's default), and no single value exceeds 1 GB.

Time limits (:mod:`exporters.sources.limits`): the ``DECLARE`` runs under the first-rows
limit. The cursor's first ``FETCH`` (where a sort or an aggregate does all its work) does
too, and before each later ``FETCH`` a ``SET LOCAL`` gives it only what is left of the
whole export's limit. The ``COPY`` is one statement: its ``statement_timeout`` is what is
left of the whole limit, and the lane cancels it itself when its first batch has not come
within the first-rows limit; each error names its own limit. A round trip per batch of
16,384 rows costs the cursor nothing measurable; a batch that hangs is stopped by the
server at the export's end. Closing a stream early cancels a COPY still running.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

import psycopg
import pyarrow as pa
from psycopg import postgres, pq
from psycopg import sql as pgsql
from psycopg.adapt import Transformer
from psycopg.types import TypeInfo
from psycopg.types.array import register_array
from psycopg.types.string import TextLoader

from exporters.errors import (
    InvalidQuery,
    QueryRejected,
    SourceError,
    SourceUnavailable,
    TypesChanged,
)
from exporters.guard import CheckedQuery
from exporters.known_text import KnownText
from exporters.sources import postgres_lane as lane
from exporters.sources import postgres_legacy as legacy
from exporters.sources import postgres_types as types_
from exporters.sources.base import ColumnTypes, QueryStream
from exporters.sources.limits import Deadline, Limit, deadline_for
from exporters.sources.url import DatabaseURL

_BYTEA = 17
_SILENT_SECONDS = 30.0  # past the whole limit, a COPY the server has not stopped is lost
_T = TypeVar("_T")
# Element OIDs of the built-in array types (int4[] -> int4 ...).
_ELEMENTS = {info.array_oid: info.oid for info in postgres.types if info.array_oid}


def _connect(url: DatabaseURL, deadline: Deadline) -> psycopg.Connection[Any]:
    try:
        # The guard reads string literals the standard way; make the server agree.
        connection = psycopg.connect(
            url.conninfo,
            connect_timeout=10,
            autocommit=False,
            options="-c standard_conforming_strings=on",
        )
    except psycopg.OperationalError as exc:
        raise SourceUnavailable(f"cannot connect to the database: {str(exc).strip()}") from None
    # READ ONLY is the database's own refusal to write; the timeout bounds the query.
    connection.execute("BEGIN READ ONLY")
    _time_left(connection, deadline)
    # Dates and intervals are read from their text: ask for the styles parsed here when
    # the server uses others (the defaults, ISO and postgres, change nothing).
    if not (connection.info.parameter_status("DateStyle") or "ISO").startswith("ISO"):
        connection.execute("SET LOCAL DateStyle = 'ISO'")
    if connection.info.parameter_status("IntervalStyle") not in ("postgres", "iso_8601", None):
        connection.execute("SET LOCAL IntervalStyle = 'postgres'")
    return connection


def _read_as_text(connection: psycopg.Connection[Any]) -> legacy.Fallbacks | None:
    """Every value as PostgreSQL's text, arrays as lists of it (bytea as bytes); from a
    SQL_ASCII database, decoded here (:mod:`exporters.sources.postgres_legacy`)."""
    if legacy.declares_no_encoding(connection):
        every = tuple(info.oid for info in postgres.types if info.oid != _BYTEA)
        return legacy.read_text_as_utf8(connection, (0, *every))
    for info in postgres.types:
        if info.oid != _BYTEA:
            connection.adapters.register_loader(info.oid, TextLoader)
    return None


def _time_left(connection: psycopg.Connection[Any], deadline: Deadline) -> None:
    """The next statements may run for what is left under the limit in force."""
    milliseconds = max(int(deadline.left() * 1000), 1)
    connection.execute(pgsql.SQL("SET LOCAL statement_timeout = {}").format(milliseconds))


def _translate(exc: psycopg.Error, deadline: Deadline, *, compiling: bool) -> Exception:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return deadline.error()
    if isinstance(
        exc, psycopg.errors.ReadOnlySqlTransaction | psycopg.errors.InsufficientPrivilege
    ):
        return QueryRejected(f"the database refused the query: {text}")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        # The server went away or cut the session (restart, terminate, dropped database).
        return SourceUnavailable(f"the database stopped answering: {text}")
    if compiling:
        return InvalidQuery(f"the database could not run the query: {text}")
    return SourceError(f"the database failed while reading the result: {text}")


class _Transaction:
    """Rolls back and closes: a pooled or reused connection comes back clean."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection
        self.cursor: psycopg.ServerCursor[Any] | None = None
        self.copy: lane.CopyReader | None = None
        self.lane = "cursor"  # or "copy": how the rows are read (see the module doc)

    def close(self) -> None:
        clean = True
        if self.copy is not None:
            with contextlib.suppress(psycopg.Error):
                self.copy.close()  # cancels a COPY still running
            clean = not self.copy.broken
        with contextlib.suppress(psycopg.Error):
            if self.cursor is not None and not self.cursor.closed:
                self.cursor.close()
        if clean:
            with contextlib.suppress(psycopg.Error):
                self.connection.rollback()
        self.connection.close()


def lane_of(stream: QueryStream) -> str:
    """``"copy"`` or ``"cursor"``: how a PostgreSQL stream reads its rows."""
    return next((r.lane for r in stream._resources if isinstance(r, _Transaction)), "cursor")


def open_postgres(
    url: DatabaseURL,
    checked: CheckedQuery,
    *,
    batch_size: int,
    timeout: Limit,
    types: ColumnTypes | None = None,
    value_limit: int | None = None,
) -> QueryStream:
    types = types or {}
    deadline = deadline_for(timeout)
    connection = _connect(url, deadline)
    fallbacks = _read_as_text(connection)
    transaction = _Transaction(connection)
    try:
        cursor = connection.cursor(name="export")  # server-side: rows arrive in batches
        transaction.cursor = cursor
        cursor.itersize = batch_size
        legacy.sendable(connection, checked.sql)
        try:
            cursor.execute(checked.sql)  # declared only: no row is computed yet
            description = cursor.description or []
            kinds = _column_kinds(connection, cursor, description)
            cut = _cut_sql(checked.sql, description, value_limit)
            rows: _Rows
            if lane.fits(connection, description):
                rows = _CopyRows(transaction, cut or checked.sql, kinds, deadline,
                                 batch_size=batch_size, value_limit=value_limit)  # fmt: skip
            else:
                rows = _CursorRows(transaction, cut, deadline,
                                   batch_size=batch_size, value_limit=value_limit)  # fmt: skip
            first_columns = rows.first(len(description))
        except psycopg.Error as exc:
            raise _translate(exc, deadline, compiling=True) from exc
        names = [column.name for column in description]
        targets = [
            types.get(i) or kind.first(values)
            for i, (kind, values) in enumerate(zip(kinds, first_columns, strict=True))
        ]
        schema = pa.schema([pa.field(n, t) for n, t in zip(names, targets, strict=True)])
        known = KnownText()
        first = _to_batch(first_columns, names, kinds, schema, known)

        def batches() -> Iterator[pa.RecordBatch]:
            if first.num_rows:
                yield first
            while True:
                try:
                    columns = rows.next()
                except psycopg.Error as exc:
                    raise _translate(exc, deadline, compiling=False) from exc
                if columns is None:
                    return
                yield _to_batch(columns, names, kinds, schema, known)

        reader = pa.RecordBatchReader.from_batches(schema, batches())
        notes = [
            f"column {i + 1} ({column.name}) holds {column.type_display} values no typed "
            "column holds (NaN, infinity, 24:00, too many digits, arrays of several sizes); "
            "they are written as PostgreSQL's text"
            for i, (column, kind, target) in enumerate(
                zip(description, kinds, targets, strict=True)
            )
            if pa.types.is_string(target) and kind.fixed() != types_.TEXT
        ]
        if fallbacks is not None:
            fallbacks.tell(notes)
        return QueryStream(checked, reader, notes=notes, known_text=known, _resources=[transaction])
    except BaseException:
        transaction.close()
        raise


class _Rows(Protocol):
    """The rows of a declared query, one batch at a time, as values per column."""

    def first(self, width: int) -> list[types_.Values]: ...

    def next(self) -> list[types_.Values] | None: ...


class _CursorRows:
    """The cursor path: one ``FETCH`` per batch, each under what is left of its limit."""

    def __init__(
        self,
        transaction: _Transaction,
        cut: str | None,
        deadline: Deadline,
        *,
        batch_size: int,
        value_limit: int | None,
    ) -> None:
        assert transaction.cursor is not None
        self.transaction, self.cursor, self.deadline = transaction, transaction.cursor, deadline
        self.batch_size, self.value_limit = batch_size, value_limit
        if cut is not None:  # a preview: long values are cut in the server
            self.cursor.close()
            self.cursor = transaction.connection.cursor(name="preview")
            transaction.cursor = self.cursor
            self.cursor.itersize = batch_size
            self.cursor.execute(cut)

    def first(self, width: int) -> list[types_.Values]:
        return self._columns(self.cursor.fetchmany(self.batch_size), width)

    def next(self) -> list[types_.Values] | None:
        _time_left(self.transaction.connection, self.deadline)  # the whole limit, once rows came
        rows = self.cursor.fetchmany(self.batch_size)
        return self._columns(rows, len(self.cursor.description or [])) if rows else None

    def _columns(self, rows: list[Any], width: int) -> list[types_.Values]:
        rows = _cut(rows, self.value_limit)
        return list(zip(*rows, strict=True)) if rows else [()] * width


class _CopyRows:
    """The COPY lane (:mod:`exporters.sources.postgres_lane`). The ``COPY`` is one
    statement: its ``statement_timeout`` is what is left of the whole limit, and the
    first batch must come within the first-rows limit or the COPY is cancelled. A later
    batch still not come ``_SILENT_SECONDS`` after the whole limit (when the server
    should have stopped the COPY itself) means a silent network: the COPY is cancelled
    and the connection closed."""

    def __init__(
        self,
        transaction: _Transaction,
        sql: str,
        kinds: list[types_.PgType],
        deadline: Deadline,
        *,
        batch_size: int,
        value_limit: int | None,
    ) -> None:
        cursor, connection = transaction.cursor, transaction.connection
        assert cursor is not None
        arrays = {
            i: Transformer(cursor).get_loader(kind.oid, pq.Format.TEXT).load
            for i, kind in enumerate(kinds)
            if kind.element is not None
        }
        # The DECLARE told the columns' types; its cursor stays open, never fetched (it
        # costs the server nothing), so pg_cursors shows the query as the guard passed it.
        self.deadline, self.batch_size = deadline, batch_size
        now = time.monotonic()
        self.first_end = now + deadline.left()  # the first rows' limit, in force now
        self.whole_end = deadline.started + deadline.limits.whole
        milliseconds = max(int((self.whole_end - now) * 1000), 1)
        connection.execute(pgsql.SQL("SET LOCAL statement_timeout = {}").format(milliseconds))
        connection.execute("SET LOCAL bytea_output = 'hex'")
        binary = {i for i, kind in enumerate(kinds) if kind.oid == _BYTEA}
        self.reader = lane.CopyReader(
            connection, sql, columns=len(kinds), arrays=arrays, binary=binary,
            value_limit=value_limit,
        )  # fmt: skip
        transaction.copy, transaction.lane = self.reader, "copy"
        self._read(lambda: self.reader.start(self.first_end), self.deadline.error)

    def first(self, width: int) -> list[types_.Values]:
        columns = self._read(
            lambda: self.reader.next_batch(self.batch_size, self.first_end), self.deadline.error
        )
        return columns or [()] * width

    def next(self) -> list[types_.Values] | None:
        silent = self.whole_end + _SILENT_SECONDS
        whole = self.deadline.limits.whole_error
        return self._read(lambda: self.reader.next_batch(self.batch_size, silent), whole)

    def _read(self, step: Callable[[], _T], late: Callable[[], Exception]) -> _T:
        try:
            return step()
        except lane.Late:
            raise late() from None  # cancelled here: the first rows' limit, or silence
        except psycopg.errors.QueryCanceled as exc:
            raise self.deadline.limits.whole_error() from exc  # the COPY's statement_timeout


#: Types whose values can be long and arrive as text (or bytes): a preview cuts them in
#: the server. char(n) is left alone (its text form drops the padding; n bounds it).
_LONG_TEXT = frozenset({25, 1043, 114, 3802, 142, 705})  # text varchar json jsonb xml unknown


def _cut_sql(sql: str, description: list[Any], limit: int | None) -> str | None:
    """``sql`` wrapped so that each long text or bytea value leaves the server cut to
    ``limit + 1`` (None when there is nothing to cut): a 200 MB ``repeat('x', ...)`` is
    built by PostgreSQL but never sent, nor held here. Columns keep their positions, and
    their kinds are the unwrapped query's, so the preview reads them as before."""
    if limit is None:
        return None
    names = [f"c{i}" for i in range(len(description))]
    columns, wrapped = [], False
    for name, column in zip(names, description, strict=True):
        if column.type_code in _LONG_TEXT:
            columns.append(f"left({name}::text, {limit + 1})")
        elif column.type_code == _BYTEA:
            columns.append(f"substring({name} from 1 for {limit + 1})")
        else:
            columns.append(name)
            continue
        wrapped = True
    if not wrapped:
        return None
    return f"SELECT {', '.join(columns)} FROM ({sql}) AS _preview({', '.join(names)})"


def _cut(rows: list[Any], limit: int | None) -> list[Any]:
    """For previews: text and bytes longer than ``limit`` cut to ``limit + 1``."""
    if limit is None:
        return rows
    return [
        tuple(v[: limit + 1] if isinstance(v, str | bytes) and len(v) > limit else v for v in row)
        for row in rows
    ]


def count_rows(url: DatabaseURL, checked: CheckedQuery, timeout: Limit) -> int:
    deadline = deadline_for(timeout)
    connection = _connect(url, deadline)
    _read_as_text(connection)
    try:
        legacy.sendable(connection, checked.sql)
        row = connection.execute(f"SELECT count(*) FROM ({checked.sql}) AS counted").fetchone()
        return int(row[0]) if row else 0
    except psycopg.Error as exc:
        raise _translate(exc, deadline, compiling=True) from exc
    finally:
        _Transaction(connection).close()


def estimate_rows(url: DatabaseURL, checked: CheckedQuery, timeout: Limit) -> int:
    """The planner's estimate of the rows ``checked`` returns (EXPLAIN's "Plan Rows"):
    the query is planned, never run, so it answers at once where a count may take
    minutes; callers say it is an estimate."""
    deadline = deadline_for(timeout)
    connection = _connect(url, deadline)
    _read_as_text(connection)
    try:
        legacy.sendable(connection, checked.sql)
        row = connection.execute(f"EXPLAIN (FORMAT JSON) {checked.sql}").fetchone()
    except psycopg.Error as exc:
        raise _translate(exc, deadline, compiling=True) from exc
    finally:
        _Transaction(connection).close()
    plan = json.loads(row[0]) if row and isinstance(row[0], str) else (row[0] if row else [])
    return int(plan[0]["Plan"]["Plan Rows"])


def _column_kinds(
    connection: psycopg.Connection[Any], cursor: psycopg.ServerCursor[Any], description: list[Any]
) -> list[types_.PgType]:
    """Each column's PostgreSQL type; arrays of types psycopg does not know (enums,
    domains, extensions) are looked up in the catalog and read as lists too."""
    unknown = [c.type_code for c in description if postgres.types.get(c.type_code) is None]
    elements = dict(_ELEMENTS)
    if unknown:
        found = connection.execute(
            "SELECT a.oid, a.typelem, e.typname FROM pg_type a JOIN pg_type e ON e.oid = a.typelem"
            " WHERE a.oid = ANY(%s) AND a.typcategory = 'A'",
            (unknown,),
        ).fetchall()
        for array_text, element_text, element_name in found:  # every value comes as text
            array_oid, element_oid = int(array_text), int(element_text)
            elements[array_oid] = element_oid
            info = TypeInfo(element_name, element_oid, array_oid)
            register_array(info, cursor)
    return [_kind(c.type_code, c.precision, c.scale, elements) for c in description]


def _kind(
    oid: int, precision: int | None, scale: int | None, elements: dict[int, int]
) -> types_.PgType:
    element = elements.get(oid)
    if element is not None:
        return types_.PgType(oid, element=types_.PgType(element))
    return types_.PgType(oid, precision, scale)


def _to_batch(
    columns: list[types_.Values],
    names: list[str],
    kinds: list[types_.PgType],
    schema: pa.Schema,
    known: KnownText,
) -> pa.RecordBatch:
    """One batch in ``schema``'s types, or TypesChanged naming the columns to widen; the
    text a writer can reuse is remembered in ``known``."""
    arrays: list[pa.Array] = []
    texts: list[tuple[pa.Array, pa.Array]] = []
    widened: dict[int, pa.DataType] = {}
    for i, (kind, values, target) in enumerate(zip(kinds, columns, schema.types, strict=True)):
        try:
            typed = types_.convert(kind, values, target)
        except types_.Misfit:
            wider = types_.widen(kind, target, values)
            widened[i] = types_.TEXT if wider == target else wider
            continue
        arrays.append(typed)
        text = types_.plain_text(kind, values, typed)
        if text is not None:
            texts.append((typed, text))
    if widened:
        which = ", ".join(f"column {i + 1} ({names[i]}) to {kind}" for i, kind in widened.items())
        raise TypesChanged(f"later rows need wider types: {which}", widened)
    batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
    known.remember(texts)
    return batch
