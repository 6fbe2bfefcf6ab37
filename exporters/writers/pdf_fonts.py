"""Which font draws which character: DejaVu Sans, then fallbacks for other scripts.

Every font is TrueType, embedded as a subset of the glyphs used, so a file looks the same
on a machine without any font installed and extracts as Unicode. DejaVu Sans (required)
draws Latin, Greek, Cyrillic and most symbols. The fallbacks, each loaded the first time a
character needs it, come from Debian packages named in the README:

- Noto Sans Arabic and Noto Sans Hebrew (``fonts-noto-core``) draw those scripts even
  where DejaVu has glyphs, since they come with the joining forms, ligatures and mark
  positions a shaper needs; Noto Sans for other living scripts follows after the rest.
- WenQuanYi Micro Hei (``fonts-wqy-microhei``, TrueType outlines, unlike Noto Sans CJK's
  CFF that reportlab cannot embed) draws Chinese, Japanese and Korean.
- Symbola (``fonts-symbola``) draws emoji in outline: colour emoji fonts are bitmaps PDF
  text cannot use.

A character no installed font has is drawn as U+FFFD (see :mod:`.pdf_shape`). A missing
fallback is not an error: its characters become U+FFFD and the export says so in a note.
"""

from __future__ import annotations

import functools
import os
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics

from exporters.errors import ExporterError
from exporters.writers.pdf_glyphs import GlyphFont

FONT_DIRS = (
    "/usr/share/fonts",  # Debian, Ubuntu, Fedora, Arch (searched with their subfolders)
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
)
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PACKAGES = "fonts-dejavu-core fonts-noto-core fonts-wqy-microhei fonts-symbola"
Ranges = tuple[tuple[int, int], ...]
ARABIC: Ranges = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
HEBREW: Ranges = ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))
EMOJI: Ranges = ((0x1F000, 0x1FAFF),)
# Bidirectional classes that need the bidi algorithm; with marks (Mn, Mc, Me) and format
# characters (Cf), they keep a text off the fast path that draws one glyph per character.
_BIDI = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
_SHAPED = frozenset({"Mn", "Mc", "Me", "Cf"})


@dataclass(frozen=True)
class FontFile:
    """A fallback font: its regular and bold files, and the scripts it is preferred for."""

    regular: str
    bold: str | None = None  # None: the regular face serves both weights
    subfont: int = 0  # the face inside a .ttc collection
    prefer: Ranges = ()


_NOTO = (  # Noto Sans faces for other living scripts, by the name of their files
    *("Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu"),
    *("Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Khmer", "Myanmar", "Georgian"),
    *("Armenian", "Ethiopic", "Syriac", "Thaana"),
)
FALLBACKS = (
    FontFile("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", prefer=ARABIC),
    FontFile("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf", prefer=HEBREW),
    FontFile("wqy-microhei.ttc"),
    FontFile("Symbola_hint.ttf", prefer=EMOJI),
    *(FontFile(f"NotoSans{script}-Regular.ttf", f"NotoSans{script}-Bold.ttf") for script in _NOTO),
)


def font_file(name: str, dirs: tuple[str, ...] = FONT_DIRS) -> Path:
    """The font file ``name`` in ``dirs`` or their subfolders, or an error saying what to
    install."""
    path = find_font(name, dirs)
    if path is None:
        raise ExporterError(
            f"PDF export needs the DejaVu Sans font ({name}), which was not found in "
            f"{', '.join(dirs)}; install it (Debian/Ubuntu: apt-get install {PACKAGES})"
        )
    return path


def find_font(name: str, dirs: tuple[str, ...] = FONT_DIRS) -> Path | None:
    return _font_index(dirs).get(name)


@functools.cache
def _font_index(dirs: tuple[str, ...]) -> dict[str, Path]:
    """Font files by name, the first found winning (read once per process)."""
    index: dict[str, Path] = {}
    for root in dirs:
        for folder, subfolders, files in os.walk(root):
            subfolders.sort()
            for name in sorted(files):
                index.setdefault(name, Path(folder) / name)
    return index


class FontSet:
    """The fonts of one weight, in the order they are asked for a character.

    Fallbacks load when a character first needs one; what each character was given is
    remembered, so a table's text asks each question once per process.
    """

    def __init__(self, primary: GlyphFont, files: tuple[FontFile, ...], bold: bool) -> None:
        self.primary = primary
        self._files = files
        self._bold = bold
        self._loaded: list[GlyphFont | None] = []
        self._chosen: dict[str, GlyphFont | None] = {}
        self._lock = threading.Lock()

    @functools.cached_property
    def plain(self) -> frozenset[int]:
        """Characters the primary font draws one glyph each, left to right, unshaped."""
        preferred = {code for spec in self._files for code in _span(spec.prefer)}
        return frozenset(
            code
            for code in self.primary.codes()
            if code not in preferred
            and unicodedata.bidirectional(chr(code)) not in _BIDI
            and unicodedata.category(chr(code)) not in _SHAPED
        )

    def font_for(self, char: str) -> GlyphFont | None:
        """The font drawing ``char``: a fallback preferred for its script, else the first of
        the primary and the fallbacks that has it; None when none does.
        """
        if char in self._chosen:
            return self._chosen[char]
        code = ord(char)
        with self._lock:
            fonts = self._fonts_for(code)
        font = next((f for f, prefer in fonts[1:] if _in(code, prefer) and f.has(code)), None)
        if font is None:
            font = next((f for f, _ in fonts if f.has(code)), None)
        self._chosen[char] = font
        return font

    def _fonts_for(self, code: int) -> list[tuple[GlyphFont, Ranges]]:
        """The primary and the fallbacks, loading more in order while none has ``code`` or
        one not yet loaded is preferred for it.
        """
        files = self._files

        def loaded() -> list[tuple[GlyphFont, Ranges]]:
            pairs = zip(self._loaded, files[: len(self._loaded)], strict=True)
            return [(self.primary, ())] + [(f, spec.prefer) for f, spec in pairs if f]

        while len(self._loaded) < len(files) and (
            not any(f.has(code) for f, _ in loaded())
            or any(_in(code, spec.prefer) for spec in files[len(self._loaded) :])
        ):
            self._loaded.append(_fallback(files[len(self._loaded)], self._bold))
        return loaded()


def _in(code: int, ranges: Ranges) -> bool:
    return any(low <= code <= high for low, high in ranges)


def _span(ranges: Ranges) -> set[int]:
    return {code for low, high in ranges for code in range(low, high + 1)}


@functools.cache
def _fallback(spec: FontFile, bold: bool) -> GlyphFont | None:
    name = (spec.bold if bold else None) or spec.regular
    path = find_font(name)
    if path is None and name != spec.regular:
        name, path = spec.regular, find_font(spec.regular)
    return None if path is None else _load(name.rsplit(".", 1)[0], path, spec.subfont)


@functools.cache
def _load(name: str, path: Path, subfont: int = 0) -> GlyphFont:
    font = GlyphFont(name, path, subfont)
    pdfmetrics.registerFont(font)
    return font


@functools.cache
def font_sets() -> tuple[FontSet, FontSet]:
    """Regular and bold, registering the primary fonts once per process."""
    # Streams as plain Flate, without reportlab's default ASCII85 layer: 20% smaller files
    # and no pure-Python encoding pass. Only this package writes PDFs in the process.
    rl_config.useA85 = 0
    regular = _load(REGULAR, font_file(REGULAR + ".ttf"))
    bold = _load(BOLD, font_file(BOLD + ".ttf"))
    return FontSet(regular, FALLBACKS, bold=False), FontSet(bold, FALLBACKS, bold=True)
