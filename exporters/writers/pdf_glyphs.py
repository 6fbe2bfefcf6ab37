"""TrueType fonts whose PDF subsets can hold any glyph, each extracting as its own text.

Reportlab subsets a TrueType font by character: a character's subset code draws the glyph
the font's ``cmap`` gives it, and the ToUnicode map says the code stands for that
character. Shaped text needs more: an Arabic letter has a different glyph at the start,
middle and end of a word, ``لا`` is one ligature glyph for two letters, and a text a font
cannot show is drawn with U+FFFD yet should still extract as itself. So a glyph that is not
simply "the glyph of this character" gets a private key, a code point in planes 15-16 that
no font maps, which reportlab's subsetter handles like any other character; the ToUnicode
map written here then gives each code the text it stands for. Keys never reach the file:
subset codes are handed out per document in the order of first use, so the bytes depend
only on what is drawn.

The ToUnicode map is written in full here because reportlab's own writes four hex digits
per code, which breaks every character outside the Basic Multilingual Plane (emoji).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

import uharfbuzz as hb  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

_FIRST_KEY, _LAST_KEY = 0xF0000, 0x10FFFD  # supplementary private use planes 15 and 16
_BLOCK = 100  # the most entries one bfchar block may hold (PDF 32000, 9.10.3)


class GlyphFont(TTFont):  # type: ignore[misc]  # reportlab is untyped
    """A TrueType font (``.ttf`` or one face of a ``.ttc``) drawn glyph by glyph."""

    def __init__(self, name: str, path: Path, subfont: int = 0) -> None:
        super().__init__(name, str(path), subfontIndex=subfont)
        self._texts: dict[int, str] = {}  # key -> the text it extracts as
        self._keys: dict[tuple[int, str], str] = {}  # (glyph, text) -> key
        self._next = _FIRST_KEY
        self._lock = threading.Lock()

    @functools.cached_property
    def upem(self) -> int:
        return int(self.hb_font.face.upem)

    @functools.cached_property
    def hb_font(self) -> hb.Font:
        """The HarfBuzz font (in font units) shaping runs of this font."""
        return hb.Font(hb.Face(hb.Blob(self.face._ttf_data)))

    def has(self, code: int) -> bool:
        """Whether the font's own ``cmap`` maps ``code`` (our keys are not the font's)."""
        return code in self.face.charToGlyph and code not in self._texts

    def codes(self) -> list[int]:
        """Every code the font's ``cmap`` maps."""
        codes = list(self.face.charToGlyph)  # a copy: other threads may add keys
        return [code for code in codes if code not in self._texts]

    def glyph(self, char: str) -> int:
        """The glyph the font draws ``char`` with (0, the missing glyph, if none)."""
        return int(self.face.charToGlyph.get(ord(char), 0))

    def width(self, key: str) -> float:
        """Advance of a key's glyph in thousandths of the font size (as the PDF says)."""
        return float(self.face.charWidths.get(ord(key), self.face.defaultWidth))

    def key(self, glyph: int, text: str) -> str:
        """A one-character key that draws ``glyph`` and extracts as ``text`` ('' for none).

        Past the 131,068 keys of the private planes, the missing glyph is drawn instead:
        a box that extracts as nothing rather than a glyph that extracts wrong.
        """
        found = self._keys.get((glyph, text))
        if found is not None:
            return found
        with self._lock:
            if (glyph, text) in self._keys:  # another thread was first
                return self._keys[(glyph, text)]
            if len(text) == 1 and self.face.charToGlyph.get(ord(text)) == glyph:
                key = text
            else:
                code = self._free_code()
                if code is None:
                    return chr(0)
                self.face.charToGlyph[code] = glyph
                self.face.charWidths[code] = self.face._pdfScale(self.face.hmetrics[glyph][0])
                self._texts[code] = text
                key = chr(code)
            self._keys[(glyph, text)] = key
            return key

    def _free_code(self) -> int | None:
        while self._next <= _LAST_KEY:
            code, self._next = self._next, self._next + 1
            if code & 0xFFFE != 0xFFFE and code not in self.face.charToGlyph:
                return code
        return None

    def addObjects(self, doc: Any) -> None:  # reportlab's name
        """Reportlab's font objects, then a ToUnicode map of our own for each subset."""
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            name = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX))
            stream = doc.idToObject["toUnicodeCMap:" + name.decode("pdfdoc")]
            stream.content = to_unicode(subset, self._texts)


def to_unicode(subset: list[int], texts: dict[int, str]) -> str:
    """A ToUnicode CMap: code ``i`` stands for ``texts.get(subset[i], chr(subset[i]))``.

    A code whose text is empty (a mark drawn after its base, which carries its text) maps
    to an empty string: left out, readers would guess its text from the font's encoding
    (poppler reads WinAnsi). Codes of the missing glyph (0) are left out.
    """
    pairs = []
    for code, char in enumerate(subset):
        if char:
            text = texts.get(char, chr(char))
            pairs.append(f"<{code:02X}> <{text.encode('utf-16-be').hex().upper()}>")
    body = []
    for start in range(0, len(pairs), _BLOCK):
        block = pairs[start : start + _BLOCK]
        body += [f"{len(block)} beginbfchar", *block, "endbfchar"]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<00> <FF>",
            "endcodespacerange",
            *body,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )
