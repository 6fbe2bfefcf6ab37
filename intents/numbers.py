"""Numbers people type: digits, English number words, ordinals, clock readings, and the
names that stand for numbers (weekdays, months).

The rules parser meets numbers inside sentences ("the first ten rows", "since the 2nd",
"every day at half past 8"), so each kind comes twice: a regex *fragment* to embed in a
bigger pattern, and a ``parse_*`` function that turns the matched text into a value.

The fragments are for lower-cased text and compile under both ``re`` and ``regex``
(tested). They hold no capturing or named groups (embed them as often as you like, wrap
them in your own group), no literal spaces (safe under ``VERBOSE``) and their own word
boundaries (so "ten" is not found in "often" and "five" not inside "twenty-five"). This
package's own patterns use ``re``: they need none of ``regex``'s features, and ``re`` ran
these alternations about three times faster.

>>> parse_number("one hundred and twenty"), parse_ordinal("15th"), parse_clock("half past 8")
(120, 15, Clock(hour=8, minute=30, explicit=False))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BARE_HOUR",
    "CLOCK",
    "MONTH",
    "NUMBER",
    "ORDINAL",
    "WEEKDAY",
    "WEEKDAYS",
    "Clock",
    "parse_clock",
    "parse_month",
    "parse_number",
    "parse_ordinal",
    "parse_weekday",
]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip


def _alt(words: Iterable[str]) -> str:
    """An alternation of words, longest first so no word stops inside a longer one."""
    return "|".join(sorted(words, key=len, reverse=True))


_END = r"(?![a-z])"
_SEP = r"(?:\s*-\s*|\s+)"
_UNIT = rf"(?:{_alt(_UNITS)}){_END}"
_TEN = rf"(?:{_alt(_TENS)}){_END}"
_BELOW_100 = rf"(?:{_TEN}(?:{_SEP}(?:{_alt(list(_UNITS)[1:10])}){_END})?|{_UNIT})"
_BELOW_1000 = (
    rf"(?:(?:(?:a|{_alt(_UNITS)}){_END}\s+)?hundred{_END}"
    rf"(?:\s+(?:and\s+)?{_BELOW_100})?|{_BELOW_100})"
)
_SCALED = (
    rf"(?:(?:(?:{_BELOW_1000}|a)\s+)?(?:thousand|million){_END}"
    rf"(?:,?\s+(?:and\s+)?{_BELOW_1000})?|{_BELOW_1000})"
)
_DOZEN = rf"(?:(?:a|half\s+a|{_UNIT})\s+)?dozen{_END}"
_COUPLE = rf"(?:a\s+)?couple{_END}(?:\s+of{_END})?"
_WORDS = rf"(?<![\w-])(?:{_DOZEN}|{_COUPLE}|{_SCALED})"
_DIGITS = r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:k(?![a-z]))?(?!\w|[.,]\d)"

NUMBER = rf"(?:{_DIGITS}|{_WORDS})"
"""One cardinal number: "10", "1,000", "10k", "ten", "twenty-five", "a hundred", "a dozen"."""

_ORDINAL_WORDS = (
    rf"(?:(?:twenty|thirty){_SEP}(?:first|second|third|fourth|fifth|sixth|seventh|eighth"
    rf"|ninth)|{_alt(_ORDINALS)}){_END}"
)
ORDINAL = rf"(?:(?<![\w.,])\d{{1,2}}(?:st|nd|rd|th){_END}|(?<![\w-]){_ORDINAL_WORDS})"
"""One ordinal, as for days of a month: "1st", "2nd", "15th", "first", "twenty-first"."""

_HOUR_WORD = rf"(?:{_alt(list(_UNITS)[1:13])}){_END}"
_MINUTE_WORD = rf"(?:oh?{_SEP}(?:{_alt(list(_UNITS)[1:10])}){_END}|{_BELOW_100})"
_H = r"(?:[01]?\d|2[0-4])(?!\d)"
_MM = r"[0-5]\d(?!\d)"
_MERIDIEM = (
    r"\s*(?:a\.?m\.?|p\.?m\.?)(?![a-z])"
    r"|\s+in\s+the\s+(?:morning|afternoon|evening)|\s+at\s+night|\s+tonight"
)


def _clock(named: bool) -> tuple[str, str]:
    """The CLOCK and BARE_HOUR patterns; with named groups for parsing, or without.

    ``re`` wants each group name once, so a name that recurs is numbered ("h_3").
    """
    count = iter(range(1, 100))

    def g(name: str, body: str) -> str:
        return f"(?P<{name}_{next(count)}>{body})" if named else f"(?:{body})"

    def meridiem() -> str:
        return g("mer", rf"{_MERIDIEM}|\s+o'?\s?clock")

    def word_time() -> str:
        return rf"{g('hw', _HOUR_WORD)}(?:\s+{g('mw', _MINUTE_WORD)})?"

    noon = g("noon", r"(?:12\s+)?noon|midday")
    rel = g("rel", rf"half|(?:a\s+)?quarter|\d{{1,2}}|{_BELOW_100}")
    clock = (
        rf"(?<![\w:.])(?:{noon}|{g('midnight', 'midnight')}"
        rf"|{rel}(?:\s+minutes?)?"
        rf"\s+{g('dir', 'past|after|to')}\s+(?:{g('h', _H)}|{g('hw', _HOUR_WORD)})"
        rf"|{g('h', _H)}:{g('m', _MM)}(?:{meridiem()})?"
        rf"|{g('h', _H)}\.{g('m', _MM)}{meridiem()}"
        rf"|{g('h', _H)}{g('hsuffix', 'h')}{g('m', _MM)}?(?![a-z])"
        rf"|(?:{g('h', _H)}|{word_time()}){meridiem()})"
    )
    bare = rf"(?:(?<![\w:.]){g('h', _H)}(?![\w:]|\.\d)|(?<![\w-]){word_time()})"
    return clock, bare


CLOCK, BARE_HOUR = _clock(named=False)
"""``CLOCK``: a time of day that reads as one on its own ("9am", "7:30", "21:00", "noon",
"half past 8", "seven in the evening"). ``BARE_HOUR``: a bare hour ("9", "nine",
"seven thirty"), a time only after a cue such as "at" (the caller checks the cue)."""

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_SHORT = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3,
                  "thurs": 3, "fri": 4, "sat": 5, "sun": 6}  # fmt: skip
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")  # fmt: skip
_MONTH_SHORT = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
                "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}  # fmt: skip

WEEKDAY = rf"(?:(?:{_alt(_WEEKDAY_NAMES)})|(?:{_alt(_WEEKDAY_SHORT)})\.?)(?!\w)"
"""One weekday: "monday", "mon", "tues.", "thurs" (not "mondays"; "monday's" leaves "'s")."""
WEEKDAYS = rf"(?:(?:{_alt(_WEEKDAY_NAMES)})s(?!\w)|{WEEKDAY})"
"""A weekday, or one said as a habit: "mondays"."""
MONTH = rf"(?:{_alt(_MONTH_NAMES)}|(?:{_alt(_MONTH_SHORT)})\.?)(?!\w)"
"""One month: "november", "nov", "nov.", "sept"."""

_NUMBER_RE = re.compile(NUMBER)
_ORDINAL_RE = re.compile(ORDINAL)
_CLOCK_RE = re.compile("(?:{}|{})".format(*_clock(named=True)))
_PM = ("p", "in the afternoon", "in the evening", "at night", "tonight")


def _clean(text: str) -> str:
    return " ".join(text.lower().split())


def parse_number(text: str) -> int | None:
    """The value of one number in digits or words; ``None`` if ``text`` is not one.

    >>> [parse_number(t) for t in ("10", "1,000", "twenty five", "a hundred", "half a dozen")]
    [10, 1000, 25, 100, 6]
    """
    text = _clean(text)
    if not _NUMBER_RE.fullmatch(text):
        return None
    if text[0].isdigit():
        thousands = text.endswith("k")
        value = int(text.rstrip("k").replace(",", ""))
        return value * 1000 if thousands else value
    words = re.split(r"[\s,-]+", text)
    if "couple" in words:
        return 2
    if "dozen" in words:
        if words[0] == "half":
            return 6
        return 12 * (_UNITS.get(words[0], 1))
    total = current = 0
    for word in words:
        if word in _UNITS or word in _TENS:
            current += _UNITS.get(word, 0) + _TENS.get(word, 0)
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
    return total + current


def parse_ordinal(text: str) -> int | None:
    """The value of one ordinal ("1st", "fifteenth", "twenty-first"); ``None`` otherwise.

    >>> parse_ordinal("2nd"), parse_ordinal("thirty-first"), parse_ordinal("second best")
    (2, 31, None)
    """
    text = _clean(text)
    if not _ORDINAL_RE.fullmatch(text):
        return None
    if text[0].isdigit():
        return int(text[:-2])
    *tens, last = re.split(r"[\s-]+", text)
    return (_TENS[tens[0]] if tens else 0) + _ORDINALS[last]


@dataclass(frozen=True)
class Clock:
    """A time of day as said: ``explicit`` when am/pm, a 24-hour reading or a name fixes it.

    ``explicit=False`` ("at 7", "7:30", "half past 8") leaves the caller to choose the
    half of the day: the contract reads such a schedule time as the morning hour.
    """

    hour: int
    minute: int
    explicit: bool


def parse_clock(text: str) -> Clock | None:
    """The time of day in a ``CLOCK`` or ``BARE_HOUR`` match; ``None`` if it is not one.

    >>> parse_clock("7pm"), parse_clock("quarter to nine")
    (Clock(hour=19, minute=0, explicit=True), Clock(hour=8, minute=45, explicit=False))
    """
    match = _CLOCK_RE.fullmatch(_clean(text))
    if match is None:
        return None
    found: dict[str, str] = {}
    for name, value in match.groupdict().items():
        if value is not None:
            found.setdefault(name.partition("_")[0], value)
    if "noon" in found:
        return Clock(12, 0, True)
    if "midnight" in found:
        return Clock(0, 0, True)
    digits = found.get("h", "")
    hour = int(digits) if digits else _UNITS[found["hw"]]
    if "dir" in found:
        return _relative(found["rel"].removeprefix("a "), found["dir"], hour)
    minute = int(found["m"]) if "m" in found else _minute_value(found.get("mw"))
    if minute is None or minute > 59 or hour > 24 or (hour == 24 and minute > 0):
        return None
    hour %= 24
    explicit = hour == 0 or hour > 12 or "hsuffix" in found
    explicit = explicit or (digits.startswith("0") and "m" in found)
    meridiem = " ".join(found.get("mer", "").replace(".", "").split())
    if not meridiem or "clock" in meridiem or hour > 12:
        return Clock(hour, minute, explicit)
    if meridiem == "at night" and hour == 12:
        return Clock(0, minute, True)
    pm = meridiem.startswith(_PM)
    return Clock(hour % 12 + (12 if pm else 0), minute, True)


def _relative(rel: str, direction: str, hour: int) -> Clock | None:
    """ "half past 8", "quarter to nine", "10 past 9": minutes before or after an hour."""
    minutes = {"half": 30, "quarter": 15}.get(rel) or parse_number(rel) or 0
    if not 0 < minutes < 60 or hour > 23:
        return None
    if direction == "to":
        hour = (hour - 1) % 24
        minutes = 60 - minutes
    return Clock(hour, minutes, hour > 12 or hour == 0)


def _minute_value(text: str | None) -> int | None:
    if not text:
        return 0
    words = text.replace("-", " ").split()
    if words[0] in ("o", "oh"):
        return _UNITS.get(words[-1])
    return parse_number(text)


def parse_weekday(text: str) -> int | None:
    """Monday = 0 ... Sunday = 6 (as ``date.weekday()``) for a ``WEEKDAYS`` match.

    >>> parse_weekday("Tues."), parse_weekday("sundays"), parse_weekday("someday")
    (1, 6, None)
    """
    name = _clean(text).rstrip(".")
    if name in _WEEKDAY_SHORT:
        return _WEEKDAY_SHORT[name]
    name = name.removesuffix("s") if name.endswith("days") else name
    return _WEEKDAY_NAMES.index(name) if name in _WEEKDAY_NAMES else None


def parse_month(text: str) -> int | None:
    """January = 1 ... December = 12 for a ``MONTH`` match; ``None`` otherwise."""
    name = _clean(text).rstrip(".")
    if name in _MONTH_SHORT:
        return _MONTH_SHORT[name]
    return _MONTH_NAMES.index(name) + 1 if name in _MONTH_NAMES else None
