"""XLSX: typed cells streamed into an OOXML package, built column-wise with Arrow compute.

Each batch is cut into chunks of about ``CHUNK_BYTES``; a chunk becomes worksheet rows
in a few vectorised passes (see :mod:`exporters.writers.xlsx_cells`) and is deflated at
once, so memory stays flat however many rows arrive. Deflate is most of the time, so the
XML is kept lean (inline strings, no cell references). A sheet's head, which states its
used range (``<dimension>``, what openpyxl's read-only ``max_row`` and others rely on),
is known only after its last row: :mod:`exporters.writers.xlsx_zip` spools the deflated
rows and puts the head in front when the sheet ends.

A sheet holds at most ``MAX_SHEET_ROWS`` rows; the rest continue on ``<name> (2)``,
``(3)``, … each with its own header. What a cell could not hold exactly (a text cut at
32,767 characters, a date Excel lacks written as text) is counted per column and noted
once, in the result and on a ``Notes`` sheet at the end (:mod:`exporters.writers.xlsx_notes`).
Every date inside the package is the export's ``generated_at``: the same rows and options
give the same bytes.

:class:`Book` is the package and :class:`Result` puts one result on its sheets; this
format writes one result, :mod:`exporters.workbook` one per sheet, with the same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from exporters.errors import BadInput
from exporters.formats import Format, FormatSpec, WriteContext
from exporters.options import XlsxOptions
from exporters.render import text_buffer
from exporters.writers import xlsx_package as package
from exporters.writers.xlsx_cells import (
    CellType,
    Kind,
    Part,
    cell_type,
    cells,
    display_width,
    joined,
    text_cells,
)
from exporters.writers.xlsx_notes import Tally
from exporters.writers.xlsx_zip import HeadLast, Package

MAX_SHEET_ROWS = 1_048_576  # Excel's limit, header rows included
MAX_COLUMNS = 16_384
MAX_SHEET_BYTES = 2**31 - 2**24  # a part stays a ZIP32 entry, even for readers of signed sizes
CHUNK_BYTES = 4 * 2**20  # about this much input is rendered at a time: memory stays flat
MAX_WIDTH = 60
SHEET_LEVEL = 1  # deflate level for worksheets: several times faster than 6, a third larger
MAX_NAME = 31  # Excel's longest sheet name
NOTES_SHEET = "Notes"  # the last sheet, when anything is noted (numbered if the name is taken)
_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NAME_INVALID = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")  # controls, non-XML


def write_xlsx(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: XlsxOptions,
    context: WriteContext,
) -> None:
    book = Book(sink, options, context)
    try:
        result = book.result(schema, options.sheet_name, context.title)
        book.write_styles()  # every column is known: styles go before the sheets
        for batch in batches:
            result.append(batch)
        for note in result.close():
            context.note(note)
        book.close()
    except BaseException:
        book.discard()
        raise


class Book:
    """An XLSX package streamed to ``sink``: worksheets as they come, then the parts listing them.

    Each result gets a :class:`Result` from :meth:`result`; one result is written at a time.
    """

    def __init__(self, sink: BinaryIO, options: XlsxOptions, context: WriteContext) -> None:
        self.options = options
        self.context = context
        self.styles = package.Styles()
        self.names = SheetNames()
        self.sheets: list[package.Sheet] = []
        self._results: list[Result] = []
        self._part: HeadLast | None = None
        self._styles_written = False
        self._package = Package(sink, context.generated_at)
        # Parts known up front go first: file-type sniffers look for `_rels/` then `xl/`.
        self._add("_rels/.rels", package.root_rels(options.metadata))
        if options.metadata:
            self._add(
                "docProps/core.xml",
                package.core_properties(context.title, context.query, context.generated_at),
            )

    @property
    def rows(self) -> int:
        """Data rows written so far, over every result (the Notes sheet is not data)."""
        return sum(result.rows for result in self._results)

    def result(self, schema: pa.Schema, name: str, title: str) -> Result:
        """A writer for one result, starting on a new sheet named after ``name``.

        ``title`` is what its title row shows, when the options ask for one.
        """
        if len(schema) > MAX_COLUMNS:
            raise BadInput(
                f"an XLSX sheet holds at most {MAX_COLUMNS:,} columns and the result has "
                f"{len(schema):,}; pick fewer with the `columns` option"
            )
        types = [cell_type(field.type) for field in schema]
        self.styles.add([kind.number_format for kind in types])
        name = sheet_name(name, self.options.sheet_name)
        result = Result(self, schema, types, name, title, self.options)
        self._results.append(result)
        return result

    def write_styles(self) -> None:
        """Write the style table now, when every sheet's columns are known up front.

        Otherwise :meth:`close` writes it, after the last sheet has added its formats.
        """
        self._add("xl/styles.xml", self.styles.xml())
        self._styles_written = True

    def open_sheet(self) -> HeadLast:
        """The next worksheet's part, open for its rows until :meth:`close_sheet`."""
        number = len(self.sheets) + 1
        self._part = self._package.head_last(f"xl/worksheets/sheet{number}.xml", SHEET_LEVEL)
        return self._part

    def close_sheet(self, sheet: package.Sheet, head: str) -> None:
        """Finish the open worksheet: ``head`` (known now) goes in front of its rows."""
        assert self._part is not None
        self._part.close(head.encode())
        self._part = None
        self.sheets.append(sheet)

    def close(self) -> None:
        """Write the Notes sheet (if anything is noted) and the parts listing the sheets."""
        if self.context.notes:
            self._write_notes()
        if not self._styles_written:
            self.write_styles()
        self._add("xl/workbook.xml", package.workbook(self.sheets))
        self._add("xl/_rels/workbook.xml.rels", package.workbook_rels(len(self.sheets)))
        if self.options.metadata:
            self._add("docProps/custom.xml", package.custom_properties(self.rows))
        self._add(
            "[Content_Types].xml", package.content_types(len(self.sheets), self.options.metadata)
        )
        self._package.close()

    def discard(self) -> None:
        """After a failure: drop a half-written sheet's spool (the file itself is dropped)."""
        if self._part is not None:
            self._part.discard()
            self._part = None

    def _write_notes(self) -> None:
        """The notes, one a row, on a sheet of their own after every result's sheets."""
        notes = pa.record_batch({"note": pa.array(self.context.notes, pa.string())})
        plain = self.options.model_copy(
            update={"title_row": False, "autofilter": False, "column_widths": "auto"}
        )
        result = Result(self, notes.schema, [CellType(Kind.TEXT)], NOTES_SHEET, "", plain)
        result.append(notes)
        result.close()

    def _add(self, name: str, text: str) -> None:
        self._package.add(name, text.encode(), 6)


