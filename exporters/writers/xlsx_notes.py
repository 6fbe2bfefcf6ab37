"""What an XLSX file could not hold exactly, counted per column and said once.

A cell Excel cannot hold is never dropped or garbled: a text is cut at Excel's limit, a
value without a native cell (a date before 1900-03-01, a 19-digit number, NaN) becomes
its exact text. Each column keeps a :class:`Tally` of these over all its rows (and
continuation sheets); when the result ends, each count becomes one note in the export's
result and on the workbook's ``Notes`` sheet, so a reader of the file learns it too.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, TypeAlias

MAX_TEXT = 32_767  # Excel's longest cell text, in UTF-16 code units

Reason: TypeAlias = Literal["cut", "dates", "datetimes", "times", "digits", "floats"]


@dataclass
class Tally:
    """One column's values that Excel could not hold exactly, counted by reason."""

    cut: int = 0  # texts over MAX_TEXT, cut there
    dates: int = 0  # dates outside 1900-03-01..9999-12-31, as ISO text
    datetimes: int = 0  # the same for datetimes (wall-clock time in the asked zone)
    times: int = 0  # times outside 00:00:00..23:59:59.999999, as text
    digits: int = 0  # integers and decimals past 15 significant digits, as text
    floats: int = 0  # NaN, infinities and magnitudes Excel cannot hold, as text

    def add(self, reason: Reason, count: int) -> None:
        setattr(self, reason, getattr(self, reason) + count)

    def notes(self, column: str) -> list[str]:
        """One sentence per non-zero count.

        >>> Tally(cut=2, dates=1).notes("notes")  # doctest: +NORMALIZE_WHITESPACE
        ["column notes: 2 texts longer than 32,767 characters (Excel's limit, counted in
        UTF-16 units) were cut",
        'column notes: 1 date outside 1900-03-01 to 9999-12-31 (the dates Excel and
        LibreOffice agree on) was written as ISO text']
        """
        return [
            f"column {column}: {_SENTENCES[field.name](getattr(self, field.name))}"
            for field in fields(self)
            if getattr(self, field.name)
        ]


def _counted(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


_SENTENCES = {
    "cut": lambda n: (
        f"{_counted(n, 'text', 'texts')} longer than {MAX_TEXT:,} characters "
        f"(Excel's limit, counted in UTF-16 units) {_was(n)} cut"
    ),
    "dates": lambda n: (
        f"{_counted(n, 'date', 'dates')} outside 1900-03-01 to 9999-12-31 (the dates Excel "
        f"and LibreOffice agree on) {_was(n)} written as ISO text"
    ),
    "datetimes": lambda n: (
        f"{_counted(n, 'datetime', 'datetimes')} outside 1900-03-01 00:00:00 to 9999-12-31 "
        f"23:59:59.999 (the times Excel and LibreOffice agree on) {_was(n)} written as ISO text"
    ),
    "times": lambda n: (
        f"{_counted(n, 'time', 'times')} outside 00:00:00 to 24:00:00 (exclusive) "
        f"{_was(n)} written as text"
    ),
    "digits": lambda n: (
        f"{_counted(n, 'number', 'numbers')} with more than 15 significant digits "
        f"(Excel's precision) {_was(n)} written as text to keep every digit"
    ),
    "floats": lambda n: (
        f"{_counted(n, 'number', 'numbers')} Excel cannot hold (NaN, infinity, or beyond "
        f"its range) {_was(n)} written as text"
    ),
}
