"""A typeface at one size: widths, and which texts the fast path may draw.

Most table text is plain: every character drawn by DejaVu Sans with one glyph, left to
right. That text is measured and encoded a column at a time (:mod:`.pdf_text`). Anything
else (right-to-left scripts, marks, characters other fonts draw) is laid out by
:func:`.pdf_shape.shape`, one line at a time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import groupby

from reportlab.pdfbase.ttfonts import TTFont

from exporters.writers.pdf_fonts import FontSet, font_sets
from exporters.writers.pdf_shape import Line, is_rtl, shape


@dataclass(frozen=True)
class Typeface:
    """One weight of the fonts, at one size."""

    fonts: FontSet
    size: float

    @property
    def name(self) -> str:
        return str(self.fonts.primary.fontName)

    @property
    def font(self) -> TTFont:
        return self.fonts.primary

    @property
    def covered(self) -> frozenset[int]:
        """Characters of the plain path."""
        return self.fonts.plain

    def is_plain(self, text: str) -> bool:
        return self.covered.issuperset(map(ord, text))

    def width(self, text: str) -> float:
        """Width in points; exact, since plain text is not kerned."""
        if self.is_plain(text):
            return float(self.font.stringWidth(text, self.size))
        return self.line(text).width * self.size / 1000

    def line(self, text: str, rtl: bool | None = None) -> Line:
        """``text`` laid out, in a paragraph of direction ``rtl`` (else its own)."""
        return shape(text, self.fonts, is_rtl(text) if rtl is None else rtl)

    @functools.cached_property
    def care_pattern(self) -> str:
        """An RE2 pattern matching text that is not a single line of plain characters."""
        escape = "\\x{{{:X}}}"  # RE2, as Arrow's compute functions use it
        parts = []
        codes = sorted(self.covered - {0x0A})
        for _, group in groupby(enumerate(codes), key=lambda pair: pair[1] - pair[0]):
            run = [code for _, code in group]
            parts.append(f"{escape.format(run[0])}-{escape.format(run[-1])}")
        return "[^" + "".join(parts) + "]"


@functools.cache
def typefaces(size: float) -> tuple[Typeface, Typeface]:
    """Regular and bold at ``size``."""
    regular, bold = font_sets()
    return Typeface(regular, size), Typeface(bold, size)
