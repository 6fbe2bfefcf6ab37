"""Two time limits for one query: to its first rows, and to its last.

A chat question and a 3-million-row export run the same query, but wait differently: a
person waits for the first rows (a query that has computed nothing after a minute is
stuck), while a background export may stream for an hour. One limit for both either
stops big exports half-written (a 60 s limit killed a 3,060,840-row Excel file after
1.85 M rows) or lets a stuck query hold the database for an hour. So:

- ``first_rows`` bounds opening the query and reading its first batch;
- ``whole`` bounds everything, measured from the first open (a restart with wider
  types keeps the clock), including the time the writer spends between batches.

A :class:`Deadline` holds both for one stream. The sources consult it where the database
can be stopped (SQLite's progress handler, PostgreSQL's ``statement_timeout`` before each
``FETCH``); :func:`limited` checks it as each batch is read, which bounds a reader with
no handle to stop (DuckDB's scanner); and :func:`exporters.export` checks it on the
writer's side between batches and once the writer is done (the read-ahead thread may
have read the last batch long before), so a slow writer is bounded too. Each error names
its own limit, and the setting that changes it when the caller gave one.

>>> limits = TimeLimits(first_rows=60, whole=3600, whole_setting="EXPORT_TIMEOUT")
>>> limits.whole_error().message
'the export took longer than 3600 seconds (EXPORT_TIMEOUT) and was stopped'
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

import pyarrow as pa

from exporters.errors import ExportTimeout, QueryTimeout

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_EXPORT_TIMEOUT_SECONDS = 3600.0


@dataclass(frozen=True)
class TimeLimits:
    """Seconds to the first rows and to the last; the settings named in their errors."""

    first_rows: float = DEFAULT_TIMEOUT_SECONDS
    whole: float = DEFAULT_EXPORT_TIMEOUT_SECONDS
    first_rows_setting: str | None = None  # e.g. "ASSISTANT_QUERY_TIMEOUT_SECONDS"
    whole_setting: str | None = None

    def first_rows_error(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query took longer than {self.first_rows:g} seconds to start returning rows"
            f"{_named(self.first_rows_setting)} and was stopped"
        )

    def whole_error(self) -> ExportTimeout:
        return ExportTimeout(
            f"the export took longer than {self.whole:g} seconds{_named(self.whole_setting)} "
            "and was stopped"
        )


def _named(setting: str | None) -> str:
    return f" ({setting})" if setting else ""


class Deadline:
    """One stream's clock: the first-rows limit until :meth:`streaming`, then the whole one.

    Read from the database's own thread (SQLite's progress handler), so :meth:`passed`
    only compares two floats.
    """

    def __init__(self, limits: TimeLimits, *, started: float | None = None) -> None:
        now = time.monotonic()
        self.limits = limits
        self.started = now if started is None else started
        self._whole_end = self.started + limits.whole
        self._first_end = min(now + limits.first_rows, self._whole_end)
        self._capped = now + limits.first_rows > self._whole_end  # a restart near the end
        self._end = self._first_end
        self.first_rows = True

    def again(self) -> Deadline:
        """The deadline for the same query run again: first rows anew, the same end."""
        return Deadline(self.limits, started=self.started)

    def streaming(self) -> None:
        """The first rows arrived: from now on only the whole limit applies."""
        self.first_rows = False
        self._end = self._whole_end

    def passed(self) -> bool:
        return time.monotonic() > self._end

    def left(self) -> float:
        """Seconds left under the limit in force (never below a millisecond)."""
        return max(self._end - time.monotonic(), 0.001)

    def error(self) -> QueryTimeout:
        """The error for the limit in force: first rows, or the whole export."""
        if self.first_rows and not self._capped:
            return self.limits.first_rows_error()
        return self.limits.whole_error()


Limit: TypeAlias = float | TimeLimits | Deadline


def deadline_for(limit: Limit) -> Deadline:
    """A fresh deadline for ``limit``; a bare number limits the first rows (and the
    whole export to at least the default)."""
    if isinstance(limit, Deadline):
        return limit
    if isinstance(limit, TimeLimits):
        return Deadline(limit)
    return Deadline(TimeLimits(first_rows=limit, whole=max(limit, DEFAULT_EXPORT_TIMEOUT_SECONDS)))


def limited(reader: pa.RecordBatchReader, deadline: Deadline) -> pa.RecordBatchReader:
    """``reader``'s batches, stopped between two when ``deadline`` has passed.

    The first batch switches the deadline to the whole limit; the check runs when the
    consumer asks for the next batch, so time spent writing counts too.
    """

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            if deadline.passed():
                raise deadline.error()
            deadline.streaming()
            yield batch
        if deadline.passed():
            raise deadline.error()

    return pa.RecordBatchReader.from_batches(reader.schema, batches())
