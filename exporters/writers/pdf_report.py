"""PDF: a paginated report drawn straight onto a reportlab canvas.

Platypus tables lay every cell out as a flowable, which is slow. Here column widths are
fixed once from the first batch (:mod:`.pdf_layout`); cells are measured and encoded a
column at a time (:mod:`.pdf_text`), and only cells too wide for their column, with line
breaks or with text that is not plain (right-to-left, other scripts, emoji) take the slower
path that wraps and shapes them. Text is written as PDF string operands, which interpret
nothing: a value is never markup, a link or an image.

A table too wide for one page is drawn in column groups (:func:`.pdf_layout.split`): each
band of rows fills one page per group, the first column repeated on each, and a caption
above the header says which columns a page holds and which page it continues.

Reportlab builds the whole file in memory and writes it at the end; ``max_rows`` bounds
that. Rows past it are counted, not drawn, and the last page says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfgen.canvas import Canvas

from exporters.formats import WriteContext, WriteSummary
from exporters.options import PdfOptions
from exporters.writers.pdf_fonts import PACKAGES
from exporters.writers.pdf_layout import (
    BASELINE,
    FOOTER_SIZE,
    LEADING,
    MARGIN,
    MAX_CELL_LINES,
    MEASURED_ROWS,
    PAD_X,
    PAD_Y,
    SIZE,
    TITLE_SIZE,
    Layout,
    cell_text,
    plan,
)
from exporters.writers.pdf_page import (
    Sheet,
    compress_last_page,
    new_canvas,
    place_form,
    rgb,
    text_block,
)
from exporters.writers.pdf_shape import REPLACEMENT, is_rtl
from exporters.writers.pdf_text import Encoder, widths
from exporters.writers.pdf_typeface import Typeface, typefaces
from exporters.writers.pdf_wrap import ELLIPSIS, wrap

CHUNK_ROWS = 4096  # rows laid out at a time: bounds the Python lists held
HEADER_FILL, ZEBRA_FILL = HexColor(0x2F4B66), HexColor(0xEEF2F6)
INK, GREY = HexColor(0x1A1A1A), HexColor(0x666666)
CAPTION = LEADING + 2  # the line above the header of a table split in column groups


@dataclass
class _Chunk:
    """Rows laid out column by column.

    ``cells[i][row]`` shows one single-line cell relative to the row's start (empty when
    the cell is empty or wrapped); ``font`` is the font every cell shares, if any (else
    each cell selects its own); ``wrapped`` holds the lines of cells that need several
    (or need shaping), with the cell's direction.
    """

    lines: list[int]
    cells: list[list[str]] = field(default_factory=list)
    font: str | None = None
    wrapped: dict[int, dict[int, tuple[list[str], bool]]] = field(default_factory=dict)


class _Report:
    """Pages, header rows, zebra stripes and footers, as PDF operators."""

    def __init__(self, layout: Layout, header: list[str], title: str, canvas: Canvas) -> None:
        self.layout, self.canvas, self.names = layout, canvas, header
        self.face, self.bold = typefaces(SIZE)
        self.text = Encoder(canvas._doc)  # the document, as reportlab's text object uses it
        self.lefts = layout.lefts
        self.rights = [left + width for left, width in zip(self.lefts, layout.widths, strict=True)]
        self.inner = [width - 2 * PAD_X for width in layout.widths]
        self.groups = layout.groups
        self.table_widths = [sum(layout.widths[i] for i in group) for group in self.groups]
        self.header = [
            (wrap(name, self.bold.width, inner, MAX_CELL_LINES), is_rtl(name))
            for name, inner in zip(header, self.inner, strict=True)
        ]
        self.header_height = 2 * PAD_Y + LEADING * max(len(lines) for lines, _ in self.header)
        self.floor = MARGIN + 2 * FOOTER_SIZE
        self.pages = self.rows = 0
        self.cut: dict[int, int] = {}  # column -> cells cut to MAX_CELL_LINES lines
        self.y = layout.page[1] - MARGIN
        self.sheets = [Sheet() for _ in self.groups]  # the band's pages, one per group
        self.active = list(range(len(self.groups)))  # of which these are drawn
        self._headers: dict[tuple[float, int], str] = {}  # header operators by height, group
        foot = typefaces(FOOTER_SIZE)[0]
        space = layout.page[0] / 2 - MARGIN
        self._footer = self._at(foot, MARGIN, MARGIN, wrap(title, foot.width, space, 1)[0])

    def title_block(self, options: PdfOptions, context: WriteContext) -> None:
        """Title, then (if asked) query, generation time and row count; then the header."""
        width = self.layout.page[0] - 2 * MARGIN
        title_face = typefaces(TITLE_SIZE)[1]
        ops = []
        for line in wrap(context.title, title_face.width, width, 2):
            ops.append(self._at(title_face, MARGIN, self.y - TITLE_SIZE, line))
            self.y -= TITLE_SIZE * 1.25
        self.y -= 4
        indent = self.bold.width("Generated ") + 4
        if options.metadata:
            query = " ".join((context.query or "").split()) or "(none)"
            block = [
                ("Query", wrap(query, self.face.width, width - indent, 6)),
                ("Generated", [context.generated_at.isoformat()]),
                ("Rows", [""]),
            ]  # a form, filled in once the rows are counted
            for label, lines in block:
                ops.append(self._at(self.bold, MARGIN, self.y - BASELINE, label))
                for line in lines:
                    ops.append(self._at(self.face, MARGIN + indent, self.y - BASELINE, line))
                    self.y -= LEADING
        first = self.sheets[0]
        first.before.append(text_block(INK, ops))
        if options.metadata:
            first.before.append(("rows", MARGIN + indent, self.y + LEADING - BASELINE))
            self.y -= 6
        self.y -= 4
        self._header()

    def prepare(self, batch: pa.RecordBatch, options: PdfOptions) -> _Chunk:
        """Lay out rows a column at a time; only cells that do not fit are wrapped."""
        chunk = _Chunk([1] * batch.num_rows)
        fonts = []
        for i, column in enumerate(batch.columns):
            text = cell_text(column, options)
            texts: list[str] = text.to_pylist()
            sizes = widths(text, texts, self.face)
            special = pc.match_substring_regex(text, self.face.care_pattern)
            if not self.layout.numeric[i]:  # numbers are narrowed instead of wrapped
                special = pc.or_(special, pc.greater(sizes, self.inner[i]))
            encoded, font = self.text.column(self.face, texts)
            cells = self._place(i, encoded, sizes.to_pylist())
            for k in pc.indices_nonzero(special).to_pylist():
                lines = wrap(texts[k], self.face.width, self.inner[i], MAX_CELL_LINES)
                if lines[-1].endswith(ELLIPSIS) and not texts[k].endswith(ELLIPSIS):
                    self.cut[i] = self.cut.get(i, 0) + 1
                chunk.wrapped.setdefault(k, {})[i] = (lines, is_rtl(texts[k]))
                chunk.lines[k] = max(chunk.lines[k], len(lines))
                cells[k] = ""
            chunk.cells.append(cells)
            fonts.append(font)
        if len(set(fonts)) == 1:
            chunk.font = fonts[0]
        else:  # rare: each cell selects its font
            chunk.cells = [
                cells if font is None else [font + " " + c if c else "" for c in cells]
                for font, cells in zip(fonts, chunk.cells, strict=True)
            ]
        return chunk

    def _place(self, i: int, encoded: list[str], sizes: list[float]) -> list[str]:
        """Operators showing each cell of column ``i`` relative to the row's start."""
        left = self.lefts[i] + PAD_X - MARGIN
        if not self.layout.numeric[i]:
            before, after = f"{left:.2f} 0 Td ", f" {-left:.2f} 0 Td"
            pairs = zip(encoded, sizes, strict=True)
            return [before + text + after if size else "" for text, size in pairs]
        right, inner = self.rights[i] - PAD_X - MARGIN, self.inner[i]
        return [
            ""
            if not size
            else f"{right - size:.2f} 0 Td {text} {size - right:.2f} 0 Td"
            if size <= inner
            # a number wider than its column is squeezed, never wrapped
            else f"{100 * inner / size:.2f} Tz {left:.2f} 0 Td {text} {-left:.2f} 0 Td 100 Tz"
            for text, size in zip(encoded, sizes, strict=True)
        ]

    def draw(self, chunk: _Chunk) -> None:
        """Draw prepared rows, starting new pages as they fill."""
        for row, lines in enumerate(chunk.lines):
            height = 2 * PAD_Y + LEADING * lines
            if self.y - height < self.floor:
                self.new_page()
            top, self.y = self.y, self.y - height
            baseline = top - PAD_Y - BASELINE
            wrapped = chunk.wrapped.get(row)
            for group, sheet, width in zip(
                self.groups, self.sheets, self.table_widths, strict=True
            ):
                if self.rows % 2:
                    sheet.shapes.append(f"{MARGIN:.2f} {self.y:.2f} {width:.2f} {height:.2f} re f")
                if wrapped is None:
                    self._run(sheet, chunk, baseline, [chunk.cells[i][row] for i in group])
                    continue
                run: list[str] = []  # cells in column order: text extracts in reading order
                for i in group:
                    if i in wrapped:
                        self._run(sheet, chunk, baseline, run)
                        sheet.ops.extend(self._cell(self.face, i, baseline, *wrapped[i]))
                        sheet.font, run = None, []
                    else:
                        run.append(chunk.cells[i][row])
                self._run(sheet, chunk, baseline, run)
            self.rows += 1

    def _run(self, sheet: Sheet, chunk: _Chunk, baseline: float, cells: list[str]) -> None:
        """Single-line cells of one row, placed relative to the row's start."""
        if not any(cells):
            return
        if chunk.font != sheet.font and chunk.font:
            sheet.ops.append(chunk.font)
        sheet.font = chunk.font
        sheet.ops.append(f"1 0 0 1 {MARGIN:.2f} {baseline:.2f} Tm " + " ".join(cells))

    def note(self, text: str) -> None:
        """A line of text below the table (e.g. the row cap), on a new page if needed."""
        if self.y - 2 * LEADING < self.floor:
            self.new_page(header=False)
        sheet = self.sheets[self.active[-1]]
        baseline = self.y - LEADING - BASELINE
        sheet.ops.append(self._at(self.face, MARGIN + PAD_X, baseline, text))
        sheet.font = None
        self.y -= 2 * LEADING

    def new_page(self, header: bool = True) -> None:
        self.finish_page()
        self.y = self.layout.page[1] - MARGIN
        self.active = list(range(len(self.groups))) if header else [len(self.groups) - 1]
        if header:
            self._header()

    def finish_page(self) -> None:
        """The band's pages, one per column group, onto the canvas."""
        canvas = self.canvas
        foot = typefaces(FOOTER_SIZE)[0]
        for g in self.active:
            self.sheets[g].flush(canvas, INK, ZEBRA_FILL)
            self.pages += 1
            label = f"Page {self.pages} of "
            x = self.layout.page[0] - MARGIN - foot.width(label + "00000")
            canvas.addLiteral(text_block(GREY, [self._footer, self._at(foot, x, MARGIN, label)]))
            place_form(canvas, "pages", x + foot.width(label), MARGIN)  # the page count
            canvas.showPage()
            compress_last_page(canvas)
        self.sheets = [Sheet() for _ in self.groups]

    def fill_form(self, name: str, text: str, size: float, color: Color) -> None:
        """Define a form placed on pages before its text was known."""
        self.canvas.beginForm(name)
        self.canvas.addLiteral(text_block(color, [self._at(typefaces(size)[0], 0, 0, text)]))
        self.canvas.endForm()

    def _header(self) -> None:
        """The header row of each group's page, under a caption when there are groups."""
        if len(self.groups) > 1:
            self.y -= CAPTION
        height = self.header_height
        for g, (group, sheet) in enumerate(zip(self.groups, self.sheets, strict=True)):
            if len(self.groups) > 1:
                line = self._caption(g)
                at = self._at(self.face, MARGIN, self.y + CAPTION - LEADING, line)
                sheet.before.append(text_block(GREY, [at]))
            key = (self.y, g)
            if key not in self._headers:
                baseline = self.y - PAD_Y - BASELINE
                ops = [
                    op for i in group for op in self._cell(self.bold, i, baseline, *self.header[i])
                ]
                fill = f"{rgb(HEADER_FILL)} rg {MARGIN:.2f} {self.y - height:.2f} "
                fill += f"{self.table_widths[g]:.2f} {height:.2f} re f"
                self._headers[key] = f"q {fill} Q\n" + text_block(white, ops)
            sheet.before.append(self._headers[key])
        self.y -= height

    def _caption(self, g: int) -> str:
        """Which columns page ``g`` of the band holds, and where the rest are."""
        group, count = self.groups[g], len(self.names)
        columns = group if g == 0 else group[1:]
        span = f"Columns {columns[0] + 1}\u2013{columns[-1] + 1} of {count}"
        if g == 0:
            return f"{span}; columns {group[-1] + 2}\u2013{count} continue on the next pages"
        first = self.pages + 1  # this band's first page: the one before are finished
        return f"{span}, continued from page {first} (column 1, {self.names[0]}, repeated)"

    def _cell(
        self, face: Typeface, i: int, baseline: float, lines: list[str], rtl: bool
    ) -> list[str]:
        """Operators for the lines of one cell of column ``i``; numbers and right-to-left
        text align right."""
        ops = []
        for k, line in enumerate(lines):
            if self.layout.numeric[i] or rtl:
                x = self.rights[i] - PAD_X - face.width(line)
            else:
                x = self.lefts[i] + PAD_X
            ops.append(self._at(face, x, baseline - k * LEADING, line, rtl))
        return ops

    def _at(self, face: Typeface, x: float, y: float, text: str, rtl: bool | None = None) -> str:
        if not text:
            return ""
        return f"1 0 0 1 {x:.2f} {y:.2f} Tm {self.text.line(face, text, rtl)}"


