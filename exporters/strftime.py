"""A ``datetime_format`` pattern applied: to a whole column with Arrow, or to one value in
Python (the rare value Arrow's calendar cannot hold; see :mod:`exporters.temporal`).

The pattern's meaning is in :mod:`exporters.datetime_pattern`. Runs of directives that
Arrow's strftime writes as glibc does go to one Arrow call; ``%f``, ``%z``, ``%Z``,
``%s``, ``%k``, ``%l``, ``%P`` and the ``-`` flag are computed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from exporters.datetime_pattern import NATIVE, Directive, Literal, Token


def year_text(year: int) -> str:
    """Four digits for years 1..9999; otherwise ISO 8601 expanded (``-0043``, ``+10000``).

    >>> [year_text(y) for y in (44, 2026, 0, -43, 10000)]
    ['0044', '2026', '+0000', '-0043', '+10000']
    """
    if 1 <= year <= 9999:
        return f"{year:04d}"
    return ("-" if year < 0 else "+") + f"{abs(year):04d}"


def offset_text(offset: pa.Array, per: int, colon: str) -> pa.Array:
    """``±HH:MM`` (or ``±HHMM`` when ``colon`` is empty) per offset in ticks; seconds are
    added (``+00:53:28``) where the offset has them, as Python writes them."""
    seconds = pc.divide(offset, per)
    total = pc.abs(seconds)
    hours = pc.divide(total, 3600)
    minutes = pc.divide(pc.subtract(total, pc.multiply(hours, 3600)), 60)
    rest = pc.subtract(total, pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)))
    pieces = [
        pc.if_else(pc.less(seconds, 0), "-", "+"),
        _two(hours),
        colon,
        _two(minutes),
    ]
    if pc.any(pc.not_equal(rest, 0)).as_py():
        pieces.append(
            pc.if_else(pc.equal(rest, 0), "", pc.binary_join_element_wise(colon, _two(rest), ""))
        )
    return pc.binary_join_element_wise(*pieces, "")


def python_offset(local: dt.datetime, colon: str) -> str:
    delta = local.utcoffset() or dt.timedelta(0)
    sign = "-" if delta < dt.timedelta(0) else "+"
    minutes, second = divmod(abs(int(delta.total_seconds())), 60)
    hours, minute = divmod(minutes, 60)
    text = f"{sign}{hours:02d}{colon}{minute:02d}"
    return text + (f"{colon}{second:02d}" if second else "")


def _two(values: pa.Array) -> pa.Array:
    return pc.utf8_lpad(values.cast(pa.string()), 2, "0")


def _floor_divide(values: pa.Array, divisor: int) -> pa.Array:
    quotient = pc.divide(values, divisor)
    if divisor == 1:
        return quotient
    rest = pc.subtract(values, pc.multiply(quotient, divisor))
    return pc.if_else(pc.less(rest, 0), pc.subtract(quotient, 1), quotient)


class Fields:
    """What a pattern's directives are read from, for one column of values."""

    def __init__(
        self, shown: pa.Array, local: pa.Array, ticks: pa.Array, per: int, zoned: bool
    ) -> None:
        self.ticks, self.per, self.zoned = ticks, per, zoned
        self.seconds = _floor_divide(ticks, per)  # since the epoch, UTC
        self.fraction = pc.subtract(ticks, pc.multiply(self.seconds, per))  # 0 <= f < per
        zone = shown.type.tz if zoned else None
        self.whole = self.seconds.cast(pa.timestamp("s", tz=zone))  # Arrow's %S has fractions
        self.offset = (
            pc.subtract(local.cast(pa.int64()), ticks) if zoned else None
        )  # local - UTC, in ticks

    def strftime(self, pattern: str) -> pa.Array:
        return pc.strftime(self.whole, format=pattern)

    def computed(self, token: Directive) -> pa.Array | str:
        letter = token.letter
        if letter == "f":
            micros = pc.divide(pc.multiply(self.fraction, 1_000_000), self.per)
            return pc.utf8_lpad(micros.cast(pa.string()), 6, "0")
        if letter == "z":
            if self.offset is None:
                return ""
            return offset_text(self.offset, self.per, "")
        if letter == "Z":
            return self.strftime("%Z") if self.zoned else ""
        if letter == "s":
            return self.seconds.cast(pa.string())
        if letter in "kl":
            return pc.replace_substring_regex(
                self.strftime("%H" if letter == "k" else "%I"), "^0", " "
            )
        if letter == "P":
            return pc.utf8_lower(self.strftime("%p"))
        text = self.strftime("%" + letter)  # a native directive without its padding
        return pc.replace_substring_regex(text, "^[0 ]+(.)", r"\1")


def format_column(tokens: tuple[Token, ...], fields: Fields) -> pa.Array:
    """``tokens`` formatted for every value: runs of directives Arrow writes as glibc does
    go to one strftime call; the rest are computed here."""
    pieces: list[pa.Array | str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            pieces.append(fields.strftime("".join(run)))
            run.clear()

    for token in tokens:
        if isinstance(token, Literal):
            run.append(token.text.replace("%", "%%"))
        elif token.letter in NATIVE and not token.unpadded:
            run.append("%" + token.letter)
        else:
            flush()
            pieces.append(fields.computed(token))
    flush()
    arrays = [piece for piece in pieces if not isinstance(piece, str)]
    if not arrays:  # only computed constants (e.g. "%Z" of a date)
        constant = "".join(piece for piece in pieces if isinstance(piece, str))
        return pa.repeat(pa.scalar(constant), len(fields.ticks))
    return pc.binary_join_element_wise(*pieces, "")


def format_value(
    tokens: tuple[Token, ...],
    local: dt.datetime,
    year: int,
    cycles: int,
    fraction: int,
    per: int,
    epoch_seconds: int,
    zoned: bool,
) -> str:
    """One value formatted token by token, the year-bearing directives from the true year."""
    iso_year = local.isocalendar().year + 400 * cycles
    yy = f"{year % 100:02d}"
    special: dict[str, Callable[[], str]] = {
        "Y": lambda: year_text(year),
        "y": lambda: yy,
        "C": lambda: f"{year // 100:02d}",
        "G": lambda: year_text(iso_year),
        "g": lambda: f"{iso_year % 100:02d}",
        "F": lambda: f"{year_text(year)}-{local:%m-%d}",
        "c": lambda: f"{local:%a %b} {local.day:2d} {local:%H:%M:%S} {year_text(year)}",
        "x": lambda: f"{local:%m/%d}/{yy}",
        "D": lambda: f"{local:%m/%d}/{yy}",
        "f": lambda: f"{fraction * 1_000_000 // per:06d}",
        "z": lambda: python_offset(local, "") if zoned else "",
        "Z": lambda: (local.tzname() or "") if zoned else "",
        "s": lambda: str(epoch_seconds),
        "k": lambda: f"{local.hour:2d}",
        "l": lambda: f"{(local.hour % 12) or 12:2d}",
        "P": lambda: local.strftime("%p").lower(),
        "e": lambda: f"{local.day:2d}",
    }
    out = []
    for token in tokens:
        if isinstance(token, Literal):
            out.append(token.text)
            continue
        make = special.get(token.letter)
        text = make() if make is not None else local.strftime("%" + token.letter)
        if token.unpadded:
            text = text.lstrip("0 ") or "0"
        out.append(text)
    return "".join(out)
