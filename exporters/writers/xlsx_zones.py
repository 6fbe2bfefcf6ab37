"""Wall-clock time in a zone, right for every instant: historical, far future, any year.

Excel has no time zones, so an XLSX datetime is the wall-clock time in the ``timezone``
option, by the rule of :func:`exporters.render.timestamp_text` (a naive value is UTC and
converted when the option is not UTC; a zoned value is converted).

Arrow converts vectorised and right up to the last transition its zone files list (2037
in the usual "fat" tzdata, local mean time with seconds before the first, e.g. Berlin's
+00:53:28 before 1893). After that it keeps the last offset, where a zone's rule goes on
alternating (``Europe/Berlin`` in July 2040 is +02:00, Arrow says +01:00; Sydney the other
way round). Instants from 2037 on are therefore converted by Python's :mod:`zoneinfo`,
which follows the rule, once per distinct instant: usually none or a few sentinels. Past
Python's year 9999, the same instant 400 years earlier has the same offset (the Gregorian
calendar, and so a yearly rule, repeats every 146,097 days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

TICKS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
RULE_FROM = 2_114_380_800  # 2037-01-01T00:00:00Z in seconds: from here zoneinfo decides
_SAFE = 2**62  # ticks beyond this are clamped first: a conversion would overflow int64
_CYCLE = 146_097 * 86_400  # 400 Gregorian years, in seconds
_PYTHON_END = 253_402_041_600  # 9999-12-28T00:00:00Z: later instants move back a cycle
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class WallClock:
    """A timestamp column's wall-clock ticks, and how to get each exactly."""

    local: pa.Array  # int64 wall-clock ticks (clamped for the few beyond +-2**62)
    stored: pa.Array  # int64 ticks as stored (UTC)
    shift: pa.Array | None  # int64 ticks the zone adds: exact local = stored + shift


def wall_clock(column: pa.Array, timezone: str) -> WallClock:
    """``column`` (a timestamp array) as wall-clock ticks in ``timezone``."""
    unit = column.type.unit
    stored = column.cast(pa.int64())
    if column.type.tz is None and timezone == "UTC":
        return WallClock(stored, stored, None)
    low, high = (value.as_py() for value in pc.min_max(stored).values())
    if low is None:
        return WallClock(stored, stored, None)
    safe = stored
    if low < -_SAFE or high > _SAFE:
        safe = pc.max_element_wise(pc.min_element_wise(stored, _SAFE), -_SAFE)
    utc = safe.cast(pa.timestamp(unit, tz="UTC"))
    local = pc.local_timestamp(utc.cast(pa.timestamp(unit, tz=timezone))).cast(pa.int64())
    shift = pc.subtract(local, safe)
    per_second = TICKS[unit]
    if timezone != "UTC" and high >= RULE_FROM * per_second:
        late = pc.fill_null(pc.greater_equal(safe, RULE_FROM * per_second), False)
        instants = pc.filter(safe, late)
        distinct = pc.unique(instants)
        offsets = [seconds * per_second for seconds in offsets_from_rule(distinct, unit, timezone)]
        moved = pc.take(pa.array(offsets, pa.int64()), pc.index_in(instants, distinct))
        shift = pc.replace_with_mask(shift, late, moved)
        local = pc.add(safe, shift)
    return WallClock(local, stored, shift)


def offsets_from_rule(instants: pa.Array, unit: str, timezone: str) -> list[int]:
    """UTC offsets in seconds of ``instants`` (int64 ticks of ``unit``) by :mod:`zoneinfo`.

    >>> ticks = pa.array([2_225_000_000, 2_240_000_000, 10**12], pa.int64())  # 2040, 10**12 s
    >>> offsets_from_rule(ticks, "s", "Europe/Berlin")
    [7200, 3600, 7200]
    """
    zone = ZoneInfo(timezone)
    offsets = []
    for ticks in instants.to_pylist():
        seconds = ticks // TICKS[unit]
        if seconds >= _PYTHON_END:
            seconds -= ((seconds - _PYTHON_END) // _CYCLE + 1) * _CYCLE
        moment = _EPOCH + dt.timedelta(seconds=seconds)
        offset = moment.astimezone(zone).utcoffset()
        offsets.append(0 if offset is None else int(offset.total_seconds()))
    return offsets
