"""One XLSX workbook holding several results, a sheet per result.

For exports that gather more than one query: a conversation's history exported at once,
or an API batch of queries answered with one file. Each result gets its own sheet, with
its own header, typed cells and widths, written by the same code as the single-sheet
XLSX format (:mod:`exporters.writers.xlsx`); a result too long for one sheet continues
on ``<name> (2)``. The file has the guarantees of :func:`exporters.export`: it appears
whole or not at all, is hashed while written, reports progress, honours a cancel token
between batches, and the same input gives the same bytes.

Sheets are taken from the iterable one at a time, and a sheet's reader is read to its
end before the next is asked for, so a generator may open each database stream inside
a ``with`` and yield it. The common options (``columns``, ``exclude``, ``rename``,
``limit``) apply to every sheet alike; ``sheet_name`` names a sheet whose own name is blank.

>>> import pyarrow as pa, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "history.xlsx"
>>> result = export_workbook(
...     [Sheet("Orders", pa.table({"id": [1, 2]})), Sheet("orders", pa.table({"n": [3]}))], out
... )
>>> [(sheet.name, sheet.rows) for sheet in result.sheets]
[('Orders', 2), ('orders (2)', 1)]
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyarrow as pa

from exporters.core import (
    CancelToken,
    ProgressCallback,
    Tracker,
    generation_time,
    project,
)
from exporters.errors import BadInput
from exporters.formats import WriteContext
from exporters.options import XlsxOptions, parse_options
from exporters.output import atomic_output
from exporters.prefetch import prefetched

if TYPE_CHECKING:
    import os

    from exporters.writers.xlsx import Book


@dataclass(frozen=True)
class Sheet:
    """One result to put on its own sheet."""

    name: str  # wanted sheet name (made valid and unique by the writer)
    reader: pa.RecordBatchReader | pa.Table


@dataclass(frozen=True)
class SheetSummary:
    name: str  # the name the result's (first) sheet was given
    rows: int


@dataclass(frozen=True)
class WorkbookResult:
    rows: int
    bytes: int
    sha256: str
    seconds: float
    path: Path
    sheets: list[SheetSummary]
    notes: tuple[str, ...] = ()  # what the file could not hold exactly (see ExportResult)


def export_workbook(
    sheets: Iterable[Sheet],
    out: str | os.PathLike[str],
    options: XlsxOptions | Mapping[str, Any] | None = None,
    *,
    title: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    mask_key: bytes | None = None,
) -> WorkbookResult:
    """Write each of ``sheets`` to its own sheet of one XLSX file at ``out``.

    ``title`` is the document's title (shown when ``metadata`` is on); a title row, when
    asked for, shows each sheet's wanted name. Progress counts rows across all sheets.
    ``mask_key`` keys the ``hash`` mask, as in :func:`exporters.export`.
    """
    # Local: importing a writer registers every built-in format (reportlab included).
    from exporters.writers.xlsx import Book

    started = time.perf_counter()
    if not isinstance(options, XlsxOptions):
        options = cast(XlsxOptions, parse_options(XlsxOptions, options or {}))
    generated_at = generation_time(options)
    context = WriteContext(
        title=title or options.title or "Export",
        query=None,
        generated_at=generated_at,
        rows_total=None,
    )
    items = iter(sheets)
    try:
        first = next(items, None)
        if first is None:
            raise BadInput("nothing to put in the workbook: no results were given")
        out_path = Path(out)
        summaries: list[SheetSummary] = []
        with atomic_output(
            out_path, compression=options.compression, generated_at=generated_at, cancel=cancel
        ) as (sink, target):
            tracker = Tracker(sink, None, started, progress, cancel)
            book = Book(target, options, context)
            try:
                for sheet in itertools.chain([first], items):
                    summaries.append(_write_sheet(book, sheet, options, tracker, mask_key))
                book.close()
            except BaseException:
                book.discard()
                raise
    finally:
        # Now rather than at garbage collection: the caller's generator may hold a stream open.
        if isinstance(items, Generator):
            items.close()
    return WorkbookResult(
        rows=book.rows,
        bytes=sink.bytes,
        sha256=sink.hexdigest(),
        seconds=time.perf_counter() - started,
        path=out_path.resolve(),
        sheets=summaries,
        notes=tuple(context.notes),
    )


def _write_sheet(
    book: Book, sheet: Sheet, options: XlsxOptions, tracker: Tracker, mask_key: bytes | None
) -> SheetSummary:
    """Write one result to its sheet(s), reading its reader to the end."""
    reader = sheet.reader.to_reader() if isinstance(sheet.reader, pa.Table) else sheet.reader
    schema, batches, notes = project(reader, options, unique=True, mask_key=mask_key)
    result = book.result(schema, sheet.name, sheet.name)
    # Closed before the next sheet is asked for: the read-ahead thread must have stopped
    # reading before the caller's generator closes this stream.
    with contextlib.closing(prefetched(batches)) as ahead:
        for batch in tracker.watch(ahead):
            result.append(batch)
    notes += result.close()
    # Named after the sheet as the file shows it ("orders (2)"), not as it was asked for.
    for note in notes:
        book.context.note(f"{result.sheet_names[0]}: {note}")
    return SheetSummary(result.sheet_names[0], result.rows)
