"""PDF text operators for the report, built a column at a time where possible.

Reportlab's text object measures, subsets and escapes every string one character at a
time in Python. Table columns repeat a small set of characters, so here each character
gets its font-subset code once and a whole column is encoded with one ``str.translate``;
widths of columns with few distinct characters (numbers, dates, codes) are summed in
Arrow. Strings become escaped PDF string operands: nothing in them is interpreted.
Text off that path is drawn glyph by glyph as :mod:`.pdf_shape` placed it.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from exporters.writers.pdf_glyphs import GlyphFont
from exporters.writers.pdf_shape import Line
from exporters.writers.pdf_typeface import Typeface

_SMALL_ALPHABET = 32  # up to this many distinct characters, widths are summed in Arrow
_SEPARATOR = "\x00"  # never in a cell: control characters are replaced before this


def _escape(code: int) -> str:
    char = chr(code)
    return char if 32 <= code < 127 and char not in "\\()" else f"\\{code:03o}"


_ESCAPED = [_escape(code) for code in range(256)]


def _literal(data: bytes) -> str:
    return "(" + "".join(_ESCAPED[byte] for byte in data) + ")"


class Encoder:
    """Text operators for the fonts of one document (subset codes are per document)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self._subset: dict[tuple[str, int], int] = {}  # (font, character) -> subset
        self._tables: dict[tuple[str, int], dict[int, str]] = {}  # (font, subset) -> codes
        self.missing: set[str] = set()  # characters drawn as U+FFFD: no font has them
        self._glyphs: dict[tuple[str, str], tuple[str, str]] = {}  # -> font, literal

    def font(self, face: Typeface, subset: int) -> str:
        """The operator selecting ``subset`` of ``face`` (registers it with the document)."""
        name = face.font.getSubsetInternalName(subset, self.doc)
        return f"{name} {face.size:g} Tf"

    def column(self, face: Typeface, texts: list[str]) -> tuple[list[str], str | None]:
        """Each plain text as ``(...) Tj``, and the font operator they share.

        When the characters span several subsets (hundreds of distinct letters in one
        document) each string carries its own font switches and the shared one is None.
        """
        joined = _SEPARATOR.join(texts)
        # Sorted, so codes are given in a fixed order; others are only in wrapped cells.
        alphabet = sorted(char for char in set(joined) if ord(char) in face.covered)
        subsets = {self._assign(face, char) for char in alphabet}
        if len(subsets) > 1:
            return [self.line(face, text) for text in texts], None
        subset = subsets.pop() if subsets else 0
        encoded = joined.translate(self._tables.get((face.name, subset), {}))
        return [f"({text}) Tj" for text in encoded.split(_SEPARATOR)], self.font(face, subset)

    def line(self, face: Typeface, text: str, rtl: bool | None = None) -> str:
        """Operators showing ``text`` (in a paragraph of direction ``rtl``, else its own);
        they start by selecting a font."""
        if face.is_plain(text):
            return " ".join(
                f"{self.font(face, subset)} {_literal(data)} Tj"
                for subset, data in face.font.splitString(text, self.doc)
            )
        return self.glyphs(face.line(text, rtl), face.size)

    def glyphs(self, line: Line, size: float) -> str:
        """Each glyph at its place: one ``TJ`` per font subset and height, the gaps between
        glyphs as its numbers (thousandths of the font size, positive to the left)."""
        self.missing |= line.missing
        parts: list[str] = []
        shown: list[str] = []
        font, rise, pen = "", 0.0, 0.0
        placed = [
            (start + glyph.x, glyph) for start, piece in line.pieces for glyph in piece.glyphs
        ]
        for x, glyph in placed:
            name, literal = self._glyph(glyph.font, glyph.key)
            if name != font or glyph.y != rise:
                if shown:
                    parts.append(f"[{' '.join(shown)}] TJ")
                    shown = []
                if name != font:
                    parts.append(f"{name} {size:g} Tf")
                if glyph.y != rise:
                    parts.append(f"{glyph.y * size / 1000:.2f} Ts")
                font, rise = name, glyph.y
            gap = x - pen
            if abs(gap) > 0.05:
                shown.append(f"{-gap:.1f}")
            shown.append(literal)
            pen = x + glyph.font.width(glyph.key)
        if shown:
            parts.append(f"[{' '.join(shown)}] TJ")
        if rise:
            parts.append("0 Ts")
        return " ".join(parts)

    def _glyph(self, font: GlyphFont, key: str) -> tuple[str, str]:
        """The subset font's name and the string operand drawing ``key``."""
        found = self._glyphs.get((font.fontName, key))
        if found is None:
            ((subset, data),) = font.splitString(key, self.doc)
            name = font.getSubsetInternalName(subset, self.doc)
            found = self._glyphs[(font.fontName, key)] = (name, _literal(data))
        return found

    def _assign(self, face: Typeface, char: str) -> int:
        key = (face.name, ord(char))
        subset = self._subset.get(key)
        if subset is None:
            ((subset, data),) = face.font.splitString(char, self.doc)
            self._subset[key] = subset
            self._tables.setdefault((face.name, subset), {})[key[1]] = _ESCAPED[data[0]]
        return subset


def widths(text: pa.Array, texts: list[str], face: Typeface) -> pa.Array:
    """Width in points of each single-line text, summed per character in Arrow when few."""
    alphabet = sorted(set("".join(texts)))  # sorted: the same float sums in every run
    if len(alphabet) > _SMALL_ALPHABET or not face.is_plain("".join(alphabet)):
        measure, size = face.font.stringWidth, face.size
        return pa.array([measure(value, size) for value in texts], pa.float64())
    total = pa.array([0.0] * len(texts), pa.float64())
    for char in alphabet:
        count = pc.cast(pc.count_substring(text, char), pa.float64())
        total = pc.add(total, pc.multiply(count, face.width(char)))
    return total
