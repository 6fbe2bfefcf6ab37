"""One line of text as positioned glyphs: bidi order (python-bidi), fonts, HarfBuzz shaping.

Only text off the fast path comes here (right-to-left scripts, marks, characters DejaVu
lacks; see :class:`.pdf_fonts.FontSet`). The steps are the usual ones:

1. resolve bidi embedding levels with python-bidi (the Unicode Bidirectional Algorithm,
   written in Rust), the paragraph direction given by the whole cell;
2. split the line into items of one level and one font, and put them in visual order
   (rule L2: reverse each run at or above each odd level);
3. shape each word of an item (nothing joins across a space, so words are cached) with
   HarfBuzz in the item's direction: Arabic joining and ``لا``, Hebrew and Arabic mark
   positions, mirrored brackets. Left-to-right words without marks, such as Chinese, are
   one glyph per character, which is what shaping would give.

pdftotext's own reordering is simpler than the Unicode algorithm: it reads a right-to-left
paragraph from the left, takes a space or bracket at the edge of a right-to-left run into
the run, and puts a mark on a run's last letter before the run. The glyphs themselves are
where the algorithm puts them.

Extraction: PDF readers rebuild logical order from glyph positions and reverse
right-to-left runs character by character (poppler's pdftotext, pdf.js). So each cluster's
first glyph in logical order carries the cluster's whole text, stored in visual order
within right-to-left runs, and is drawn before the marks that share its cluster, which
carry no text; ``لا`` and a letter with its vowel marks then read back as typed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import uharfbuzz as hb  # type: ignore[import-untyped]

from exporters.writers.pdf_fonts import FontSet
from exporters.writers.pdf_glyphs import GlyphFont

REPLACEMENT = "\ufffd"
_RTL = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI", "FSI"})
_EXPLICIT = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
_LTR = frozenset({"L", "EN", "AN"} | _EXPLICIT)  # what can lift a level above 1
_TRAILING = frozenset({"WS", "S", "B"} | _EXPLICIT | {"BN"})
_INHERIT = frozenset({"Mn", "Mc", "Me", "Cf"})  # drawn by the font of what precedes
_COMMON = frozenset({"Zs", "Po", "Ps", "Pe", "Pd", "Pi", "Pf", "Nd", "Sm", "Sc"})
_LEVELS = re.compile(r"levels: \[(.*?)\]", re.DOTALL)
_LEVEL = re.compile(r"Level\(\s*(\d+)")
_CLUSTERS = hb.BufferClusterLevel.MONOTONE_GRAPHEMES
_WORDS = re.compile(r" +|[^ ]+")  # shaped one at a time: nothing joins across a space


@dataclass(frozen=True, slots=True)
class Glyph:
    """A glyph at ``x`` (from the line's start) raised by ``y``, in thousandths of the
    font size; ``key`` is its character in ``font``'s subsets (:meth:`GlyphFont.key`)."""

    font: GlyphFont
    key: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Piece:
    """A word's glyphs, placed from its start, and its width (thousandths of the size)."""

    glyphs: tuple[Glyph, ...]
    width: float


@dataclass(frozen=True)
class Line:
    """Words placed left to right: each piece's glyphs are at ``x + glyph.x``."""

    pieces: tuple[tuple[float, Piece], ...]
    width: float  # thousandths of the font size
    missing: frozenset[str]  # characters no font has, drawn as U+FFFD


@dataclass(frozen=True, slots=True)
class _Item:
    """Characters ``start:end`` of a line, of one bidi level and one font."""

    start: int
    end: int
    level: int
    font: GlyphFont | None  # None: no font has these characters


def is_rtl(text: str) -> bool:
    """Whether a paragraph reads right to left: its first strong character does."""
    if not any(unicodedata.bidirectional(c) in _RTL for c in text):
        return False
    from bidi import get_base_level  # type: ignore[import-untyped]  # only for such text

    return bool(get_base_level(text) == 1)


@functools.lru_cache(maxsize=1024)
def shape(text: str, fonts: FontSet, rtl: bool) -> Line:
    """``text`` (one line, logical order) laid out in a paragraph of direction ``rtl``."""
    placed: list[tuple[float, Piece]] = []
    pen = 0.0
    missing: set[str] = set()
    for item in _visual(list(_itemize(text, _levels(text, rtl), fonts))):
        chunk = text[item.start : item.end]
        odd = bool(item.level % 2)
        if item.font is None:
            missing.update(chunk)
            pieces = [_replaced(chunk[::-1] if odd else chunk, fonts.primary)]
        else:
            words = _WORDS.findall(chunk)
            pieces = [_piece(word, item.font, odd) for word in (words[::-1] if odd else words)]
        for piece in pieces:
            placed.append((pen, piece))
            pen += piece.width
    return Line(tuple(placed), pen, frozenset(missing))


def _levels(text: str, rtl: bool) -> list[int]:
    """Bidi embedding level of each character (rules up to I2, then L1 for the line end)."""
    classes = {unicodedata.bidirectional(c) for c in text}
    if not rtl and classes.isdisjoint(_RTL):
        return [0] * len(text)
    if rtl and classes.isdisjoint(_LTR):  # right-to-left letters, marks, neutrals only
        return [1] * len(text)
    from bidi import get_display  # only for text that needs it

    # python-bidi gives the levels only in its debug output, one per UTF-8 byte
    found = _LEVELS.search(get_display(text, base_dir="R" if rtl else "L", debug=True))
    per_byte = [int(level) for level in _LEVEL.findall(found.group(1))] if found else []
    levels, offset = [], 0
    for char in text:
        if offset >= len(per_byte):
            raise RuntimeError("python-bidi's debug output changed: no level per byte")
        levels.append(per_byte[offset])
        offset += len(char.encode())
    base = 1 if rtl else 0
    end = len(text)
    while end and unicodedata.bidirectional(text[end - 1]) in _TRAILING:
        end -= 1
        levels[end] = base
    return levels


def _itemize(text: str, levels: list[int], fonts: FontSet) -> Iterator[_Item]:
    """Maximal runs of one level and one font; marks and format characters stay with what
    they follow, spaces and punctuation too when that font has them."""
    start, current = 0, None
    for i, char in enumerate(text):
        kind = _kind(char)
        if i and current is not None and kind and current.has(ord(char)):
            font = current
        elif i and kind == _MARK and current is None:
            font = None
        else:
            font = fonts.font_for(char)
        if i and (font is not current or levels[i] != levels[start]):
            yield _Item(start, i, levels[start], current)
            start = i
        current = font
    if text:
        yield _Item(start, len(text), levels[start], current)


_MARK, _NEUTRAL = 1, 2


@functools.cache
def _kind(char: str) -> int:
    """_MARK for marks and format characters, _NEUTRAL for spaces, punctuation, digits."""
    category = unicodedata.category(char)
    return _MARK if category in _INHERIT else _NEUTRAL if category in _COMMON else 0


def _visual(items: list[_Item]) -> list[_Item]:
    """Items in display order, left to right (rule L2)."""
    order = list(items)
    odd = [item.level for item in items if item.level % 2]
    if not odd:
        return order
    for level in range(max(item.level for item in items), min(odd) - 1, -1):
        i = 0
        while i < len(order):
            if order[i].level < level:
                i += 1
                continue
            j = i
            while j < len(order) and order[j].level >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return order


def _simple(text: str, font: GlyphFont) -> bool:
    return all(font.has(ord(c)) and unicodedata.category(c) not in _INHERIT for c in text)


@functools.lru_cache(maxsize=16384)
def _piece(word: str, font: GlyphFont, rtl: bool) -> Piece:
    """A word (or spaces) in one font and direction, in visual order; cached, since table
    text repeats its words far more than its lines."""
    if word[0] == " " or (not rtl and _simple(word, font)):
        return _row(font, list(word))
    return _shaped(word, font, rtl)


def _replaced(chars: str, primary: GlyphFont) -> Piece:
    """U+FFFD for each character, extracting as the character itself."""
    glyph = primary.glyph(REPLACEMENT)
    return _row(primary, [primary.key(glyph, char) for char in chars])


def _row(font: GlyphFont, keys: list[str]) -> Piece:
    """Glyphs side by side, each at the advance the PDF gives it."""
    glyphs, pen = [], 0.0
    for key in keys:
        glyphs.append(Glyph(font, key, pen, 0.0))
        pen += font.width(key)
    return Piece(tuple(glyphs), pen)


def _shaped(word: str, font: GlyphFont, rtl: bool) -> Piece:
    """HarfBuzz's glyphs for ``word``. They come in visual order, a cluster's together;
    each cluster's glyph that is first in logical order comes first and carries the
    cluster's text (see the module's docstring)."""
    buffer = hb.Buffer()
    buffer.cluster_level = _CLUSTERS
    buffer.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES
    buffer.add_str(word)
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.guess_segment_properties()
    hb.shape(font.hb_font, buffer, {})
    scale = 1000 / font.upem
    clusters: dict[int, list[tuple[int, float, float]]] = {}  # glyph, x, y
    pen = 0.0
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        x, y = pen + position.x_offset * scale, position.y_offset * scale
        clusters.setdefault(info.cluster, []).append((info.codepoint, x, y))
        pen += position.x_advance * scale
    starts = sorted(clusters)
    ends = dict(zip(starts, [*starts[1:], len(word)], strict=True))
    glyphs = []
    for start, members in clusters.items():  # in visual order (dicts keep insertion order)
        text = word[start : ends[start]]
        for n, (glyph, x, y) in enumerate(members[::-1] if rtl else members):
            own = (text[::-1] if rtl else text) if n == 0 else ""
            glyphs.append(Glyph(font, font.key(glyph, own), x, y))
    return Piece(tuple(glyphs), pen)
