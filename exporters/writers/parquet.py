"""Parquet: Arrow types kept exactly (decimals, lists, JSON, zoned timestamps), zstd by default.

Three kinds of value are changed on the way, the same at any depth (inside lists and
structs too), and the result's notes say which columns:

- Intervals (``month_day_nano``, PostgreSQL's interval): Parquet has no type that keeps
  months, days and nanoseconds apart (its INTERVAL is milliseconds) and pyarrow refuses
  them, so they are written as ``struct<months: int32, days: int32, nanoseconds: int64>``,
  losslessly.
- Decimals wider than 38 digits (PostgreSQL numeric(50, 2)): Parquet can store them, but
  common readers cannot read them back (polars refuses, DuckDB 1.4 returns wrong numbers
  without a word), so they are written as exact decimal text (``0.000000010``, never
  ``1E-8``). Up to 38 digits a ``decimal256`` is stored as the decimal it is.
- Timestamps follow the ``timezone`` option, as the text formats do: a zoned column, or
  any timestamp column when the zone is not UTC, is written as ``timestamp(unit,
  tz=zone)``, the same instants, so a reader shows the wall clock the CSV shows. A naive
  value is taken as UTC wall time (the shared rule of :mod:`exporters.temporal`); with
  ``timezone=UTC`` naive columns stay naive.

``datetime_format`` and ``null`` do not apply: values keep their types.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from exporters.formats import Format, FormatSpec, WriteContext
from exporters.options import ParquetOptions
from exporters.render import decimal_text
from exporters.temporal import in_zone, interval_fields

MAX_DIGITS = 38  # the widest decimal polars, DuckDB and Spark read back
_SAMPLE_ROWS = 1_000  # a first batch at least this long tells which columns repeat
_REPEATING = 0.25  # at most this share of distinct values: a dictionary pays
INTERVAL = pa.struct([("months", pa.int32()), ("days", pa.int32()), ("nanoseconds", pa.int64())])


def write_parquet(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: ParquetOptions,
    context: WriteContext,
) -> None:
    import pyarrow.parquet as pq  # loaded on use: other formats need not pay for it

    stored = pa.schema(
        [field.with_type(stored_type(field.type, options.timezone)) for field in schema]
    )
    for field in schema:
        if _has(field.type, pa.types.is_interval):
            context.note(
                f"column {field.name!r}: Parquet has no interval type with months, days and "
                "nanoseconds; written as struct<months: int32, days: int32, nanoseconds: int64>"
            )
        if _has(field.type, _too_wide):
            context.note(
                f"column {field.name!r}: decimals wider than {MAX_DIGITS} digits, which most "
                "Parquet readers cannot read, are written as exact decimal text"
            )
    changed = stored != schema
    metadata = dict(schema.metadata or {})
    if options.metadata:
        metadata.update(
            {
                b"generated_at": context.generated_at.isoformat().encode(),
                b"query": (context.query or "").encode(),
                b"title": context.title.encode(),
            }
        )
    stored = stored.with_metadata(metadata) if metadata else stored
    codec = None if options.compression == "none" else options.compression
    first = next(batches, None)
    dictionary = repeating_columns(first) if first is not None else True
    with pq.ParquetWriter(sink, stored, compression=codec, use_dictionary=dictionary) as writer:
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        # Gather batches into row groups of the asked size, so readers see few, full groups.
        for batch in itertools.chain(() if first is None else (first,), batches):
            if changed:
                batch = pa.RecordBatch.from_arrays(
                    [
                        stored_array(column, field.type)
                        for column, field in zip(batch.columns, stored, strict=True)
                    ],
                    schema=stored,
                )
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= options.row_group_size:
                table = pa.Table.from_batches(pending, stored)
                writer.write_table(table, row_group_size=options.row_group_size)
                pending, pending_rows = [], 0
        if pending:
            writer.write_table(pa.Table.from_batches(pending, stored))


def repeating_columns(batch: pa.RecordBatch) -> list[str] | bool:
    """The columns worth a dictionary: those whose first batch repeats its values.

    A dictionary pays where values repeat (a status, a date, a small number): smaller
    pages, faster reads. Tried on every column (Arrow's default), it is built and then
    dropped for mostly distinct ones (ids, e-mails, times): on 1M rows x 10 columns that
    doubled the writer's CPU (0.54 s against 0.27) and made the file bigger (20.3 MB
    against 16.5). A first batch too small to tell keeps Arrow's default.
    """
    if batch.num_rows < _SAMPLE_ROWS:
        return True
    chosen = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        try:
            distinct = pc.count_distinct(column).as_py()
        except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
            continue  # nested values: each leaf would need its own look; stored plain
        if distinct <= batch.num_rows * _REPEATING:
            chosen.append(name)
    return chosen


def stored_type(kind: pa.DataType, zone: str) -> pa.DataType:
    """The type ``kind`` is written as (see the module docstring)."""
    if pa.types.is_interval(kind):
        return INTERVAL
    if _too_wide(kind):
        return pa.string()
    if pa.types.is_timestamp(kind):
        return pa.timestamp(kind.unit, tz=zone) if kind.tz is not None or zone != "UTC" else kind
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(stored_type(kind.value_type, zone)))
    if pa.types.is_large_list(kind):
        return pa.large_list(kind.value_field.with_type(stored_type(kind.value_type, zone)))
    if pa.types.is_fixed_size_list(kind):
        value = kind.value_field.with_type(stored_type(kind.value_type, zone))
        return pa.list_(value, kind.list_size)
    if pa.types.is_struct(kind):
        return pa.struct([field.with_type(stored_type(field.type, zone)) for field in kind])
    return kind


def stored_array(array: pa.Array, kind: pa.DataType) -> pa.Array:
    """``array`` as ``kind`` (from :func:`stored_type`), value for value."""
    if array.type == kind:
        return array
    mask = array.is_null() if array.null_count else None
    if pa.types.is_interval(array.type):
        return pa.StructArray.from_arrays(
            list(interval_fields(array)), fields=list(kind), mask=mask
        )
    if pa.types.is_timestamp(array.type):
        return in_zone(array, kind.tz)
    if _too_wide(array.type):
        return decimal_text(array)
    if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        values = stored_array(array.values, kind.value_type)
        return type(array).from_arrays(array.offsets, values, type=kind, mask=mask)
    if pa.types.is_fixed_size_list(array.type):
        size = array.type.list_size
        values = array.values.slice(array.offset * size, len(array) * size)
        return pa.FixedSizeListArray.from_arrays(
            stored_array(values, kind.value_type), type=kind, mask=mask
        )
    if pa.types.is_struct(array.type):
        children = [
            stored_array(child, field.type)
            for child, field in zip(array.flatten(), kind, strict=True)
        ]
        return pa.StructArray.from_arrays(children, fields=list(kind), mask=mask)
    return array.cast(kind)


def _too_wide(kind: pa.DataType) -> bool:
    return bool(pa.types.is_decimal(kind) and kind.precision > MAX_DIGITS)


def _has(kind: pa.DataType, test: Callable[[pa.DataType], bool]) -> bool:
    """Whether ``kind`` or a type nested in it passes ``test``."""
    if test(kind):
        return True
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _has(kind.value_type, test)
    if pa.types.is_struct(kind):
        return any(_has(field.type, test) for field in kind)
    return False


SPECS = (
    FormatSpec(
        Format.PARQUET,
        "application/vnd.apache.parquet",
        "parquet",
        ParquetOptions,
        write_parquet,
        "Apache Parquet, columnar and typed",
        unique_names=True,
        compressible=False,
    ),
)
