"""Open a guarded query on a database URL as a stream of Arrow record batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa

from exporters.guard import CheckedQuery, check_query
from exporters.sources.url import parse_url

DEFAULT_BATCH_ROWS = (
    16_384  # measured: 4x fewer rows in flight cut peak memory ~50 MiB at 1M rows, same speed
)
DEFAULT_TIMEOUT_SECONDS = 300.0


class _Closable(Protocol):
    def close(self) -> None: ...


@dataclass
class QueryStream:
    """A running read-only query: its Arrow schema and its batches, read lazily.

    Use it as a context manager (or call :meth:`close`) so the connection and the
    read-only transaction are released even when the consumer stops early.
    """

    query: CheckedQuery
    reader: pa.RecordBatchReader
    rows_total: int | None = None
    _resources: list[_Closable] = field(default_factory=list)

    @property
    def schema(self) -> pa.Schema:
        return self.reader.schema

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return iter(self.reader)

    def close(self) -> None:
        while self._resources:
            self._resources.pop().close()

    def __enter__(self) -> QueryStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def count_rows(url: str, query: CheckedQuery, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> int:
    """How many rows ``query`` returns: a second pass, used for progress and ETAs."""
    parsed = parse_url(url)
    if parsed.backend == "sqlite":
        from exporters.sources import sqlite

        return sqlite.count_rows(parsed, query, timeout)
    from exporters.sources import postgres

    return postgres.count_rows(parsed, query, timeout)


def open_query(
    url: str,
    sql: str,
    *,
    batch_size: int = DEFAULT_BATCH_ROWS,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    fast: bool = True,
) -> QueryStream:
    """Check ``sql`` with the guard and start it on the database at ``url``.

    ``fast`` lets a SQLite query stream through DuckDB's scanner when its meaning allows
    (about 3x the throughput); pass False for small reads such as a chat preview, where
    the scanner's ~0.1-0.25 s of start-up outweighs its speed.
    """
    parsed = parse_url(url)
    if parsed.backend == "sqlite":
        from exporters.sources import sqlite

        checked = check_query(sql, "sqlite")
        return sqlite.open_sqlite(
            parsed, checked, batch_size=batch_size, timeout=timeout, fast=fast
        )
    from exporters.sources import postgres

    checked = check_query(sql, "postgres")
    return postgres.open_postgres(parsed, checked, batch_size=batch_size, timeout=timeout)
