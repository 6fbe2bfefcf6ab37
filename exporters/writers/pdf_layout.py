"""Page geometry for the PDF table: sizes, cell text, column widths, column groups.

Widths are chosen once, before the first page, from the header and the first rows (a
later value too wide for its column wraps, or if it is a number is drawn narrower).
Columns keep their natural width when the page allows. Otherwise each may narrow down to
its floor: never below its header on one line, its longest word (a UUID, a timestamp) or a
number, and never below MIN_WIDTH; its longer text wraps. When even the floors do not fit,
the columns are split into groups, each drawn on its own page with the first column
repeated: the rows of a page continue on the next pages, one per group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from reportlab.lib.pagesizes import A4, LETTER, landscape, portrait

from exporters.options import PdfOptions
from exporters.render import text_column
from exporters.writers.pdf_text import widths
from exporters.writers.pdf_typeface import Typeface

PAGE_SIZES = {"A4": A4, "letter": LETTER}
MARGIN = 36.0  # half an inch
SIZE, LEADING, PAD_X, PAD_Y = 8.0, 10.0, 3.0, 2.0  # table text, in points
BASELINE = 7.6  # from the top of a line to its baseline, at SIZE and LEADING
TITLE_SIZE, FOOTER_SIZE = 14.0, 7.0
MAX_CELL_LINES = 3
MEASURED_ROWS = 20_000  # rows measured to size the columns (from the first batches)
SAMPLE_ROWS = 1000  # of which cells not plain or with line breaks (measured one by one)
MAX_NATURAL = 200.0  # the widest a column asks for; longer text wraps
MIN_WIDTH = 40.0  # the narrowest a column is squeezed to (about eight digits), padding included
WORD_ROWS = 1000  # rows whose longest word sets a column's floor
PORTRAIT_COLUMNS = 6  # orientation "auto" turns the page for more columns than this
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"


@dataclass(frozen=True)
class Layout:
    """Column widths and groups: each group is one page across (column 0 in every one)."""

    page: tuple[float, float]
    widths: list[float]
    numeric: list[bool]
    groups: list[list[int]]

    @property
    def lefts(self) -> list[float]:
        """Each column's left edge on the pages of its group(s)."""
        edges = [MARGIN] * len(self.widths)
        for group in self.groups:
            x = MARGIN
            for i in group:
                edges[i] = x
                x += self.widths[i]
        return edges


def cell_text(column: pa.Array, options: PdfOptions) -> pa.Array:
    """Display text: shared rendering, nulls as ``options.null``, no control characters.

    CR and CRLF become line breaks, tabs spaces, and other control characters U+FFFD.
    """
    text = text_column(column, options)
    if text.null_count:
        text = text.fill_null(options.null)
    if pc.any(pc.match_substring_regex(text, r"[\x00-\x1f\x7f-\x9f]")).as_py():
        text = pc.replace_substring_regex(text, "\r\n?", "\n")
        text = pc.replace_substring(text, "\t", " ")
        text = pc.replace_substring_regex(text, _CONTROL, "\ufffd")
    return text


def plan(
    schema: pa.Schema,
    first: pa.RecordBatch | None,
    options: PdfOptions,
    face: Typeface,
    bold: Typeface,
) -> Layout:
    """Column widths and groups from the header and the first batch; the page turned if
    needed."""
    numeric = [is_numeric(field.type) for field in schema]
    header = [min(bold.width(name), MAX_NATURAL) for name in schema.names]
    natural, floor = list(header), list(header)
    if first is not None and first.num_rows:
        for i, column in enumerate(first.slice(0, MEASURED_ROWS).columns):
            text = cell_text(column, options)
            widest = min(_widest(text, face), MAX_NATURAL)
            natural[i] = max(natural[i], widest)
            if numeric[i]:
                floor[i] = natural[i]
            elif widest > floor[i]:
                floor[i] = max(floor[i], min(_longest_word(text, face), MAX_NATURAL))
    natural = [width + 2 * PAD_X for width in natural]
    floor = [
        min(max(width + 2 * PAD_X, MIN_WIDTH), most)
        for width, most in zip(floor, natural, strict=True)
    ]
    size = PAGE_SIZES[options.page_size]
    wide = len(natural) > PORTRAIT_COLUMNS or sum(natural) > size[0] - 2 * MARGIN
    turn = options.orientation == "landscape" or (options.orientation == "auto" and wide)
    page = landscape(size) if turn else portrait(size)
    available = page[0] - 2 * MARGIN
    if sum(floor) <= available:
        groups = [list(range(len(natural)))]
        return Layout(page, fit(natural, floor, available), numeric, groups)
    floor[0] = natural[0]  # repeated on every page: the same width everywhere
    groups = split(floor, available)
    widths = list(natural)
    for n, group in enumerate(groups):
        columns = group if n == 0 else group[1:]
        room = available - (0.0 if n == 0 else widths[0])
        fitted = fit([natural[i] for i in columns], [floor[i] for i in columns], room)
        for i, width in zip(columns, fitted, strict=True):
            widths[i] = width
    return Layout(page, widths, numeric, groups)


def split(floor: list[float], available: float) -> list[list[int]]:
    """Columns in order, as many on a page as their floors allow; from the second page on,
    each group starts with column 0."""
    groups = [[0]]
    used = floor[0]
    for i in range(1, len(floor)):
        if used + floor[i] > available and len(groups[-1]) > 1:
            groups.append([0])
            used = floor[0]
        groups[-1].append(i)
        used += floor[i]
    return groups


def _widest(text: pa.Array, face: Typeface) -> float:
    """The widest line in ``text``; of cells that are not plain (slower to measure) or
    have line breaks only the first SAMPLE_ROWS count.
    """
    careful = pc.match_substring_regex(text, face.care_pattern)
    plain = pc.filter(text, pc.invert(careful))
    widest: float = pc.max(widths(plain, plain.to_pylist(), face)).as_py() or 0.0
    odd = pc.filter(text, careful).slice(0, SAMPLE_ROWS).to_pylist()
    lines = [line[:300] for value in odd for line in value.split("\n")]
    return max([widest, *map(face.width, lines)])


def _longest_word(text: pa.Array, face: Typeface) -> float:
    """The widest run without a space in the first WORD_ROWS cells: where a line may not
    break, short of breaking between characters."""
    words = {word for value in text.slice(0, WORD_ROWS).to_pylist() for word in value.split()}
    return max(map(face.width, words), default=0.0)


def fit(natural: list[float], floor: list[float], available: float) -> list[float]:
    """Natural widths if they fit; else every column its floor, and what is left shared
    equally by the columns wanting more, none past its natural width."""
    if sum(natural) <= available:
        return list(natural)
    widths = list(floor)
    wanting = [i for i, width in enumerate(natural) if width > floor[i]]
    left = available - sum(floor)
    while wanting and left > 0.01:
        share = left / len(wanting)
        for i in wanting:
            step = min(share, natural[i] - widths[i])
            widths[i] += step
            left -= step
        wanting = [i for i in wanting if natural[i] - widths[i] > 0.01]
    return widths


def is_numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )
