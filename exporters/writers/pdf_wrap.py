"""Cell text broken into lines that fit a column."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

Measure = Callable[[str], float]

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