def write_pdf(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: PdfOptions,
    context: WriteContext,
) -> WriteSummary | None:
    face, bold = typefaces(SIZE)
    batches = iter(batches)
    # Widths come from the first MEASURED_ROWS rows, however the source batched them (a
    # column NULL in the first batch would otherwise get no width for its later values).
    head: list[pa.RecordBatch] = []
    while sum(batch.num_rows for batch in head) < MEASURED_ROWS:
        batch = next(batches, None)
        if batch is None:
            break
        head.append(batch)
    measured = pa.Table.from_batches(head, schema).combine_chunks().to_batches()
    layout = plan(schema, measured[0] if measured else None, options, face, bold)
    canvas = new_canvas(layout.page, context, options.metadata)
    report = _Report(layout, schema.names, context.title, canvas)
    report.title_block(options, context)
    drawn = total = 0
    for batch in itertools.chain(head, batches):
        total += batch.num_rows  # rows past the cap are only counted
        for start in range(0, batch.num_rows, CHUNK_ROWS):
            if drawn >= options.max_rows:
                break
            part = batch.slice(start, min(CHUNK_ROWS, options.max_rows - drawn))
            report.draw(report.prepare(part, options))
            drawn += part.num_rows
    note = None
    if total > drawn:
        note = f"Showing the first {drawn:,} of {total:,} rows"
        report.note(f"{note} (max_rows={options.max_rows:,}).")
    elif total == 0:
        report.note("No rows.")
    report.finish_page()
    report.fill_form("pages", f"{report.pages:,}", FOOTER_SIZE, GREY)
    if options.metadata:
        shown = f" (the first {drawn:,} are shown)" if note else ""
        report.fill_form("rows", f"{total:,}{shown}", SIZE, INK)
    if report.cut:
        columns = ", ".join(
            f"{count:,} in {schema.names[i]}" for i, count in sorted(report.cut.items())
        )
        context.note(
            f"PDF shows at most {MAX_CELL_LINES} lines of a cell, so long values are cut "
            f"there, marked {ELLIPSIS} ({columns}); the other formats hold them whole"
        )
    if report.text.missing:
        chars = "".join(sorted(report.text.missing))
        context.note(
            f"PDF draws {len(chars)} character(s) that no installed font has as "
            f"{REPLACEMENT} (they still extract as themselves): {chars[:40]}; fonts for "
            f"more scripts come with the Debian packages {PACKAGES}"
        )
    sink.write(canvas.getpdfdata())
    return WriteSummary(rows=drawn, note=note) if note else None
