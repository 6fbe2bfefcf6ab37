"""Dates, datetimes and times as Excel serial numbers, and exact ISO text where Excel has none.

Excel counts days from 1899-12-30 and believes 1900-02-29 existed, so serials 1 to 59
are off by one day in every other reader: LibreOffice shows serial 1 as 1899-12-31 where
Excel shows 1900-01-01. Excel has nothing before that nor after 9999-12-31. A value is
therefore a serial only from 1900-03-01 to 9999-12-31, where every reader agrees, and
ISO 8601 text otherwise (years beyond 9999 and before 1 as Arrow writes them:
``10000-01-01``, ``-0044-03-15``). Times are fractions of a day; one outside
00:00:00 to 24:00:00 exclusive (PostgreSQL's ``24:00:00``) is text as well. Readers round
to milliseconds, so the last half millisecond before an end counts as past it.

A datetime is its wall-clock time in the ``timezone`` option (:mod:`.xlsx_zones`). The
serial arithmetic is in integers, so no value loses precision or overflows whatever its
year; the rare values written as text are formatted one by one from exact integer ticks,
never from Python's ``datetime`` (which stops at 9999).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from exporters.civil import civil_date
from exporters.strftime import year_text
from exporters.writers.xlsx_zones import TICKS, wall_clock

DAY_SECONDS = 86_400
FIRST_DAY = -25_508  # 1900-03-01, in days since 1970-01-01
END_DAY = 2_932_897  # 10000-01-01, in days since 1970-01-01: the first day Excel lacks
EPOCH_SERIAL = 25_569  # 1970-01-01 as an Excel serial
_EXACT_FLOAT = 2**53
_INT64 = (-(2**63), 2**63 - 1)
_Shifted = tuple[pa.Array, pa.Array]  # stored ticks, and what the zone adds to each


@dataclass(frozen=True)
class Serials:
    """A temporal column as Excel numbers, with ISO text where a value has no number."""

    numbers: pa.Array  # float64 serials (anything at ``outside`` positions)
    outside: pa.Array | None  # booleans, no NULLs: where ``text`` holds the value; None: nowhere
    text: pa.Array | None  # string at ``outside`` positions, NULL elsewhere


def date_serials(column: pa.Array) -> Serials:
    """``date32``/``date64`` values as serials (whole days)."""
    if pa.types.is_date32(column.type):
        return _serials(column.cast(pa.int32()).cast(pa.int64()), 1, None)
    return _serials(column.cast(pa.int64()), DAY_SECONDS * 1_000, None)


def datetime_serials(column: pa.Array, timezone: str) -> Serials:
    """Timestamps as serials of their wall-clock time in ``timezone`` (see ``xlsx_zones``)."""
    unit = column.type.unit
    clock = wall_clock(column, timezone)
    exact = None if clock.shift is None else (clock.stored, clock.shift)
    return _serials(clock.local, DAY_SECONDS * TICKS[unit], TICKS[unit], exact)


def time_serials(column: pa.Array) -> Serials:
    """Times of day as fractions of a day; others (24:00:00, corrupt values) as text."""
    unit = column.type.unit
    ticks = column.cast(pa.int32() if column.type.bit_width == 32 else pa.int64())
    end = DAY_SECONDS * TICKS[unit] - _half_ms(TICKS[unit])
    numbers = pc.divide(ticks.cast(pa.float64()), float(DAY_SECONDS * TICKS[unit]))
    low, high = (value.as_py() for value in pc.min_max(ticks).values())
    if low is None or (low >= 0 and high < end):
        return Serials(numbers, None, None)
    outside = pc.fill_null(pc.or_(pc.less(ticks, 0), pc.greater_equal(ticks, end)), False)
    rare = pc.filter(ticks, outside).to_pylist()
    words = [time_text(value, TICKS[unit]) for value in rare]
    return Serials(numbers, outside, _scatter(outside, words))


def _serials(
    ticks: pa.Array, per_day: int, per_second: int | None, exact: _Shifted | None = None
) -> Serials:
    """Serials of wall-clock ``ticks`` (``per_day`` to a day; ``per_second`` None: dates).

    Text for values outside Excel's agreed range comes from ``exact`` when given (the
    stored ticks and their zone shift: exact where ``ticks`` were clamped), else ``ticks``.
    """
    low = max(FIRST_DAY * per_day, _INT64[0])
    high = min(END_DAY * per_day - _half_ms(per_second), _INT64[1])
    smallest, largest = (value.as_py() for value in pc.min_max(ticks).values())
    outside = None
    exact_ticks = ticks
    if smallest is not None and (smallest < low or largest >= high):
        outside = pc.fill_null(pc.or_(pc.less(ticks, low), pc.greater_equal(ticks, high)), False)
        ticks = pc.if_else(outside, low, ticks)
    numbers = _days(ticks, per_day, max(low, smallest or 0), min(high, largest or 0))
    if outside is None:
        return Serials(numbers, None, None)
    if exact is None:
        rare = pc.filter(exact_ticks, outside).to_pylist()
    else:
        stored, shift = (pc.filter(part, outside).to_pylist() for part in exact)
        rare = [value + move for value, move in zip(stored, shift, strict=True)]
    words = [iso_text(value, per_day, per_second) for value in rare]
    return Serials(numbers, outside, _scatter(outside, words))


def _days(ticks: pa.Array, per_day: int, smallest: int, largest: int) -> pa.Array:
    """``ticks`` (all within Excel's range) as serials: days since 1899-12-30, as floats.

    Ticks within 2**53 convert to floats exactly (microseconds up to 2255: the usual case,
    one division); beyond, whole days and the rest of a day are split in integers first
    (floor modulo), so nothing is lost before they meet in one float.
    """
    if smallest > -_EXACT_FLOAT and largest < _EXACT_FLOAT:
        days = pc.divide(ticks.cast(pa.float64()), float(per_day))
        return pc.add(days, float(EPOCH_SERIAL))
    rest = pc.modulo(ticks, per_day)
    days = pc.divide(pc.subtract(ticks, rest), per_day)
    return pc.add(
        pc.add(days.cast(pa.float64()), float(EPOCH_SERIAL)),
        pc.divide(rest.cast(pa.float64()), float(per_day)),
    )


def _half_ms(per_second: int | None) -> int:
    """Half a millisecond in ticks: readers round to milliseconds, so a value this close to
    the end of a range would show as the first moment past it (10000-01-01, 24:00:00)."""
    return 0 if per_second is None else per_second // 2_000


def _scatter(where: pa.Array, words: list[str]) -> pa.Array:
    """A string array NULL everywhere but at ``where``, which takes ``words`` in order."""
    return pc.replace_with_mask(pa.nulls(len(where), pa.string()), where, pa.array(words))


def iso_text(ticks: int, per_day: int, per_second: int | None) -> str:
    """ISO 8601 text of ``ticks`` since 1970-01-01 for any year, as the text formats write
    it (years outside 1..9999 expanded: :func:`exporters.strftime.year_text`).

    Fractional seconds appear only when there are any, with as many digits as the unit.

    >>> iso_text(-719_528, 1, None), iso_text(2_932_897, 1, None)
    ('+0000-01-01', '+10000-01-01')
    >>> iso_text(253_402_300_800_000_000 + 8 * 3_600_000_000, 86_400_000_000, 1_000_000)
    '+10000-01-01T08:00:00'
    >>> iso_text(-1, 86_400_000, 1_000)
    '1969-12-31T23:59:59.999'
    """
    days, rest = divmod(ticks, per_day)
    year, month, day = civil_date(days)
    date = f"{year_text(year)}-{month:02d}-{day:02d}"
    if per_second is None:
        return date
    return f"{date}T{time_text(rest, per_second)}"


def time_text(ticks: int, per_second: int) -> str:
    """``HH:MM:SS`` (hours may pass 23) and a fraction only when there is one.

    >>> time_text(86_400_000_000, 1_000_000), time_text(-1_500, 1_000)
    ('24:00:00', '-00:00:01.500')
    """
    sign = "-" if ticks < 0 else ""
    seconds, fraction = divmod(abs(ticks), per_second)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{sign}{hour:02d}:{minute:02d}:{second:02d}"
    if fraction:
        text += f".{fraction:0{len(str(per_second)) - 1}d}"
    return text
