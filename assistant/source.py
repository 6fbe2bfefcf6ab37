"""The data people ask about: previews and full reads, always through the query guard.

Every query, typed or generated, reaches the database only through the exporter core
(:func:`exporters.open_query`): the guard, the read-only connection and the time limit
apply to all of them. A preview reads one batch and counts the rest; an export re-reads
the whole result as a stream, in its own read-only transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from exporters import CheckedQuery, QueryStream, count_rows, open_query


@dataclass(frozen=True)
class Preview:
    """The first rows of a result, with the full row count."""

    query: CheckedQuery
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    row_count: int
    duration_ms: float


class DataSource:
    """One source database (``ASSISTANT_SOURCE_URL``), queried read-only."""

    def __init__(self, url: str, *, preview_rows: int = 50, timeout: float = 60.0) -> None:
        self.url = url
        self.preview_rows = preview_rows
        self.timeout = timeout

    def preview(self, sql: str) -> Preview:
        """Run ``sql`` (guarded) and return its first rows and its full row count."""
        started = time.perf_counter()
        with open_query(
            self.url, sql, batch_size=self.preview_rows, timeout=self.timeout
        ) as stream:
            first = next(iter(stream.reader), None)
            table = pa.Table.from_batches([] if first is None else [first], stream.schema)
            shown = table.num_rows
            complete = shown < self.preview_rows
            query = stream.query
        total = shown if complete else count_rows(self.url, query, timeout=self.timeout)
        return Preview(
            query=query,
            columns=table.column_names,
            types=[str(kind) for kind in table.schema.types],
            rows=[list(row.values()) for row in table.to_pylist()],
            row_count=total,
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    def open(self, sql: str, *, batch_size: int | None = None) -> QueryStream:
        """The whole result of ``sql`` as a stream of Arrow batches (close it when done)."""
        if batch_size is None:
            return open_query(self.url, sql, timeout=self.timeout)
        return open_query(self.url, sql, batch_size=batch_size, timeout=self.timeout)
