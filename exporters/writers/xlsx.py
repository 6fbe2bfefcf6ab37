"""XLSX: typed cells streamed into an OOXML package, built column-wise with Arrow compute.

Each batch is cut into chunks of about ``CHUNK_BYTES``; a chunk becomes worksheet rows
in a few vectorised passes (see :mod:`exporters.writers.xlsx_cells`) and goes straight
into a deflated ZIP member, so memory stays flat however many rows arrive. Deflate is
most of the time, so the XML is kept lean (inline strings, no cell references).

A sheet holds at most ``MAX_SHEET_ROWS`` rows; the rest continue on ``<name> (2)``,
``(3)``, … each with its own header. Every date inside the package is the export's
``generated_at``: the same rows and options give the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import zipfile
from collections.abc import Iterator
from typing import IO, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from exporters.errors import BadInput
from exporters.formats import Format, FormatSpec, WriteContext
from exporters.options import XlsxOptions
from exporters.render import text_buffer
from exporters.writers import xlsx_package as package
from exporters.writers.xlsx_cells import (
    CellType,
    Part,
    cell_type,
    cells,
    display_width,
    joined,
    text_cells,
)

MAX_SHEET_ROWS = 1_048_576  # Excel's limit, header rows included
MAX_COLUMNS = 16_384
MAX_SHEET_BYTES = 2**31 - 2**24  # below zipfile's limit for a part without ZIP64
CHUNK_BYTES = 4 * 2**20  # about this much input is rendered at a time: memory stays flat
MAX_WIDTH = 60
SHEET_LEVEL = 1  # deflate level for worksheets: several times faster than 6, a third larger


def write_xlsx(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: XlsxOptions,
    context: WriteContext,
) -> None:
    if len(schema) > MAX_COLUMNS:
        raise BadInput(
            f"an XLSX sheet holds at most {MAX_COLUMNS:,} columns and the result has "
            f"{len(schema):,}; pick fewer with the `columns` option"
        )
    types = [cell_type(field.type) for field in schema]
    styles = package.Styles([kind.number_format for kind in types])
    first = next(batches, None)
    widths = None
    if options.column_widths == "auto":
        widths = _widths(schema, types, first, options)
    archive = zipfile.ZipFile(_Stream(sink), "w")
    book = _Book(archive, schema, types, styles, widths, options, context)

    def add(name: str, text: str) -> None:
        archive.writestr(_entry(name, context.generated_at, 6), text.encode())

    try:
        # Parts known up front go first: file-type sniffers look for `_rels/` then `xl/`.
        add("_rels/.rels", package.root_rels(options.metadata))
        if options.metadata:
            add(
                "docProps/core.xml",
                package.core_properties(context.title, context.query, context.generated_at),
            )
        add("xl/styles.xml", styles.xml())
        for batch in itertools.chain([first] if first is not None else [], batches):
            book.append(batch)
        sheets = book.close()
        add("xl/workbook.xml", package.workbook(sheets))
        add("xl/_rels/workbook.xml.rels", package.workbook_rels(len(sheets)))
        if options.metadata:
            add("docProps/custom.xml", package.custom_properties(book.rows))
        add("[Content_Types].xml", package.content_types(len(sheets), options.metadata))
    except BaseException:
        book.discard()
        with contextlib.suppress(Exception):
            archive.close()
        raise
    archive.close()


class _Book:
    """Rows in, worksheets out: a new sheet when one is full (rows, or ZIP32 bytes)."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        schema: pa.Schema,
        types: list[CellType],
        styles: package.Styles,
        widths: list[float] | None,
        options: XlsxOptions,
        context: WriteContext,
    ) -> None:
        self._archive = archive
        self._kinds = [kind.kind for kind in types]
        self._styles = [styles.index(kind.number_format) for kind in types]
        self._widths = widths
        self._options = options
        self._context = context
        self._names = pa.array(schema.names, pa.string())
        self._top = 2 if options.title_row else 1  # the header's row number
        self._member: IO[bytes] | None = None
        self._row = 0  # last row written on the current sheet
        self._bytes = 0
        self.sheets: list[package.Sheet] = []
        self.rows = 0

    def append(self, batch: pa.RecordBatch) -> None:
        row_bytes = batch.nbytes // max(batch.num_rows, 1) + 24 * batch.num_columns
        step = max(1, CHUNK_BYTES // row_bytes)
        for start in range(0, batch.num_rows, step):
            self._write(batch.slice(start, step))

    def close(self) -> list[package.Sheet]:
        if self._member is None and not self.sheets:
            self._open()  # no rows: still a sheet with its header
        if self._member is not None:
            self._finish()
        return self.sheets

    def discard(self) -> None:
        """After a failure: close a half-written sheet so the archive closes quietly."""
        if self._member is not None:
            with contextlib.suppress(Exception):
                self._member.close()
            self._member = None

    def _write(self, chunk: pa.RecordBatch) -> None:
        while chunk.num_rows:
            if self._member is None:
                self._open()
            room = MAX_SHEET_ROWS - self._row
            part = chunk.slice(0, room)
            data = self._rows(part) if room > 0 else None
            if data is None or (
                self._bytes + data.size > MAX_SHEET_BYTES and self._row > self._top
            ):
                self._finish()
                continue
            self._put(data)
            self._row += part.num_rows
            self.rows += part.num_rows
            chunk = chunk.slice(part.num_rows)

    def _rows(self, batch: pa.RecordBatch) -> pa.Buffer:
        numbers = pc.add(pc.cumulative_sum(pa.repeat(1, batch.num_rows)), self._row)
        parts: list[Part] = ['<row r="', numbers.cast(pa.string()), '">']
        for column, kind, style in zip(batch.columns, self._kinds, self._styles, strict=True):
            parts += cells(column, kind, style, self._options)
        parts.append("</row>")
        return text_buffer(pc.binary_join_element_wise(*_merged(parts), ""))

    def _open(self) -> None:
        number = len(self.sheets) + 1
        entry = _entry(f"xl/worksheets/sheet{number}.xml", self._context.generated_at, SHEET_LEVEL)
        self._member = self._archive.open(entry, "w")
        self._bytes = 0
        self._put(
            package.sheet_head(
                self._widths, self._top, self._options.freeze_header, selected=number == 1
            )
        )
        if self._options.title_row:
            title = pa.array([self._context.title], pa.string())
            cell = text_buffer(joined(text_cells(title, package.TITLE_STYLE)))
            self._put(f'<row r="1" ht="20" customHeight="1">{cell.to_pybytes().decode()}</row>')
        header = text_buffer(joined(text_cells(self._names, package.HEADER_STYLE)))
        self._put(f'<row r="{self._top}">{header.to_pybytes().decode()}</row>')
        self._row = self._top

    def _finish(self) -> None:
        assert self._member is not None
        number = len(self.sheets) + 1
        last = package.column_letter(len(self._names) - 1)
        span = f"$A${self._top}:${last}${self._row}" if self._options.autofilter else None
        self._put(package.sheet_tail(span))
        self._member.close()
        self._member = None
        self.sheets.append(package.Sheet(_sheet_name(self._options.sheet_name, number), span))

    def _put(self, data: str | pa.Buffer) -> None:
        assert self._member is not None
        raw = data.encode() if isinstance(data, str) else data
        self._member.write(raw)
        self._bytes += len(raw) if isinstance(raw, bytes) else raw.size


class _Stream:
    """The sink as zipfile sees it: write-only, never seeked, whatever the sink can do.

    Keeps the bytes identical whether the sink is a file, a gzip stream or a socket.
    """

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self._position = 0

    def write(self, data: bytes) -> int:
        written = len(data)
        self._sink.write(data)
        self._position += written
        return written

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        """Closing the sink is the caller's business."""


def _widths(
    schema: pa.Schema, types: list[CellType], first: pa.RecordBatch | None, options: XlsxOptions
) -> list[float]:
    """Column widths from the header and the first batch, capped at ``MAX_WIDTH``."""
    button = 2 if options.autofilter else 0  # the filter arrow covers the header's end
    widths = []
    for i, (field, kind) in enumerate(zip(schema, types, strict=True)):
        content = display_width(first.column(i), kind.kind, options) if first is not None else 0
        widths.append(float(min(MAX_WIDTH, max(len(field.name) + button, content, 6) + 2)))
    return widths


def _sheet_name(base: str, number: int) -> str:
    """``Data``, then ``Data (2)``, ``Data (3)``…, shortened to Excel's 31 characters."""
    if number == 1:
        return base
    suffix = f" ({number})"
    return base[: 31 - len(suffix)] + suffix


def _entry(name: str, when: dt.datetime, level: int) -> zipfile.ZipInfo:
    """A deflated ZIP entry dated ``when`` (ZIP dates span 1980-2107), the same on any OS."""
    stamp = min(max(when.replace(tzinfo=None), dt.datetime(1980, 1, 1)), dt.datetime(2107, 12, 31))
    info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = level  # type: ignore[attr-defined]  # public only in 3.13
    info.create_system = 0
    return info


def _merged(parts: list[Part]) -> list[Part]:
    """Adjacent literals joined, so the row join takes fewer arguments."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


SPECS = (
    FormatSpec(
        Format.XLSX,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        XlsxOptions,
        write_xlsx,
        "Excel workbook: typed cells, styled header, a new sheet every 1,048,576 rows",
    ),
)
