"""PostgreSQL: a READ ONLY transaction with a statement timeout, always rolled back.

Rows stream through a server-side cursor, so memory stays flat for any result size.
Arrow types come from the result's column types (OIDs), not from the values.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pyarrow as pa
from psycopg import sql as pgsql

from exporters.errors import BadInput, InvalidQuery, QueryRejected, QueryTimeout, SourceError
from exporters.guard import CheckedQuery
from exporters.sources.base import QueryStream
from exporters.sources.types import infer
from exporters.sources.url import DatabaseURL

# Type OIDs from pg_type: the ones whose Arrow type is known up front.
_BY_OID: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int64(),
    23: pa.int64(),
    26: pa.int64(),
    700: pa.float64(),
    701: pa.float64(),
    25: pa.string(),
    1043: pa.string(),
    1042: pa.string(),
    19: pa.string(),
    2950: pa.string(),
    114: pa.string(),
    3802: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1083: pa.time64("us"),
    17: pa.binary(),
}
_NUMERIC = 1700


def _connect(url: DatabaseURL, timeout: float) -> psycopg.Connection[Any]:
    try:
        # The guard reads string literals the standard way; make the server agree.
        connection = psycopg.connect(
            url.conninfo,
            connect_timeout=10,
            autocommit=False,
            options="-c standard_conforming_strings=on",
        )
    except psycopg.OperationalError as exc:
        raise BadInput(f"cannot connect to the database: {str(exc).strip()}") from None
    # READ ONLY is the database's own refusal to write; the timeout bounds the query.
    connection.execute("BEGIN READ ONLY")
    connection.execute(pgsql.SQL("SET LOCAL statement_timeout = {}").format(int(timeout * 1000)))
    return connection


def _translate(exc: psycopg.Error, timeout: float, *, compiling: bool) -> Exception:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return QueryTimeout(f"the query ran longer than {timeout:g} seconds and was stopped")
    if isinstance(
        exc, psycopg.errors.ReadOnlySqlTransaction | psycopg.errors.InsufficientPrivilege
    ):
        return QueryRejected(f"the database refused the query: {text}")
    if compiling:
        return InvalidQuery(f"the database could not run the query: {text}")
    return SourceError(f"the database failed while reading the result: {text}")


class _Transaction:
    """Rolls back and closes: a pooled or reused connection comes back clean."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection
        self.cursor: psycopg.ServerCursor[Any] | None = None

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            if self.cursor is not None:
                self.cursor.close()
        with contextlib.suppress(psycopg.Error):
            self.connection.rollback()
        self.connection.close()


def open_postgres(
    url: DatabaseURL, checked: CheckedQuery, *, batch_size: int, timeout: float
) -> QueryStream:
    connection = _connect(url, timeout)
    transaction = _Transaction(connection)
    try:
        cursor = connection.cursor(name="export")  # server-side: rows arrive in batches
        transaction.cursor = cursor
        cursor.itersize = batch_size
        try:
            cursor.execute(checked.sql)
            first_rows = cursor.fetchmany(batch_size)
        except psycopg.Error as exc:
            raise _translate(exc, timeout, compiling=True) from exc
        description = cursor.description or []
        names = [column.name for column in description]
        first = _to_batch(
            first_rows, names, [_column_type(c, first_rows, i) for i, c in enumerate(description)]
        )
        schema = first.schema

        def batches() -> Iterator[pa.RecordBatch]:
            if first.num_rows:
                yield first
            while True:
                try:
                    rows = cursor.fetchmany(batch_size)
                except psycopg.Error as exc:
                    raise _translate(exc, timeout, compiling=False) from exc
                if not rows:
                    return
                yield _to_batch(rows, names, list(schema.types))

        reader = pa.RecordBatchReader.from_batches(schema, batches())
        return QueryStream(checked, reader, _resources=[transaction])
    except BaseException:
        transaction.close()
        raise


def count_rows(url: DatabaseURL, checked: CheckedQuery, timeout: float) -> int:
    connection = _connect(url, timeout)
    try:
        row = connection.execute(f"SELECT count(*) FROM ({checked.sql}) AS counted").fetchone()
        return int(row[0]) if row else 0
    except psycopg.Error as exc:
        raise _translate(exc, timeout, compiling=True) from exc
    finally:
        _Transaction(connection).close()


def _column_type(column: Any, rows: list[Any], index: int) -> pa.DataType | None:
    if column.type_code == _NUMERIC:
        if column.scale is not None and column.precision is not None:
            return pa.decimal128(min(column.precision, 38), column.scale)
        # Unconstrained NUMERIC: the widest scale in the first batch, 38 digits in all.
        scales = [
            -int(v.as_tuple().exponent)
            for r in rows
            if isinstance(v := r[index], Decimal) and v.is_finite()
        ]
        return pa.decimal128(38, min(max(scales, default=9), 37))
    return _BY_OID.get(column.type_code)


def _to_batch(
    rows: list[Any], names: list[str], targets: list[pa.DataType | None]
) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    arrays = []
    for name, values, target in zip(names, columns, targets, strict=True):
        data = list(values)
        if target is None:
            arrays.append(_fallback(data))
            continue
        if target == pa.string():
            data = [v if v is None or isinstance(v, str) else json.dumps(v) for v in data]
        try:
            arrays.append(pa.array(data, target))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise SourceError(
                f"column {name!r} has a value Arrow cannot hold as {target}: {exc}"
            ) from None
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _fallback(values: list[Any]) -> pa.Array:
    array = infer(values)
    return (
        pa.array([None if v is None else str(v) for v in values], pa.string())
        if (pa.types.is_null(array.type) or pa.types.is_struct(array.type))
        else array
    )
