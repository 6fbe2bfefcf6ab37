"""Errors the exporter core raises, each with a message a person can act on.

    UserFacingError             any error whose ``message`` is for a person (the assistant's too)
    └── ExporterError           base: anything the core refuses or cannot finish
        ├── BadInput            the caller asked for something invalid (CLI exit 2, HTTP 400)
        │   ├── OptionError     an unknown option key or a value out of range
        │   ├── QueryRejected   the SQL is not one read-only statement
        │   ├── InvalidQuery    the database cannot compile it (no such table, syntax)
        │   ├── UnknownColumn   `columns`/`exclude`/`rename` names a column the result lacks
        │   └── DestinationError  the output path cannot be written
        ├── SourceError         the database failed to run an accepted query
        │   ├── SourceUnavailable  it cannot be reached (down, gone, cut off): retry later
        │   ├── QueryTimeout    the query gave no rows within its time limit
        │   │   └── ExportTimeout  the whole export ran past its (larger) time limit
        │   └── TypesChanged    later rows need wider column types: the read restarts
        ├── ExportCancelled     a cancel token fired; no file was left behind
        └── EncodingFailed      a value cannot be written in the asked encoding

Foreign exceptions (sqlite3, SQLAlchemy, pyarrow, OS errors) are translated at the seam
with ``raise ... from exc`` so callers only ever see this tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class UserFacingError(Exception):
    """Base of every error whose ``message`` is meant for a person (the assistant's too)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExporterError(UserFacingError):
    """Base class: the message is meant for the person who asked for the export."""


class BadInput(ExporterError):
    """The request itself is wrong; retrying it unchanged will fail again."""


class OptionError(BadInput):
    """An option key is unknown or its value is not accepted (the message names both)."""


class QueryRejected(BadInput):
    """The query guard refused the SQL (the message names what was refused)."""


class InvalidQuery(BadInput):
    """The database could not compile the query (a missing table or column, a typo)."""


class UnknownColumn(BadInput):
    """A column named in the options is not in the result (the message lists those that are)."""


class DestinationError(BadInput):
    """The output file cannot be created where it was asked for."""


class SourceError(ExporterError):
    """The database could not run a query the guard accepted."""


class SourceUnavailable(SourceError):
    """The database cannot be reached: refused, missing, or cut off while reading.

    Nothing about the query is wrong; the same request may succeed once it is back (the
    API answers 503 with ``Retry-After``)."""


class QueryTimeout(SourceError):
    """The query took longer than the configured limit and was stopped.

    Raised as such when no rows came within the first-rows limit; see
    :mod:`exporters.sources.limits` for the two limits."""


class ExportTimeout(QueryTimeout):
    """The rows came, but the whole export outran its own, larger limit and was stopped.

    A kind of :class:`QueryTimeout` (the stream is stopped the same way and callers that
    map timeouts keep working); its message names the export limit, not the query's."""


class TypesChanged(SourceError):
    """A batch held values its column's type (decided from the first rows) cannot hold.

    ``widened`` maps column positions to wider Arrow types. :func:`exporters.export`
    catches it, starts the query again with those types and writes the file anew; a
    caller reading batches itself sees a SourceError saying which column changed.
    """

    def __init__(self, message: str, widened: Mapping[int, Any]) -> None:
        super().__init__(message)
        self.widened = dict(widened)


class ExportCancelled(ExporterError):
    """The export was cancelled between two batches; the partial file was removed."""


class EncodingFailed(BadInput):
    """A value cannot be represented in the requested text encoding."""
