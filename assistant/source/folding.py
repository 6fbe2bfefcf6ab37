"""How values and phrases are compared: :func:`fold`, any case, no accents, no punctuation.

"München", "MUNCHEN" and "munchen" are one name to a person asking; "México D.F." and
"Mexico DF" nearly so. Folding makes them equal strings (or one space apart) before the
value index (:mod:`assistant.source.values`) compares them, exactly or a typo away.
"""

from __future__ import annotations

import unicodedata

import regex

__all__ = ["fold"]

_MARKS = regex.compile(r"\p{M}+")
_NOT_WORD = regex.compile(r"[\W_]+")
# Letters NFKD keeps whole: a letter "with" a stroke or hook is its base letter (ø, ł, đ,
# ħ, ƀ, ɨ), and the few others are spelled the way their languages transliterate them.
_WITH = regex.compile(r"LATIN (?:SMALL|CAPITAL) LETTER ([A-Z]) WITH ")


def _letters() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0xC0, 0x2B0), *range(0x1D00, 0x1F00), *range(0x2C60, 0x2C80)]:
        char = chr(code)
        found = _WITH.match(unicodedata.name(char, ""))
        if found and unicodedata.decomposition(char) == "":
            table[code] = found.group(1).lower()
    spelled = {"ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ı": "i", "ĸ": "k",
               "ŋ": "ng", "ʼ": " "}  # fmt: skip
    table.update((ord(char), text) for char, text in spelled.items())
    return table


_LETTERS = _letters()


def fold(text: str) -> str:
    """``text`` as compared: casefolded, without accents, punctuation and ``_`` as spaces.

    Accents go with Unicode's compatibility decomposition (NFKD) and the combining marks
    it leaves; letters it keeps whole are spelled out (ø→o, ß→ss, æ→ae, œ→oe, ł→l, đ→d,
    þ→th). Spaces are collapsed and stripped.

    >>> fold("  México D.F. "), fold("KØBENHAVN"), fold("Straße_42"), fold("Łódź")
    ('mexico d f', 'kobenhavn', 'strasse 42', 'lodz')
    """
    if text.isascii():
        return _NOT_WORD.sub(" ", text.lower()).strip()
    # NFKD first: it can produce capitals ("㎒" is "MHz") the casefold then lowers.
    plain = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = _MARKS.sub("", plain.translate(_LETTERS))
    return _NOT_WORD.sub(" ", plain).strip()