class Result:
    """One result's rows onto worksheets: a new one when one is full (rows, or ZIP32 bytes)."""

    def __init__(
        self,
        book: Book,
        schema: pa.Schema,
        types: list[CellType],
        base: str,
        title: str,
        options: XlsxOptions,
    ) -> None:
        self._book = book
        self._options = options
        self._schema = schema
        self._types = types
        self._kinds = [kind.kind for kind in types]
        self._styles = [book.styles.index(kind.number_format) for kind in types]
        self._tallies = [Tally() for _ in types]
        self._base = base
        self._title = title
        self._widths: list[float] | None = None
        self._sized = options.column_widths != "auto"
        self._names = pa.array(schema.names, pa.string())
        self._top = 2 if options.title_row else 1  # the header's row number
        self._part: HeadLast | None = None
        self._row = 0  # last row written on the current sheet
        self.sheet_names: list[str] = []
        self.rows = 0

    def append(self, batch: pa.RecordBatch) -> None:
        if not self._sized:
            self._size(batch)
        row_bytes = batch.nbytes // max(batch.num_rows, 1) + 24 * batch.num_columns
        step = max(1, CHUNK_BYTES // row_bytes)
        for start in range(0, batch.num_rows, step):
            self._write(batch.slice(start, step))

    def close(self) -> list[str]:
        """Finish the last sheet; return what its columns could not hold exactly, in words."""
        if not self.sheet_names:
            self._open()  # no rows: still a sheet with its header
        if self._part is not None:
            self._finish()
        return [
            note
            for name, tally in zip(self._schema.names, self._tallies, strict=True)
            for note in tally.notes(name)
        ]

    def _size(self, first: pa.RecordBatch | None) -> None:
        """Column widths from the header and the first batch (if any), capped at ``MAX_WIDTH``."""
        button = 2 if self._options.autofilter else 0  # the filter arrow covers the header's end
        widths = []
        for i, (field, kind) in enumerate(zip(self._schema, self._types, strict=True)):
            content = (
                0 if first is None else display_width(first.column(i), kind.kind, self._options)
            )
            widths.append(float(min(MAX_WIDTH, max(len(field.name) + button, content, 6) + 2)))
        self._widths = widths
        self._sized = True

    def _write(self, chunk: pa.RecordBatch) -> None:
        while chunk.num_rows:
            if self._part is None:
                self._open()
            assert self._part is not None
            room = MAX_SHEET_ROWS - self._row
            part = chunk.slice(0, room)
            data = self._rows(part) if room > 0 else None
            if data is None or (
                self._part.size + data.size > MAX_SHEET_BYTES and self._row > self._top
            ):
                self._finish()
                continue
            self._part.write(data)
            self._row += part.num_rows
            self.rows += part.num_rows
            chunk = chunk.slice(part.num_rows)

    def _rows(self, batch: pa.RecordBatch) -> pa.Buffer:
        numbers = pc.add(pc.cumulative_sum(pa.repeat(1, batch.num_rows)), self._row)
        parts: list[Part] = ['<row r="', numbers.cast(pa.string()), '">']
        for column, kind, style, tally in zip(
            batch.columns, self._kinds, self._styles, self._tallies, strict=True
        ):
            parts += cells(column, kind, style, self._options, tally)
        parts.append("</row>")
        return text_buffer(pc.binary_join_element_wise(*_merged(parts), ""))

    def _open(self) -> None:
        if not self._sized:
            self._size(None)
        names = self._book.names
        # Later sheets are numbered after the first: "Data", "Data (2)", "Data (3)"…
        first = self.sheet_names[0] if self.sheet_names else None
        name = names.claim(first, len(self.sheet_names) + 1) if first else names.claim(self._base)
        self.sheet_names.append(name)
        self._part = self._book.open_sheet()
        if self._options.title_row:
            title = pa.array([self._title], pa.string())
            cell = text_buffer(joined(text_cells(title, package.TITLE_STYLE)))
            self._put(f'<row r="1" ht="20" customHeight="1">{cell.to_pybytes().decode()}</row>')
        header = text_buffer(joined(text_cells(self._names, package.HEADER_STYLE)))
        self._put(f'<row r="{self._top}">{header.to_pybytes().decode()}</row>')
        self._row = self._top

    def _finish(self) -> None:
        assert self._part is not None
        last = package.column_letter(len(self._names) - 1)
        span = f"$A${self._top}:${last}${self._row}" if self._options.autofilter else None
        self._put(package.sheet_tail(span))
        head = package.sheet_head(
            package.dimension(len(self._names), self._row),
            self._widths,
            self._top,
            self._options.freeze_header,
            selected=not self._book.sheets,
        )
        self._part = None
        self._book.close_sheet(package.Sheet(self.sheet_names[-1], span), head)

    def _put(self, text: str) -> None:
        assert self._part is not None
        self._part.write(text.encode())


class SheetNames:
    """The names given so far in one workbook: each new one unique, ignoring case."""

    def __init__(self) -> None:
        self._taken = {"history"}  # Excel reserves "History" for itself

    def claim(self, base: str, number: int = 1) -> str:
        """``base`` (when ``number`` is 1) or ``base (n)`` for the first free ``n >= number``."""
        while True:
            name = base if number == 1 else _numbered(base, number)
            if name.casefold() not in self._taken:
                self._taken.add(name.casefold())
                return name
            number += 1


def sheet_name(wanted: str, fallback: str) -> str:
    """``wanted`` made a name Excel accepts, or ``fallback`` when nothing is left of it.

    Excel refuses ``[ ] : * ? / \\``, an apostrophe at either end, a blank name, and more
    than 31 characters (counted in UTF-16 units, so an emoji counts two).

    >>> sheet_name("Sales 2024/25: [draft]?", "Data")
    'Sales 2024_25_ _draft__'
    >>> sheet_name("'quoted'", "Data"), sheet_name("  ", "Data")
    ('quoted', 'Data')
    >>> sheet_name("monthly revenue by region and product", "Data")
    'monthly revenue by region and p'
    """
    name = _NAME_FORBIDDEN.sub("_", _NAME_INVALID.sub("", wanted))
    name = _clip(name, MAX_NAME).strip("'")
    return name if name.strip() else _clip(fallback, MAX_NAME)


def _numbered(base: str, number: int) -> str:
    """``base (number)``, ``base`` shortened so the whole stays within Excel's 31 characters."""
    suffix = f" ({number})"
    return _clip(base, MAX_NAME - len(suffix)) + suffix


def _clip(text: str, units: int) -> str:
    """``text`` cut to ``units`` UTF-16 code units (Excel's measure), never inside a pair."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return text[:i]
    return text


def _merged(parts: list[Part]) -> list[Part]:
    """Adjacent literals joined, so the row join takes fewer arguments."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def sheets_needed(rows: int, options: XlsxOptions) -> str | None:
    """What :class:`Result` will do with ``rows`` rows when one sheet cannot hold them."""
    per_sheet = MAX_SHEET_ROWS - (2 if options.title_row else 1)  # header (and title) rows
    if rows <= per_sheet:
        return None
    sheets = -(-rows // per_sheet)
    return f"Excel holds {MAX_SHEET_ROWS:,} rows per sheet, so the file will have {sheets} sheets"


SPECS = (
    FormatSpec(
        Format.XLSX,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        XlsxOptions,
        write_xlsx,
        "Excel workbook: typed cells, styled header, a new sheet every 1,048,576 rows",
        unique_names=True,
        sizing=sheets_needed,
    ),
)
