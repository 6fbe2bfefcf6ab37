"""One line of text as positioned glyphs: bidi order (python-bidi), fonts, HarfBuzz shaping.

Only text off the fast path comes here (right-to-left scripts, marks, characters DejaVu
lacks; see :class:`.pdf_fonts.FontSet`). The steps are the usual ones:

1. resolve bidi embedding levels with python-bidi (the Unicode Bidirectional Algorithm,
   written in Rust), the paragraph direction given by the whole cell;
2. split the line into items of one level and one font, and put them in visual order
   (rule L2: reverse each run at or above each odd level);
3. shape each item with HarfBuzz in its direction (Arabic joining and ``لا``, Hebrew and
   Arabic mark positions, mirrored brackets); left-to-right items without marks, such as
   Chinese, are simply one glyph per character, which is what shaping would give.

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
_TRAILING = frozenset({"WS", "S", "B"} | _EXPLICIT | {"BN"})
_INHERIT = frozenset({"Mn", "Mc", "Me", "Cf"})  # drawn by the font of what precedes
_COMMON = frozenset({"Zs", "Po", "Ps", "Pe", "Pd", "Pi", "Pf", "Nd", "Sm", "Sc"})
_LEVELS = re.compile(r"levels: \[(.*?)\]", re.DOTALL)
_LEVEL = re.compile(r"Level\(\s*(\d+)")
_CLUSTERS = hb.BufferClusterLevel.MONOTONE_GRAPHEMES


@dataclass(frozen=True, slots=True)
class Glyph:
    """A glyph at ``x`` (from the line's start) raised by ``y``, in thousandths of the
    font size; ``key`` is its character in ``font``'s subsets (:meth:`GlyphFont.key`)."""

    font: GlyphFont
    key: str
    x: float
    y: float


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]
    width: float  # thousandths of the font size
    missing: frozenset[str]  # characters no font has, drawn as U+FFFD


@dataclass(frozen=True, slots=True)
class _Item:
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
    items = list(_itemize(text, _levels(text, rtl), fonts))
    glyphs: list[Glyph] = []
    pen = 0.0
    missing: set[str] = set()
    for item in _visual(items):
        if item.font is None:
            missing.update(text[item.start : item.end])
            placed = _replaced(text, item, fonts.primary)
        elif item.level % 2 or not _simple(text[item.start : item.end], item.font):
            placed = _shaped(text, item)
        else:
            placed = _unshaped(text, item)
        for glyph, advance in placed:
            glyphs.append(Glyph(glyph.font, glyph.key, pen + glyph.x, glyph.y))
            pen += advance
    return Line(tuple(glyphs), pen, frozenset(missing))


def _levels(text: str, rtl: bool) -> list[int]:
    """Bidi embedding level of each character (rules up to I2, then L1 for the line end)."""
    if not rtl and not any(unicodedata.bidirectional(c) in _RTL for c in text):
        return [0] * len(text)
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
        kind = unicodedata.category(char)
        if (
            i
            and current is not None
            and current.has(ord(char))
            and (kind in _INHERIT or kind in _COMMON)
        ):
            font = current
        elif i and kind in _INHERIT and current is None:
            font = None
        else:
            font = fonts.font_for(char)
        if i and (font is not current or levels[i] != levels[start]):
            yield _Item(start, i, levels[start], current)
            start = i
        current = font
    if text:
        yield _Item(start, len(text), levels[start], current)


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


Placed = list[tuple[Glyph, float]]  # glyphs relative to the item's pen, and advances


def _unshaped(text: str, item: _Item) -> Placed:
    font = item.font
    assert font is not None
    return [(Glyph(font, char, 0.0, 0.0), font.width(char)) for char in text[item.start : item.end]]


def _replaced(text: str, item: _Item, primary: GlyphFont) -> Placed:
    """U+FFFD for each character, extracting as the character itself."""
    glyph = primary.glyph(REPLACEMENT)
    chars = text[item.start : item.end]
    placed = []
    for char in chars[::-1] if item.level % 2 else chars:
        key = primary.key(glyph, char)
        placed.append((Glyph(primary, key, 0.0, 0.0), primary.width(key)))
    return placed


def _shaped(text: str, item: _Item) -> Placed:
    font = item.font
    assert font is not None
    rtl = bool(item.level % 2)
    buffer = hb.Buffer()
    buffer.cluster_level = _CLUSTERS
    buffer.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES
    buffer.add_str(text, item.start, item.end - item.start)  # the rest gives context
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.guess_segment_properties()
    hb.shape(font.hb_font, buffer, {})
    scale = 1000 / font.upem
    infos, positions = buffer.glyph_infos, buffer.glyph_positions
    starts = sorted({info.cluster for info in infos})
    ends = dict(zip(starts, [*starts[1:], item.end], strict=True))
    # Glyphs come in visual order; a cluster's come together. Place each cluster's
    # glyphs, first in logical order first (it carries the cluster's text).
    placed: Placed = []
    pen = 0.0
    cluster: list[tuple[int, float, float, float]] = []  # glyph, x, y, advance

    def flush() -> None:
        if not cluster:
            return
        start = infos[first].cluster
        chars = text[start : ends[start]]
        ordered = cluster[::-1] if rtl else cluster
        for n, (glyph, x, y, _) in enumerate(ordered):
            own = (chars[::-1] if rtl else chars) if n == 0 else ""
            placed.append((Glyph(font, font.key(glyph, own), x, y), 0.0))
        # advances go to the pen once the whole cluster is placed
        placed[-1] = (placed[-1][0], sum(advance for *_, advance in cluster))
        cluster.clear()

    first = 0
    for k, (info, position) in enumerate(zip(infos, positions, strict=True)):
        if cluster and info.cluster != infos[first].cluster:
            flush()
        if not cluster:
            first, pen = k, 0.0
        cluster.append(
            (
                info.codepoint,
                pen + position.x_offset * scale,
                position.y_offset * scale,
                position.x_advance * scale,
            )
        )
        pen += position.x_advance * scale
    flush()
    return placed
