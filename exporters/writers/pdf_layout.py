"""Page geometry for the PDF table: sizes, cell text, column widths and orientation.

Widths are chosen once, before the first page, from the header and the first rows (a
later value too wide for its column wraps, or if it is a number is drawn narrower).
Columns keep their natural width when the page allows; otherwise narrow columns keep
theirs and wide ones share what is left, wrapping their long cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from reportlab.lib.pagesizes import A4, LETTER, landscape, portrait

from exporters.options import PdfOptions
from exporters.render import text_column
from exporters.writers.pdf_fonts import Typeface
from exporters.writers.pdf_text import widths

PAGE_SIZES = {"A4": A4, "letter": LETTER}
MARGIN = 36.0  # half an inch
SIZE, LEADING, PAD_X, PAD_Y = 8.0, 10.0, 3.0, 2.0  # table text, in points
BASELINE = 7.6  # from the top of a line to its baseline, at SIZE and LEADING
TITLE_SIZE, FOOTER_SIZE = 14.0, 7.0
MAX_CELL_LINES = 3
MEASURED_ROWS = 20_000  # rows of the first batch measured to size the columns
SAMPLE_ROWS = 1000  # of which cells with CJK or line breaks (measured one by one)
MAX_NATURAL = 200.0  # the widest a column asks for; longer text wraps
PORTRAIT_COLUMNS = 6  # orientation "auto" turns the page for more columns than this
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"


@dataclass(frozen=True)
class Layout:
    page: tuple[float, float]
    widths: list[float]
    numeric: list[bool]

    @property
    def lefts(self) -> list[float]:
        edges = [MARGIN]
        for width in self.widths[:-1]:
            edges.append(edges[-1] + width)
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
    """Column widths from the header and the first batch; the page turned if needed."""
    numeric = [is_numeric(field.type) for field in schema]
    natural = [min(bold.width(name), MAX_NATURAL / 2) for name in schema.names]
    if first is not None and first.num_rows:
        for i, column in enumerate(first.slice(0, MEASURED_ROWS).columns):
            widest = _widest(cell_text(column, options), face)
            natural[i] = max(natural[i], min(widest, MAX_NATURAL))
    natural = [width + 2 * PAD_X for width in natural]
    size = PAGE_SIZES[options.page_size]
    wide = len(natural) > PORTRAIT_COLUMNS or sum(natural) > size[0] - 2 * MARGIN
    turn = options.orientation == "landscape" or (options.orientation == "auto" and wide)
    page = landscape(size) if turn else portrait(size)
    return Layout(page, fit(natural, page[0] - 2 * MARGIN), numeric)


def _widest(text: pa.Array, face: Typeface) -> float:
    """The widest line in ``text``; of cells with CJK or line breaks (slower to measure)
    only the first SAMPLE_ROWS count.
    """
    careful = pc.match_substring_regex(text, face.care_pattern)
    plain = pc.filter(text, pc.invert(careful))
    widest: float = pc.max(widths(plain, plain.to_pylist(), face)).as_py() or 0.0
    odd = pc.filter(text, careful).slice(0, SAMPLE_ROWS).to_pylist()
    lines = [line[:300] for value in odd for line in value.split("\n")]
    return max([widest, *map(face.width, lines)])


def fit(natural: list[float], available: float) -> list[float]:
    """Natural widths if they fit; else narrow columns keep theirs, wide ones share the rest."""
    if sum(natural) <= available:
        return natural
    kept: dict[int, float] = {}
    while True:  # ends: not every column can fit its share, since the sum does not fit
        share = (available - sum(kept.values())) / (len(natural) - len(kept))
        fits = {i: w for i, w in enumerate(natural) if i not in kept and w <= share}
        if not fits:
            return [kept.get(i, share) for i in range(len(natural))]
        kept.update(fits)


def is_numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )
