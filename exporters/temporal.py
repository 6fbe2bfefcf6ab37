"""Dates, times, timestamps and intervals as text: ISO 8601, or a strftime pattern.

The rules every format shares (:mod:`exporters.render` calls these):

- Timestamps are shown in the ``timezone`` option's zone. A zoned value is converted and
  written with its offset (``2026-03-29T03:30:05+02:00``; an offset with seconds, local
  mean time before standard zones, keeps them: ``+00:53:28``, as Python's isoformat
  writes it). A naive value is UTC wall time: shown as stored when the zone is UTC,
  converted with its offset otherwise; a strftime pattern's ``%z``/``%Z`` show it as
  ``+0000``/``UTC`` (see :mod:`exporters.datetime_pattern`).
- A fraction of a second appears only on values that have one, with the digits of the
  column's unit (3, 6 or 9), as Python's isoformat does for microseconds.
- Years 1..9999 are written with four digits. Any other year, stored or reached by the
  conversion into a zone (9999-12-31T23:00Z is 10000-01-01 in Tokyo), is written in ISO
  8601 expanded form: a sign and at least four digits, astronomical numbering
  (``-0043-03-15`` is 15 March 44 BC, ``+10000-01-01T08:00:00+09:00``).
- Times are ``HH:MM:SS[.fff…]``; PostgreSQL's ``24:00:00`` is written as such.
- Intervals (``month_day_nano``, PostgreSQL's months, days and microseconds) and
  durations are ISO 8601 durations exactly as PostgreSQL writes them with
  ``IntervalStyle = iso_8601``: ``P1Y2M3DT4H5M6.5S``, ``P-1DT2H``, ``PT0S``.

Arrow does the work, column at a time, for years 1..9999. Its calendar goes wrong
beyond (text garbles after 9999, years wrap past ±32767), and it ignores the daylight
saving rule zones follow after 2037 (it reads the tables, not the rule after them), so
those rare values (within a day of the ends of years 1..9999; from 2037 on in a zone
with daylight saving) are written in Python, one by one, after moving them by whole
400-year Gregorian cycles (same weekdays, leap years and zone rules) into years Python
holds. Patterns are applied by :mod:`exporters.strftime`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from exporters.datetime_pattern import Token, needs_zone, parse_pattern
from exporters.strftime import (
    Fields,
    format_column,
    format_value,
    offset_text,
    python_offset,
    year_text,
)

PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_DAY = 86_400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_FIRST_DAY = dt.date(1, 1, 1).toordinal() - _EPOCH_ORDINAL  # -719162
_END_DAY = dt.date(9999, 12, 31).toordinal() + 1 - _EPOCH_ORDINAL  # 10000-01-01
_CYCLE_DAYS = 146_097  # 400 Gregorian years, a whole number of weeks
# Rare values are moved into these years: after the last transition of every zone (its
# yearly rule applies, as in year 10000) or before the first (local mean time).
_LATE = dt.date(2400, 1, 1).toordinal() - _EPOCH_ORDINAL
_EARLY = dt.date(400, 1, 1).toordinal() - _EPOCH_ORDINAL
_UTC = dt.UTC
# Arrow reads a zone's transitions but not the rule that follows them (the TZif footer),
# and the tables end in 2037: later summer times would lose their daylight saving hour.
_TABLES_END = int(dt.datetime(2037, 1, 1, tzinfo=dt.UTC).timestamp())


def in_zone(column: pa.Array, zone: str) -> pa.Array:
    """Timestamps as ``timestamp(unit, tz=zone)``, the same instants; naive ones are UTC."""
    kind: pa.TimestampType = column.type
    if kind.tz is None:
        column = column.cast(pa.timestamp(kind.unit, tz="UTC"))
    return column.cast(pa.timestamp(kind.unit, tz=zone))


def timestamp_text(column: pa.Array, zone: str, pattern: str = "iso") -> pa.Array:
    """Timestamps in ``zone``, as ISO 8601 or ``pattern`` (rules in the module docstring)."""
    kind: pa.TimestampType = column.type
    per = PER_SECOND[kind.unit]
    tokens = None if pattern == "iso" else parse_pattern(pattern)
    aware = kind.tz is not None or zone != "UTC"
    zoned = aware or (tokens is not None and needs_zone(tokens))
    ticks = original = column.cast(pa.int64())
    rare = _rare_instants(ticks, per, zone, zoned)
    if rare is not None:
        column = pc.if_else(rare, pa.scalar(0, kind), column)
        ticks = column.cast(pa.int64())
    shown = in_zone(column, zone) if zoned else column
    local = pc.local_timestamp(shown) if zoned else column
    if tokens is None:
        text = _iso_timestamps(local, per)
        if aware:
            offset = pc.subtract(local.cast(pa.int64()), ticks)
            text = pc.binary_join_element_wise(text, _offsets(offset, per), "")
    else:
        text = format_column(tokens, Fields(shown, local, ticks, per, zoned))
    info = ZoneInfo(zone) if zoned else None
    return _patched(text, rare, original, lambda v: _rare_timestamp(v, per, info, aware, tokens))


def wall_clock(column: pa.Array, zone: str) -> pa.Array:
    """Naive timestamps: the wall clock ``zone`` shows at each instant (naive values are
    UTC), as :func:`timestamp_text` writes it; for formats that store local times (XLSX)."""
    shifted = pc.add(column.cast(pa.int64()), zone_offsets(column, zone))
    return shifted.cast(pa.timestamp(column.type.unit))


def zone_offsets(column: pa.Array, zone: str) -> pa.Array:
    """``zone``'s offset from UTC at each instant of a timestamp column (naive values are
    UTC), in the column's ticks.

    ``pc.local_timestamp`` alone loses daylight saving after 2037 and wraps past year
    ±32767; those instants get their offset from Python's :mod:`zoneinfo`.
    """
    kind: pa.TimestampType = column.type
    per = PER_SECOND[kind.unit]
    ticks = original = column.cast(pa.int64())
    rare = _rare_instants(ticks, per, zone, zoned=True)
    if rare is not None:
        column = pc.if_else(rare, pa.scalar(0, kind), column)
        ticks = column.cast(pa.int64())
    offset = pc.subtract(pc.local_timestamp(in_zone(column, zone)).cast(pa.int64()), ticks)
    info = ZoneInfo(zone)
    return _patched(offset, rare, original, lambda v: _rare_offset(v, per, info))


def date_text(column: pa.Array, pattern: str = "iso") -> pa.Array:
    """Dates as ISO 8601 (expanded years outside 1..9999) or ``pattern`` (no zone)."""
    if not pa.types.is_date32(column.type):
        column = column.cast(pa.date32())
    days = original = column.cast(pa.int32())
    rare = _outside(days, _FIRST_DAY, _END_DAY)
    if rare is not None:
        days = pc.if_else(rare, pa.scalar(0, pa.int32()), days)
        column = days.cast(pa.date32())
    tokens = None if pattern == "iso" else parse_pattern(pattern)
    if tokens is None:
        text = column.cast(pa.string())
    else:
        midnight = pc.multiply(days.cast(pa.int64()), _DAY)
        stamps = midnight.cast(pa.timestamp("s"))
        text = format_column(tokens, Fields(stamps, stamps, midnight, 1, zoned=False))
    return _patched(text, rare, original, lambda v: _rare_date(v, tokens))


def time_text(column: pa.Array) -> pa.Array:
    """Times of day as ``HH:MM:SS`` plus the fraction when there is one; ``24:00:00`` too."""
    per = PER_SECOND[column.type.unit]
    ticks = column.cast(pa.int32() if column.type.bit_width == 32 else pa.int64())
    rare = _outside(ticks, 0, _DAY * per)
    if rare is not None:
        column = pc.if_else(rare, pa.scalar(0, column.type), column)
    text = column.cast(pa.string())
    if per != 1:
        whole = pc.equal(pc.subtract(ticks, pc.multiply(pc.divide(ticks, per), per)), 0)
        text = pc.if_else(whole, pc.utf8_slice_codeunits(text, 0, 8), text)
    return _patched(text, rare, ticks, lambda v: _clock(v, per))


def interval_text(column: pa.Array) -> pa.Array:
    """Intervals and durations as ISO 8601 durations, the way PostgreSQL writes them."""
    if pa.types.is_duration(column.type):
        nanos = pc.multiply(column.cast(pa.int64()), 1_000_000_000 // PER_SECOND[column.type.unit])
        zero = pa.repeat(pa.scalar(0, pa.int64()), len(column))
        months, days = zero, zero
    else:
        months, days, nanos = interval_fields(column)
    years = pc.divide(months, 12)  # Arrow's integer division truncates, like C's
    months = pc.subtract(months, pc.multiply(years, 12))
    hours = pc.divide(nanos, 3_600_000_000_000)
    rest = pc.subtract(nanos, pc.multiply(hours, 3_600_000_000_000))
    minutes = pc.divide(rest, 60_000_000_000)
    rest = pc.subtract(rest, pc.multiply(minutes, 60_000_000_000))
    seconds = pc.divide(rest, 1_000_000_000)
    fraction = pc.abs(pc.subtract(rest, pc.multiply(seconds, 1_000_000_000)))
    digits = pc.utf8_rtrim(pc.utf8_lpad(fraction.cast(pa.string()), 9, "0"), "0")
    second_part = pc.if_else(
        pc.equal(rest, 0),
        "",
        pc.binary_join_element_wise(
            pc.if_else(pc.less(rest, 0), "-", ""),
            pc.abs(seconds).cast(pa.string()),
            pc.if_else(pc.equal(fraction, 0), "", pc.binary_join_element_wise(".", digits, "")),
            "S",
            "",
        ),
    )
    text = pc.binary_join_element_wise(
        "P",
        _part(years, "Y"),
        _part(months, "M"),
        _part(days, "D"),
        pc.if_else(pc.equal(nanos, 0), "", "T"),
        _part(hours, "H"),
        _part(minutes, "M"),
        second_part,
        "",
    )
    text = pc.if_else(pc.equal(text, "P"), "PT0S", text)
    return _nulls_of(column, text)


def interval_fields(column: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """A ``month_day_nano`` array's months (int32), days (int32) and nanoseconds (int64)."""
    # Each value is 16 bytes: int32 months, int32 days, int64 nanoseconds (native order).
    count = column.offset + len(column)
    data = column.buffers()[1]
    if data is None:  # every value is null
        data = pa.py_buffer(bytes(16 * count))
    quads = pa.FixedSizeListArray.from_arrays(
        pa.Array.from_buffers(pa.int32(), 4 * count, [None, data]), 4
    ).slice(column.offset, len(column))
    pairs = pa.FixedSizeListArray.from_arrays(
        pa.Array.from_buffers(pa.int64(), 2 * count, [None, data]), 2
    ).slice(column.offset, len(column))
    return pc.list_element(quads, 0), pc.list_element(quads, 1), pc.list_element(pairs, 1)


def _rare_instants(ticks: pa.Array, per: int, zone: str, zoned: bool) -> pa.Array | None:
    """Where Arrow cannot be trusted with an instant (see the module docstring)."""
    margin = _DAY * per  # no zone is a day or more away from UTC
    high = _END_DAY * _DAY * per - margin
    if zoned and _daylight_saving_ahead(zone):
        high = min(high, _TABLES_END * per)
    return _outside(ticks, _FIRST_DAY * _DAY * per + margin, high)


@functools.cache
def _daylight_saving_ahead(zone: str) -> bool:
    """Whether ``zone``'s rule after its table still changes clocks twice a year."""
    info = ZoneInfo(zone)
    return bool(info.utcoffset(dt.datetime(2400, 1, 1)) != info.utcoffset(dt.datetime(2400, 7, 1)))


def _patched(
    values: pa.Array, rare: pa.Array | None, source: pa.Array, one: Callable[[Any], Any]
) -> pa.Array:
    """``values`` with the ``rare`` positions recomputed one by one from ``source`` (the few
    values Arrow cannot be trusted with); unchanged when there are none."""
    if rare is None:
        return values
    where = rare.fill_null(False)
    fixed = [None if v is None else one(v) for v in pc.filter(source, where).to_pylist()]
    return pc.replace_with_mask(values, where, pa.array(fixed, values.type))


# --- vectorised pieces -----------------------------------------------------------------


def _outside(values: pa.Array, low: int, high: int) -> pa.Array | None:
    """Where ``values`` fall outside ``[low, high)``; None when none do (the usual case)."""
    lowest, highest = (v.as_py() for v in pc.min_max(values).values())
    if lowest is None or (lowest >= low and highest < high):
        return None
    kind = pa.int64() if pa.types.is_integer(values.type) else values.type
    limits = [pa.scalar(max(min(limit, 2**63 - 1), -(2**63)), kind) for limit in (low, high)]
    return pc.or_(pc.less(values, limits[0]), pc.greater_equal(values, limits[1]))


def _iso_timestamps(local: pa.Array, per: int) -> pa.Array:
    """Naive wall times as ISO text, the fraction only where there is one."""
    if per == 1:
        return _iso(local)
    fraction = pc.not_equal(local, pc.floor_temporal(local, unit="second"))
    if pc.all(fraction).as_py():  # every value has one (as ``now()`` writes them)
        return _iso(local)
    whole = _iso(local.cast(pa.timestamp("s"), safe=False))
    if pc.any(fraction).as_py():
        whole = pc.if_else(fraction, _iso(local), whole)
    return whole


def _iso(naive: pa.Array) -> pa.Array:
    # Casting to text is several times faster than strftime; the cast writes a space, at
    # byte 10 of ASCII text (years 1 to 9999 here: the rare ones are patched apart).
    return pc.binary_replace_slice(naive.cast(pa.string()), 10, 11, "T")


def _offsets(offset: pa.Array, per: int) -> pa.Array | pa.Scalar:
    """``±HH:MM`` per UTC offset in ticks: one text when the batch has one offset (a
    zone without daylight saving, or a batch within one season)."""
    bounds = pc.min_max(offset)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is not None and low == high:
        return pa.scalar(offset_text(pa.array([low], pa.int64()), per, ":")[0].as_py())
    return offset_text(offset, per, ":")


def _part(values: pa.Array, letter: str) -> pa.Array:
    return pc.if_else(
        pc.equal(values, 0), "", pc.binary_join_element_wise(values.cast(pa.string()), letter, "")
    )


def _nulls_of(column: pa.Array, text: pa.Array) -> pa.Array:
    if not column.null_count:
        return text
    return pc.if_else(column.is_valid(), text, pa.scalar(None, pa.string()))


# --- the rare value, in Python -----------------------------------------------------------


def _cycles(days: int) -> int:
    """How many 400-year cycles to take from ``days`` (since 1970) to land in years
    2400..2799 (after every zone's last transition: its yearly rule applies) or, before
    1970, in years 400..799 (before every zone's first: local mean time)."""
    return (days - (_LATE if days >= 0 else _EARLY)) // _CYCLE_DAYS


def _rare_timestamp(
    ticks: int | None,
    per: int,
    zone: ZoneInfo | None,
    offset: bool,
    tokens: tuple[Token, ...] | None,
) -> str | None:
    if ticks is None:
        return None
    seconds, fraction = divmod(ticks, per)
    cycles = _cycles(seconds // _DAY)
    moved = seconds - cycles * _CYCLE_DAYS * _DAY
    utc = dt.datetime(1970, 1, 1, tzinfo=_UTC) + dt.timedelta(seconds=moved)
    local = utc.astimezone(zone) if zone is not None else utc.replace(tzinfo=None)
    year = local.year + 400 * cycles
    if tokens is not None:
        return format_value(tokens, local, year, cycles, fraction, per, seconds, zone is not None)
    digits = len(str(per)) - 1
    text = f"{year_text(year)}-{local:%m-%dT%H:%M:%S}"
    if fraction:
        text += f".{fraction:0{digits}d}"
    if offset:
        text += python_offset(local, ":")
    return text


def _rare_offset(ticks: int | None, per: int, zone: ZoneInfo) -> int | None:
    """The offset from UTC, in ticks, of ``zone`` at the instant ``ticks``."""
    if ticks is None:
        return None
    seconds = ticks // per
    moved = seconds - _cycles(seconds // _DAY) * _CYCLE_DAYS * _DAY
    local = (dt.datetime(1970, 1, 1, tzinfo=_UTC) + dt.timedelta(seconds=moved)).astimezone(zone)
    delta = local.utcoffset() or dt.timedelta(0)
    return int(delta.total_seconds()) * per


def _rare_date(days: int | None, tokens: tuple[Token, ...] | None) -> str | None:
    if days is None:
        return None
    cycles = _cycles(days)
    local = dt.datetime(1970, 1, 1) + dt.timedelta(days=days - cycles * _CYCLE_DAYS)
    year = local.year + 400 * cycles
    if tokens is None:
        return f"{year_text(year)}-{local:%m-%d}"
    return format_value(tokens, local, year, cycles, 0, 1, days * _DAY, False)


def _clock(ticks: int, per: int) -> str:
    seconds, fraction = divmod(ticks, per)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    text = f"{hours:02d}:{minute:02d}:{second:02d}"
    return text + (f".{fraction:0{len(str(per)) - 1}d}" if fraction else "")
