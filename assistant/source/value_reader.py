"""How the value index reads a database: distinct values of each column, cheaply.

:func:`open_reader` opens a short-lived read-only connection (SQLite's authorised
read-only mode, a PostgreSQL ``READ ONLY`` transaction per query with a statement timeout
of what is left of the time budget) and :class:`Reader` asks it for each table's distinct
values. A small table (at most ``SAMPLE_ROWS`` rows) is read whole in one query; a large
one column by column with ``SELECT DISTINCT ... LIMIT``, so a column of many values stops
after a few thousand rows. PostgreSQL's hashed DISTINCT reads the whole table before its
first row, so there a sample of the first rows turns those columns away first.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg

from assistant.source.schema import Column, first_line
from exporters.errors import QueryTimeout, SourceError, SourceUnavailable
from exporters.sources.postgres_legacy import readable_text
from exporters.sources.sqlite import connect_readonly
from exporters.sources.url import parse_url

__all__ = [
    "FLAG_VALUES",
    "MAX_VALUE_CHARS",
    "SAMPLE_ROWS",
    "Failed",
    "Reader",
    "Stopped",
    "open_reader",
    "text_like",
]

MAX_VALUE_CHARS = 100
"""Longer values are text to read, not a value someone names in a question."""
FLAG_VALUES = 3  # distinct() knows the values of columns with at most this many
SAMPLE_ROWS = 10_000  # a larger table is "large": read column by column, not whole


class Stopped(QueryTimeout):
    """The time budget ran out in the middle of a query: the build ends there."""


class Failed(SourceError):
    """One query failed (a table the role cannot read, say): its columns are left out."""


def text_like(column: Column) -> bool:
    """Text, or no declared type at all (SQLite columns often have none)."""
    return column.kind == "text" or (column.kind == "other" and not column.type)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Reader:
    """Distinct values of a table's columns, the way one database reads them cheaply."""

    def __init__(
        self, run: Callable[[str], list[tuple[Any, ...]]], backend: str, db_schema: str | None
    ) -> None:
        self._run = run
        self._backend = backend
        self._prefix = _quote(db_schema) + "." if db_schema else ""

    def comparable(self, column: Column) -> bool:
        """Whether ``column`` can be compared for distinct values (a json column cannot)."""
        return self._backend == "sqlite" or column.kind != "other"

    def distinct_values(
        self, table: str, text: list[Column], flags: list[Column], most: int
    ) -> dict[str, set[Any]]:
        """Each column's distinct non-null values: all of them when a text column has at
        most ``most``, a flag column at most FLAG_VALUES; more than that means "more"."""
        columns = [*text, *flags]
        if not columns:
            return {}
        source = self._prefix + _quote(table)
        counted = self._run(
            f"SELECT count(*) FROM (SELECT 1 FROM {source} LIMIT {SAMPLE_ROWS + 1}) AS s"
        )
        if counted[0][0] <= SAMPLE_ROWS:  # a small table: read it whole, once
            rows = self._run(f"SELECT {', '.join(self._expr(c) for c in columns)} FROM {source}")
            values: dict[str, set[Any]] = {c.name: set() for c in columns}
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        values[column.name].add(value)
            return values
        return {c.name: self._large(source, c, most if c in text else FLAG_VALUES) for c in columns}

    def _large(self, source: str, column: Column, most: int) -> set[Any]:
        name = _quote(column.name)
        if self._backend != "sqlite":
            # PostgreSQL hashes the whole table before a DISTINCT's first row: a sample
            # of the first rows rejects the columns of many values first.
            sample = self._run(
                f"SELECT DISTINCT {self._expr(column)} FROM (SELECT {name} FROM {source} "
                f"LIMIT {SAMPLE_ROWS}) AS s WHERE {name} IS NOT NULL LIMIT {most + 1}"
            )
            if len(sample) > most:
                return {row[0] for row in sample}
        rows = self._run(
            f"SELECT DISTINCT {self._expr(column)} FROM {source} "
            f"WHERE {name} IS NOT NULL LIMIT {most + 1}"
        )
        return {row[0] for row in rows}

    def _expr(self, column: Column) -> str:
        """The column's values, a long one cut to MAX_VALUE_CHARS + 1 (still too long,
        never read whole)."""
        name = _quote(column.name)
        cut = MAX_VALUE_CHARS + 1
        if self._backend == "sqlite":
            return (
                f"CASE WHEN typeof({name}) IN ('text', 'blob') AND length({name}) > "
                f"{MAX_VALUE_CHARS} THEN substr({name}, 1, {cut}) ELSE {name} END"
            )
        if text_like(column):
            return f"left({name}::text, {cut})"
        return name


@contextlib.contextmanager
def open_reader(url: str, db_schema: str | None, budget: float) -> Iterator[Reader]:
    parsed = parse_url(url)
    if parsed.backend == "sqlite":
        connection = connect_readonly(parsed.database, budget)
        try:
            yield Reader(functools.partial(_sqlite_rows, connection), "sqlite", None)
        finally:
            connection.close()
        return
    try:
        pg: psycopg.Connection[Any] = readable_text(
            psycopg.connect(parsed.conninfo, connect_timeout=10)
        )
    except psycopg.Error as exc:
        raise SourceUnavailable(f"cannot connect to the database: {first_line(exc)}") from None
    try:
        pg.read_only = True
        deadline = time.monotonic() + budget
        yield Reader(functools.partial(_postgres_rows, pg, deadline), "postgresql", db_schema)
    finally:
        with contextlib.suppress(psycopg.Error):
            pg.rollback()
        pg.close()


def _sqlite_rows(connection: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise Stopped("the value index ran out of time") from exc
        raise Failed(f"cannot read values: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise Failed(f"cannot read values: {exc}") from exc


def _postgres_rows(
    connection: psycopg.Connection[Any], deadline: float, sql: str
) -> list[tuple[Any, ...]]:
    left = deadline - time.monotonic()
    if left <= 0:
        raise Stopped("the value index ran out of time")
    try:
        with connection.transaction():  # its own READ ONLY transaction: a failure spoils only it
            connection.execute(f"SET LOCAL statement_timeout = {max(int(left * 1000), 1)}")
            return connection.execute(sql).fetchall()
    except psycopg.errors.QueryCanceled as exc:
        raise Stopped("the value index ran out of time") from exc
    except psycopg.Error as exc:
        raise Failed(f"cannot read values: {first_line(exc)}") from exc
    except UnicodeEncodeError as exc:  # a name a SQL_ASCII session cannot send
        raise Failed("cannot read values: the database's encoding (SQL_ASCII) takes only "
                     "ASCII names") from exc  # fmt: skip
