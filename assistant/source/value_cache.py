"""A source's value index, kept fresh: rebuilt when the data changes, big ones in the background.

:class:`ValueCache` hands out the :class:`~assistant.source.values.ValueIndex` of one
source. It builds the index on first use and again when a cheap *change signal* differs
from the one the index was built under:

- SQLite: the modification time and size of the file and of its ``-wal`` (a write in WAL
  mode touches only the ``-wal`` until a checkpoint). ``os.stat`` costs microseconds, so
  it is looked at on every use.
- PostgreSQL: the number of user tables and the sum of their inserted, updated and deleted
  rows (``pg_stat_user_tables``). One catalog query tells whether anything was written
  since, where a time-to-live would rebuild an unchanged source on every expiry and
  still answer from stale values until then. The counters also move for rolled-back
  writes (a needless rebuild, never a missed one) and reach the view within a second or
  so; a query is a round trip, so it is asked at most every ``recheck_seconds``.

A source with more rows than ``background_rows`` (estimated cheaply: counted up to the
threshold in SQLite, the planner's estimate in PostgreSQL) is built in a background
thread; until it is ready the previous index, or :meth:`ValueIndex.empty`, is returned.
One build runs at a time; every method is thread-safe.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

import psycopg

from assistant.source.schema import Schema, first_line, introspect
from assistant.source.values import MAX_BYTES, ValueIndex
from exporters.errors import SourceError, SourceUnavailable
from exporters.sources.postgres_legacy import readable_text
from exporters.sources.sqlite import connect_readonly
from exporters.sources.url import DatabaseURL, parse_url

__all__ = ["BACKGROUND_ROWS", "ValueCache"]

BACKGROUND_ROWS = 250_000
"""A source with more rows than this is indexed in a background thread: reading its short
columns whole takes a second or more on a wide table."""

_TIMEOUT_SECONDS = 10.0
_log = logging.getLogger(__name__)

Builder = Callable[[str, Schema], ValueIndex]


class ValueCache:
    """The value index of the source at ``url``, rebuilt when its data changes."""

    def __init__(
        self,
        url: str,
        *,
        db_schema: str | None = None,
        max_bytes: int = MAX_BYTES,
        background_rows: int = BACKGROUND_ROWS,
        recheck_seconds: float = 5.0,
        build: Builder | None = None,
    ) -> None:
        self.url = url
        self._db_schema = db_schema
        self._background_rows = background_rows
        self._recheck_seconds = recheck_seconds
        self._build: Builder = build or (
            lambda url, schema: ValueIndex.build(
                url, schema, max_bytes=max_bytes, db_schema=db_schema
            )
        )
        self._lock = threading.Lock()
        self._index: ValueIndex | None = None
        self._signal: Hashable = None  # the change signal the index was built under
        self._checked_at = -math.inf
        self._thread: threading.Thread | None = None

    def get(self) -> ValueIndex:
        """The current index: built now if the source is small, else the last one (or an
        empty one) while a new one is built in the background."""
        with self._lock:
            now = time.monotonic()
            recheck = 0.0 if self._parsed.backend == "sqlite" else self._recheck_seconds
            if self._index is not None and now - self._checked_at < recheck:
                return self._index
            self._checked_at = now
            signal = self._change_signal()
            if self._thread is not None or (self._index is not None and signal == self._signal):
                return self._index or ValueIndex.empty()
            if self._rows_above(self._background_rows):
                self._thread = threading.Thread(
                    target=self._build_in_background, args=(signal,), daemon=True,
                    name=f"value-index {self._parsed.backend}",
                )  # fmt: skip
                self._thread.start()
                return self._index or ValueIndex.empty()
            self._index = self._build(self.url, self._schema())
            self._signal = signal
            return self._index

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build to end; whether none is running any more."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    @functools.cached_property
    def _parsed(self) -> DatabaseURL:
        return parse_url(self.url)  # on first use: a DataSource is made before it is used

    def _build_in_background(self, signal: Hashable) -> None:
        try:
            index = self._build(self.url, self._schema())
        except Exception:  # a thread has no caller to raise to: say it, retry on a change
            _log.exception("the value index of the source could not be built")
            index = self._index or ValueIndex.empty()
        with self._lock:
            self._index, self._signal, self._thread = index, signal, None

    def _schema(self) -> Schema:
        return introspect(self.url, schema=self._db_schema)

    def _change_signal(self) -> Hashable:
        if self._parsed.backend == "sqlite":
            return tuple(_stat(self._parsed.database + suffix) for suffix in ("", "-wal"))
        return tuple(self._postgres(_POSTGRES_CHANGES)[0])

    def _rows_above(self, threshold: int) -> bool:
        """Whether the source's base tables hold more than ``threshold`` rows, cheaply."""
        if self._parsed.backend != "sqlite":
            return float(self._postgres(_POSTGRES_ROWS)[0][0]) > threshold
        connection = connect_readonly(self._parsed.database, _TIMEOUT_SECONDS)
        try:
            names = [row[0] for row in connection.execute(_SQLITE_TABLES)]
            total = 0
            for name in names:
                quoted = '"' + name.replace('"', '""') + '"'
                sql = f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT {threshold + 1 - total})"
                total += connection.execute(sql).fetchone()[0]
                if total > threshold:
                    return True
            return False
        finally:
            connection.close()

    def _postgres(self, sql: Any) -> list[tuple[Any, ...]]:
        try:
            connection = readable_text(psycopg.connect(self._parsed.conninfo, connect_timeout=10))
        except psycopg.Error as exc:
            raise SourceUnavailable(f"cannot connect to the database: {first_line(exc)}") from None
        try:
            connection.read_only = True
            connection.execute(f"SET LOCAL statement_timeout = {int(_TIMEOUT_SECONDS * 1000)}")
            return connection.execute(sql, (self._db_schema,)).fetchall()
        except psycopg.Error as exc:
            raise SourceError(f"cannot read the database's statistics: {first_line(exc)}") from exc
        finally:
            with contextlib.suppress(psycopg.Error):
                connection.rollback()
            connection.close()


def _stat(path: str) -> tuple[int, int] | None:
    with contextlib.suppress(OSError):
        found = os.stat(path)
        return found.st_mtime_ns, found.st_size
    return None


_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"

_POSTGRES_CHANGES = """
SELECT count(*), coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)
FROM pg_catalog.pg_stat_user_tables WHERE schemaname = coalesce(%s, current_schema())
"""

# reltuples is -1 for a table never analysed (PostgreSQL 14+): n_live_tup counts it then.
_POSTGRES_ROWS = """
SELECT coalesce(sum(greatest(c.reltuples, s.n_live_tup)), 0)
FROM pg_catalog.pg_stat_user_tables AS s JOIN pg_catalog.pg_class AS c ON c.oid = s.relid
WHERE s.schemaname = coalesce(%s, current_schema())
"""
