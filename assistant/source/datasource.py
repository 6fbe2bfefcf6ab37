"""The data people ask about: previews and full reads, always through the query guard.

Every query, typed or generated, reaches the database only through the exporter core
(:func:`exporters.open_query`): the guard, the read-only connection and the time limits
apply to all of them. A preview reads one batch and counts the rest, all within the query
limit (``ASSISTANT_QUERY_TIMEOUT_SECONDS``); an export re-reads the whole result as a
stream, in its own read-only transaction: its first rows within the query limit, the whole
file within the export limit (``ASSISTANT_EXPORT_TIMEOUT_SECONDS``), each named in its
error, so a big export is not stopped for taking longer than a question may.

A preview is for eyes, and bounded: a text or binary value longer than
``PREVIEW_CELL_CHARS`` is read cut (inside the database where it can be) and shown
with a marker, and rows stop once the preview holds ``PREVIEW_CHARS`` characters. The
export itself reads every value whole.

What one preview may hold is bounded before any cutting here: PostgreSQL cuts long text
and bytea in the server; SQLite must build a value whole before it can cut it, so a
preview refuses any value over 16 MiB (``exporters.sources.sqlite.PREVIEW_VALUE_BYTES``)
with a message saying to export it. At most ``preview_rows`` rows are read, no cell over
``PREVIEW_CELL_CHARS`` + 1 characters, and the rows a reply carries stop at
``PREVIEW_CHARS``: a preview's JSON stays within a few megabytes.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assistant.settings import Settings
from assistant.source.policy import MaskPolicy
from assistant.source.schema import Schema, introspect
from assistant.source.value_cache import BACKGROUND_ROWS, ValueCache
from assistant.source.values import MAX_BYTES, ValueIndex
from exporters import (
    CheckedQuery,
    QueryStream,
    TimeLimits,
    check_query,
    count_rows,
    open_query,
)
from exporters.options import CommonOptions
from exporters.render import text_column

PREVIEW_CELL_CHARS = 2_000  # a cell longer than this shows its start and CUT_MARK
PREVIEW_CHARS = 1_000_000  # the rows shown stop once the preview holds this much text
CUT_MARK = "… [cut in the preview; the export has it whole]"
QUERY_LIMIT = "ASSISTANT_QUERY_TIMEOUT_SECONDS"  # the settings named in the limits' errors
EXPORT_LIMIT = "ASSISTANT_EXPORT_TIMEOUT_SECONDS"
_DISPLAY = CommonOptions()


@dataclass(frozen=True)
class Preview:
    """The first rows of a result, with the full row count."""

    query: CheckedQuery
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    row_count: int
    duration_ms: float


@dataclass(frozen=True)
class Counted:
    """A query checked by the guard and its rows counted, none read: ``rows`` is None
    when there are more than the count was asked to go to."""

    query: CheckedQuery
    rows: int | None
    duration_ms: float


class DataSource:
    """One source database (``ASSISTANT_SOURCE_URL``), queried read-only."""

    def __init__(
        self,
        url: str,
        *,
        preview_rows: int = 50,
        timeout: float = 60.0,
        export_timeout: float = 3600.0,
        value_index_max_bytes: int = MAX_BYTES,
        value_index_background_rows: int = BACKGROUND_ROWS,
        policy: MaskPolicy | None = None,
    ) -> None:
        self.url = url
        # The admin's masking: previews show masked values; exports take it as an option.
        self.policy = policy or MaskPolicy()
        self.preview_rows = preview_rows
        self.timeout = timeout
        self.export_timeout = export_timeout
        # Made now, not on first use: two threads asking at once share one cache.
        self._values = ValueCache(
            url, max_bytes=value_index_max_bytes, background_rows=value_index_background_rows
        )

    @classmethod
    def from_settings(cls, settings: Settings, mask_key: bytes | None = None) -> DataSource:
        """The configured source, with its preview size, time limit and masking policy
        (``mask_key``: :func:`assistant.files.links.mask_key`, for hashed columns)."""
        return cls(
            settings.source_url,
            preview_rows=settings.preview_rows,
            timeout=settings.query_timeout_seconds,
            export_timeout=settings.export_timeout_seconds,
            value_index_max_bytes=settings.value_index_max_bytes,
            value_index_background_rows=settings.value_index_background_rows,
            policy=MaskPolicy.from_settings(settings, mask_key),
        )

    @functools.cached_property
    def schema(self) -> Schema:
        """The source's tables and columns, read once."""
        return introspect(self.url)

    @property
    def values(self) -> ValueIndex:
        """The source's value index: built on first use, rebuilt when the data changes; a
        large source's is built in the background (empty until then). See
        :mod:`assistant.source.value_cache`."""
        return self._values.get()

    @property
    def limits(self) -> TimeLimits:
        """The query limit for first rows, the export limit for the rest, both by name."""
        return TimeLimits(self.timeout, self.export_timeout, QUERY_LIMIT, EXPORT_LIMIT)

    def preview(self, sql: str) -> Preview:
        """Run ``sql`` (guarded) and return its first rows and its full row count."""
        started = time.perf_counter()
        # A preview is all first rows: the query limit bounds the whole of it.
        limits = TimeLimits(self.timeout, self.timeout, QUERY_LIMIT, QUERY_LIMIT)
        with open_query(
            self.url,
            sql,
            batch_size=self.preview_rows,
            timeout=limits,
            fast=False,
            value_limit=PREVIEW_CELL_CHARS,
        ) as stream:
            first = next(iter(stream.reader), None)
            table = pa.Table.from_batches([] if first is None else [first], stream.schema)
            table = self.policy.mask_table(table)
            shown = table.num_rows
            complete = shown < self.preview_rows
            query = stream.query
        total = shown if complete else count_rows(self.url, query, timeout=limits)
        return Preview(
            query=query,
            columns=table.column_names,
            types=[str(kind) for kind in table.schema.types],
            rows=preview_rows(table),
            row_count=total,
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    def count(self, sql: str, *, at_most: int | None = None) -> Counted:
        """Check ``sql`` (guarded) and count its rows in the database, reading and typing
        none: every row, or up to ``at_most`` (more answer None), so a large result costs
        no more than ``at_most`` rows. Within the query limit, as a preview."""
        started = time.perf_counter()
        dialect = "postgres" if self.url.startswith("postgres") else "sqlite"
        checked = check_query(sql, dialect)
        counted = checked
        if at_most is not None:  # the guarded statement, whole, inside a bounded outer one
            bounded = f"SELECT 1 FROM ({checked.sql}) AS counted LIMIT {int(at_most) + 1}"
            counted = dataclasses.replace(checked, sql=bounded)
        limits = TimeLimits(self.timeout, self.timeout, QUERY_LIMIT, QUERY_LIMIT)
        rows: int | None = count_rows(self.url, counted, timeout=limits)
        if at_most is not None and rows is not None and rows > at_most:
            rows = None
        return Counted(checked, rows, (time.perf_counter() - started) * 1000)

    def open(
        self,
        sql: str,
        *,
        batch_size: int | None = None,
        column_types: dict[int, pa.DataType] | None = None,
    ) -> QueryStream:
        """The whole result of ``sql`` as a stream of Arrow batches (close it when done).

        ``column_types`` are types an earlier read learned (``TypesChanged``); with
        them the query is read in the database itself, never through a fast lane. The
        first rows must come within the query limit, the last within the export limit.
        """
        extra: dict[str, Any] = {}
        if batch_size is not None:
            extra["batch_size"] = batch_size
        if column_types is not None:
            extra.update(column_types=column_types, fast=False)
        return open_query(self.url, sql, timeout=self.limits, **extra)


def preview_rows(table: pa.Table) -> list[list[Any]]:
    """Rows of ``table`` for display, column by column (repeated names keep their own
    values): long values cut with :data:`CUT_MARK`, rows stopping at :data:`PREVIEW_CHARS`;
    dates, times, intervals and JSON as the exporters write them."""
    columns = [_display(column) for column in table.columns]
    rows: list[list[Any]] = []
    used = 0
    for row in zip(*columns, strict=True):
        used += sum(len(cell) if isinstance(cell, str) else 8 for cell in row)
        if rows and used > PREVIEW_CHARS:
            break
        rows.append(list(row))
    return rows


def _display(column: pa.ChunkedArray) -> list[Any]:
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    kind = array.type
    plain = (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_string(kind)
        or pa.types.is_null(kind)
    )
    if not plain:
        array = text_column(array, _DISPLAY)  # binary as hex, intervals, dates of any year
    values: list[Any] = array.to_pylist()
    if pa.types.is_string(array.type) and len(array):
        long = pc.greater(pc.utf8_length(array), PREVIEW_CELL_CHARS).fill_null(False)
        if pc.any(long).as_py():
            return [
                _cut(v) if isinstance(v, str) and len(v) > PREVIEW_CELL_CHARS else v for v in values
            ]
    return values


def _cut(text: str) -> str:
    return text[:PREVIEW_CELL_CHARS] + CUT_MARK
