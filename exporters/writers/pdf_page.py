"""Pages of the PDF report held as operators until they are finished, and the canvas.

A wide table draws a band of rows on several pages at once, one per column group, so each
page collects its operators here and goes to the canvas when the band is full.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFZCompress
from reportlab.pdfgen.canvas import Canvas

from exporters.formats import WriteContext


@dataclass
class Sheet:
    """One page being drawn.

    ``before`` holds the title and header (drawn first): operators, or a form (an XObject
    filled in once the document is counted) to place at (x, y); ``shapes`` holds the zebra
    stripes, ``ops`` the body text operators; ``font`` is the font last selected in ``ops``.
    """

    before: list[str | tuple[str, float, float]] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    font: str | None = None

    def flush(self, canvas: Canvas, ink: Color, stripes: Color) -> None:
        """Everything on the canvas's current page, beneath what comes next."""
        for item in self.before:  # in order: text extracts in reading order
            if isinstance(item, str):
                canvas.addLiteral(item)
            else:
                place_form(canvas, *item)
        if self.shapes:
            canvas.addLiteral(f"{rgb(stripes)} rg\n" + "\n".join(self.shapes))
        if self.ops:
            canvas.addLiteral(text_block(ink, self.ops))


def place_form(canvas: Canvas, name: str, x: float, y: float) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.doForm(name)
    canvas.restoreState()


def new_canvas(page: tuple[float, float], context: WriteContext, metadata: bool) -> Canvas:
    """A canvas whose bytes depend only on what is drawn and on ``generated_at``.

    Its initial font is our embedded DejaVu Sans: reportlab's default would add Helvetica,
    a font the file does not embed.
    """
    canvas = Canvas(
        "export.pdf",
        pagesize=page,
        pageCompression=1,
        invariant=1,
        initialFontName="DejaVuSans",
    )
    stamp = context.generated_at
    minutes = int((stamp.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    date = f"D:{stamp:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
    canvas.setDateFormatter(lambda *_: date)
    canvas.setTitle(context.title)
    canvas.setAuthor("")
    canvas.setSubject((context.query or "") if metadata else "")
    canvas.setCreator("exporters")
    return canvas


def compress_last_page(canvas: Canvas) -> None:
    """Deflate the finished page now rather than when the file is written.

    Reportlab keeps every page's operators as text until the end; compressed, a page
    takes a fifth of the memory. The bytes are those reportlab itself would write.
    """
    page = canvas._doc.Pages.pages[-1]
    flate = PDFDictionary({"Filter": PDFArray([PDFName(PDFZCompress.pdfname)])})
    page.Contents = PDFStream(flate, PDFZCompress.encode(page.stream))
    page.stream = None


def text_block(color: Color, ops: list[str]) -> str:
    return f"BT {rgb(color)} rg\n" + "\n".join(filter(None, ops)) + "\nET"


def rgb(color: Color) -> str:
    return " ".join(f"{part:.3f}" for part in color.rgb())
