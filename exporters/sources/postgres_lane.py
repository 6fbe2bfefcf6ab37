"""The COPY lane: a PostgreSQL result read as ``COPY (query) TO STDOUT (FORMAT csv)``.

A server-side cursor costs a round trip and a Python tuple per value (psycopg builds each
row); COPY sends every row as one CSV line, which this module gathers into batches of
``batch_size`` rows (fewer when they pass :data:`MAX_BATCH_BYTES`), parses with Arrow's
CSV reader into one string array per column, and hands to the same conversions as the
cursor path (:mod:`exporters.sources.postgres_types`). Measured on 1,000,000 rows x 10
mixed columns: ~0.35 s of CPU to receive, ~0.2 s to parse, ~0.15 s to convert, against
~4.4-5.8 s for the cursor path to read the same rows.

What the text is, and why it is the cursor path's text exactly:

- each value is its type's output function, as in a text-mode result (the same session:
  DateStyle, IntervalStyle, TimeZone, extra_float_digits);
- NULL is an empty unquoted field and the empty string ``""`` (Arrow's
  ``quoted_strings_can_be_null=False`` tells them apart; a one-column row of NULL is an
  empty line, so empty lines are kept);
- ``bytea`` is its hex text (``bytea_output = hex``), decoded here with numpy;
- arrays are their text, parsed by the same psycopg array loaders the cursor path uses;
- ``ENCODING 'UTF8'`` makes the server convert from any database encoding; only
  ``SQL_ASCII`` (bytes in no known encoding) cannot be converted: :func:`fits` says no.

Time limits: the ``COPY`` is one statement, so its ``statement_timeout`` is what is left
of the whole export's limit, and the first-rows limit is kept here: when the first batch
has not arrived in time, the query is cancelled and :class:`Late` raised. (The server
sends COPY's rows 8 kB at a time: a few slow rows wait for more, or for the end, as a
cursor's first ``FETCH`` waits for a whole batch.) Closing a
reader mid-stream cancels the query and reads what was already on its way, so the
connection can be rolled back and nothing stays open in the server.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from psycopg import pq
from psycopg.errors import error_from_result

from exporters.errors import SourceError
from exporters.sources import postgres_types as types_

#: Set (to anything) to read every PostgreSQL query through the cursor path.
DISABLE_VARIABLE = "EXPORTERS_NO_POSTGRES_COPY"
#: A batch stops at this many bytes of CSV even before ``batch_size`` rows, so wide rows
#: keep memory bounded: 20,000 rows of 19 kB to CSV peaked at 251 MiB with 4 MiB batches,
#: 323 with 8 and 532 with 16 (the cursor path, which counts only rows: 1,909 MiB). A
#: 16,384-row batch of ordinary columns is ~2.3 MB and stays whole.
MAX_BATCH_BYTES = 4 << 20
_DRAIN_SECONDS = 5.0  # reading what a cancelled COPY had already sent
_COPY_OUT, _FATAL = pq.ExecStatus.COPY_OUT, pq.ExecStatus.FATAL_ERROR
_PARSE = pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", np.uint8)] = np.arange(16, dtype=np.uint8)
_HEX[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16, dtype=np.uint8)

#: Turns one array value's text (bytes) into nested lists: psycopg's array loader.
ArrayLoader = Callable[[bytes], Any]


def fits(connection: psycopg.Connection[Any], description: Sequence[Any]) -> bool:
    """Whether this result can be read through COPY exactly as the cursor reads it."""
    if os.environ.get(DISABLE_VARIABLE):
        return False
    if not description:
        return False  # rows of no columns: COPY's empty lines say nothing
    return connection.info.parameter_status("server_encoding") != "SQL_ASCII"


class Late(Exception):
    """The first batch did not arrive within the first-rows limit; the COPY is cancelled."""


class CopyReader:
    """One ``COPY (sql) TO STDOUT`` on ``connection``, read batch by batch.

    ``arrays`` maps a column's position to the loader of its array text; ``binary`` are
    the positions of ``bytea`` columns; ``value_limit`` cuts text and bytes as a preview
    does (:func:`exporters.sources.postgres._cut`).
    """

    def __init__(
        self,
        connection: psycopg.Connection[Any],
        sql: str,
        *,
        columns: int,
        arrays: Mapping[int, ArrayLoader],
        binary: set[int],
        value_limit: int | None = None,
    ) -> None:
        self._connection = connection
        self._pgconn = connection.pgconn
        # A line comment at the end of the query must not swallow the parenthesis.
        self._statement = f"COPY (\n{sql}\n) TO STDOUT (FORMAT csv, ENCODING 'UTF8')"
        self._names = [str(i) for i in range(columns)]
        self._convert = pcsv.ConvertOptions(
            column_types=dict.fromkeys(self._names, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            # ENCODING 'UTF8': the server validated every text on its way in and converts
            # it to valid UTF-8, so Arrow's second check is skipped (-15-25% of the parse).
            check_utf8=False,
        )
        self._arrays, self._binary, self._value_limit = arrays, binary, value_limit
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()  # a close from another thread waits for a read
        self._event = 0  # what the selector waits for on the socket
        self.running = False  # from the COPY sent to its last result read
        self._copying = False  # rows are coming (the server said COPY_OUT)
        self.broken = False  # a cancelled COPY could not be read to its end
        self.batches = 0
        self._closed = False

    # ------------------------------------------------------------------ the protocol

    def start(self, until: float) -> None:
        """Send the COPY and wait (until ``until``, a monotonic time) for the server to
        start it; errors found before the first row (a missing column) are raised here."""
        with self._lock:
            # In the session's encoding, as psycopg sends the DECLARE; the rows come in UTF-8.
            self._pgconn.send_query(self._statement.encode(self._connection.info.encoding))
            self.running = True
            while self._pgconn.flush():
                self._wait(selectors.EVENT_WRITE, until)
            result = self._result(until)
            if result is not None and result.status == _COPY_OUT:
                self._copying = True
                return
            self._finish(result, until)  # raises the error that stopped it
            raise SourceError("the database did not start the COPY")  # pragma: no cover

    def next_batch(self, rows: int, until: float | None = None) -> list[types_.Values] | None:
        """The next ``rows`` rows (fewer at the end, or past ``MAX_BATCH_BYTES``) as one
        value array per column, or None after the last; ``until`` bounds the wait."""
        with self._lock:
            if self._closed:
                raise SourceError("the query was closed")
            data, count = self._receive(rows, until)
        if not count:
            return None
        self.batches += 1
        return self._columns(data, count)

    def _receive(self, rows: int, until: float | None) -> tuple[bytearray, int]:
        data, count = bytearray(), 0
        if not self._copying:
            return data, count
        get, consume, most = self._pgconn.get_copy_data, self._pgconn.consume_input, MAX_BATCH_BYTES
        while count < rows:  # the hot loop: one call per row
            size, row = get(1)  # one row; 0 when none has arrived yet, -1 after the last
            if size > 0:
                data += row  # copied at once: keeping the memoryviews costs twice the time
                count += 1
                if len(data) >= most:
                    break
            elif size == 0:
                self._wait(selectors.EVENT_READ, until)
                consume()
            else:
                self._copying = False
                self._finish(None, until)
                break
        return data, count

    def _result(self, until: float | None) -> pq.abc.PGresult | None:
        while self._pgconn.is_busy():
            self._wait(selectors.EVENT_READ, until)
            self._pgconn.consume_input()
        return self._pgconn.get_result()

    def _finish(self, result: pq.abc.PGresult | None, until: float | None) -> None:
        """Read the statement's last results; raise the error among them, if any."""
        error = result if result is not None and result.status == _FATAL else None
        while (result := self._result(until)) is not None:
            if result.status == _FATAL and error is None:
                error = result
        self.running = False
        if error is not None:
            raise error_from_result(error, encoding=self._connection.info.encoding)

    def _wait(self, event: int, until: float | None) -> None:
        """Wait for the socket (the GIL released); past ``until``, cancel and raise Late."""
        timeout = None if until is None else until - time.monotonic()
        if timeout is not None and timeout <= 0:
            self._cancel_late()
        self._watch(event)
        ready = self._selector.select(timeout)
        if not ready and until is not None and time.monotonic() >= until:
            self._cancel_late()

    def _watch(self, event: int) -> None:
        if self._event != event:
            if self._event:
                self._selector.modify(self._pgconn.socket, event)
            else:
                self._selector.register(self._pgconn.socket, event)
            self._event = event

    def _cancel_late(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._connection.cancel_safe(timeout=_DRAIN_SECONDS)
        self._drain()
        raise Late

    def _drain(self) -> None:
        """After a cancel: read what the statement had already sent, and its results,
        within ``_DRAIN_SECONDS``; when that fails the connection is only fit to close."""
        until = time.monotonic() + _DRAIN_SECONDS
        try:
            while self.running:
                if self._copying:
                    size, _ = self._pgconn.get_copy_data(1)
                    if size == 0:
                        self._wait_until(until)
                        self._pgconn.consume_input()
                    elif size < 0:
                        self._copying = False
                    continue
                while self._pgconn.is_busy():
                    self._wait_until(until)
                    self._pgconn.consume_input()
                result = self._pgconn.get_result()
                if result is None:
                    self.running = False
                elif result.status == _COPY_OUT:  # cancelled before it began
                    self._copying = True
        except (psycopg.Error, TimeoutError):
            self.broken = True
        self._copying = self.running = False

    def _wait_until(self, until: float) -> None:
        left = until - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self._watch(selectors.EVENT_READ)
        self._selector.select(left)

    def close(self) -> None:
        """Stop the COPY if it still runs (from any thread) and release the reader."""
        if self._closed:
            return
        if self.running:  # wakes a read waiting in another thread, which then returns
            with contextlib.suppress(psycopg.Error):
                self._connection.cancel_safe(timeout=_DRAIN_SECONDS)
        with self._lock:
            self._closed = True
            if self.running:
                self._drain()
            self._selector.close()

    # ---------------------------------------------------------------------- values

    def _columns(self, data: bytearray, rows: int) -> list[types_.Values]:
        read = pcsv.ReadOptions(
            column_names=self._names, block_size=len(data) + 1, use_threads=False
        )
        table = pcsv.read_csv(
            pa.py_buffer(data), read_options=read, parse_options=_PARSE,
            convert_options=self._convert,
        )  # fmt: skip
        if table.num_rows != rows:  # pragma: no cover - COPY sends one line per row
            raise SourceError(f"the COPY sent {rows} rows but {table.num_rows} were read")
        columns: list[types_.Values] = []
        for i, column in enumerate(table.columns):
            text = column.combine_chunks()
            if i in self._arrays:
                load = self._arrays[i]
                columns.append([None if v is None else load(v) for v in _bytes(text)])
                continue
            value: pa.Array = unhex(text) if i in self._binary else text
            columns.append(_cut(value, self._value_limit))
        return columns


def _bytes(text: pa.Array) -> list[bytes | None]:
    return text.cast(pa.binary()).to_pylist()  # type: ignore[no-any-return]


def _cut(values: pa.Array, limit: int | None) -> pa.Array:
    """For previews: text and bytes longer than ``limit`` cut to ``limit + 1``."""
    if limit is None:
        return values
    if pa.types.is_binary(values.type):
        return pc.binary_slice(values, 0, limit + 1)
    return pc.utf8_slice_codeunits(values, 0, limit + 1)  # code points, as Python slices


def unhex(text: pa.Array) -> pa.Array:
    """``bytea``'s hex text (``\\x0aff``) as binary values.

    >>> unhex(pa.array(["\\\\x00ff10", None, "\\\\x"])).to_pylist()
    [b'\\x00\\xff\\x10', None, b'']
    """
    if not pc.all(pc.starts_with(text, "\\x"), min_count=0).as_py():
        raise SourceError("a bytea value arrived in a form other than hex")
    digits = pc.utf8_slice_codeunits(text, 2)  # a fresh array: offsets from 0
    validity, offsets_buffer, data_buffer = digits.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int32)[: len(digits) + 1]
    chars = np.frombuffer(data_buffer, np.uint8)[: offsets[-1]] if data_buffer else np.empty(0)
    nibbles = _HEX[chars.astype(np.uint8)]
    if len(nibbles) % 2 or (nibbles == 255).any():
        raise SourceError("a bytea value arrived with a malformed hex text")
    values = (nibbles[0::2] << 4) | nibbles[1::2]
    return pa.Array.from_buffers(
        pa.binary(), len(digits),
        [validity, pa.py_buffer((offsets // 2).astype(np.int32)), pa.py_buffer(values)],
        null_count=digits.null_count,
    )  # fmt: skip
