"""Fonts for the PDF writer: DejaVu Sans for most scripts, reportlab's CID fonts for CJK.

DejaVu is embedded (subset) so text in Latin, Greek, Cyrillic and more renders the same
everywhere and extracts as Unicode. It has no CJK glyphs, so runs of Chinese/Japanese and
Korean characters switch to reportlab's built-in CID fonts (referenced, not embedded: the
viewer supplies a matching system font). A character neither covers, and any character
outside the Basic Multilingual Plane (reportlab writes a broken Unicode map for those), is
shown as U+FFFD rather than as an invisible or unextractable glyph.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from exporters.errors import ExporterError

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
)
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
CHINESE, KOREAN = "STSong-Light", "HYGothic-Medium"
_REPLACEMENT = "\ufffd"
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
_CJK = (
    (0x2E80, 0x312F),
    (0x3190, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
)  # BMP only: the CID encodings are UCS-2

Measure = Callable[[str], float]


def font_file(name: str, dirs: tuple[str, ...] = FONT_DIRS) -> Path:
    """The first ``name`` found in ``dirs``, or an error saying what to install."""
    for folder in dirs:
        path = Path(folder) / name
        if path.is_file():
            return path
    raise ExporterError(
        f"PDF export needs the DejaVu Sans font ({name}), which was not found in "
        f"{', '.join(dirs)}; install it (Debian/Ubuntu: apt-get install fonts-dejavu-core)"
    )


@dataclass(frozen=True)
class Typeface:
    """One weight of the body font with its CJK fallbacks, measured at one size."""

    name: str
    size: float
    covered: frozenset[int]

    @functools.cached_property
    def font(self) -> TTFont:
        return pdfmetrics.getFont(self.name)

    def width(self, text: str) -> float:
        """Width in points; exact, since reportlab does not kern."""
        if self.is_plain(text):
            return float(self.font.stringWidth(text, self.size))
        return sum(
            float(pdfmetrics.stringWidth(run, font, self.size)) for font, run in self.runs(text)
        )

    def is_plain(self, text: str) -> bool:
        return self.covered.issuperset(map(ord, text))

    def runs(self, text: str) -> Iterator[tuple[str, str]]:
        """``text`` as (font name, text) runs; uncovered characters become U+FFFD."""
        for match in self._splitter.finditer(text):
            plain, korean, chinese = match.group(1, 2, 3)
            if plain:
                yield self.name, plain
            elif korean:
                yield KOREAN, korean
            elif chinese:
                yield CHINESE, chinese
            else:
                yield self.name, _REPLACEMENT

    @functools.cached_property
    def _splitter(self) -> re.Pattern[str]:
        escape = "\\U{:08X}"  # Python's re
        covered = _ranges(self.covered, escape)
        hangul, chinese = _ranges(_span(_HANGUL), escape), _ranges(_span(_CJK), escape)
        return re.compile(f"([{covered}]+)|([{hangul}]+)|([{chinese}]+)|.", re.DOTALL)

    @functools.cached_property
    def care_pattern(self) -> str:
        """An RE2 pattern matching text that is not a single line of covered characters."""
        escape = "\\x{{{:X}}}"  # RE2, as Arrow's compute functions use it
        return "[^" + _ranges(self.covered - {0x0A}, escape) + "]"


def _span(ranges: tuple[tuple[int, int], ...]) -> set[int]:
    return {code for low, high in ranges for code in range(low, high + 1)}


def _ranges(codes: set[int] | frozenset[int], escape: str) -> str:
    """``codes`` as the inside of a regex character class, each run as a range."""
    parts = []
    for _, group in groupby(enumerate(sorted(codes)), key=lambda pair: pair[1] - pair[0]):
        run = [code for _, code in group]
        parts.append(f"{escape.format(run[0])}-{escape.format(run[-1])}")
    return "".join(parts)


@functools.cache
def typefaces(size: float) -> tuple[Typeface, Typeface]:
    """Regular and bold at ``size``, registering the fonts once per process."""
    _register()
    faces = []
    for name in (REGULAR, BOLD):
        font = pdfmetrics.getFont(name)
        covered = frozenset(code for code in font.face.charToGlyph if code <= 0xFFFF)
        faces.append(Typeface(name, size, covered))
    return faces[0], faces[1]


@functools.cache
def _register() -> None:
    # Streams as plain Flate, without reportlab's default ASCII85 layer: 20% smaller files
    # and no pure-Python encoding pass. Only this package writes PDFs in the process.
    rl_config.useA85 = 0
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(font_file(name + ".ttf"))))
    for name in (CHINESE, KOREAN):
        pdfmetrics.registerFont(UnicodeCIDFont(name))


# A break is allowed after whitespace and around every CJK character.
_CJK_CLASS = "\u2e80-\u9fff\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(f"[{_CJK_CLASS}]\\s*|[^\\s{_CJK_CLASS}]+\\s*|\\s+")
ELLIPSIS = "\u2026"


def wrap(text: str, measure: Measure, width: float, max_lines: int) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines no wider than ``width``.

    Line breaks in the text are kept; words longer than a line are broken between
    characters; if text is left over, the last line ends with an ellipsis.
    """
    if "\n" not in text and measure(text) <= width:
        return [text]
    lines = _lines(text, measure, width)
    kept = [line for _, line in zip(range(max_lines), lines, strict=False)]
    if next(lines, None) is not None:
        last = kept[-1]
        while last and measure(last + ELLIPSIS) > width:
            last = last[:-1]
        kept[-1] = last.rstrip() + ELLIPSIS
    return kept


def _lines(text: str, measure: Measure, width: float) -> Iterator[str]:
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for match in _TOKEN.finditer(paragraph):
            token = match.group()
            word = token.rstrip()
            space = token[len(word) :]
            size = measure(word)
            if line and used + size > width:
                yield line.rstrip()
                line, used = "", 0.0
            if size > width:  # longer than a whole line: break between characters
                for char in word:
                    step = measure(char)
                    if line and used + step > width:
                        yield line
                        line, used = "", 0.0
                    line += char
                    used += step
                size = 0.0
            else:
                line += word
            line += space
            used += size + (measure(space) if space else 0.0)
        yield line.rstrip()
