"""Wall-clock time in a zone, right for every instant: historical, far future, any year.

Excel has no time zones, so an XLSX datetime is the wall-clock time in the ``timezone``
option, by the rule of :func:`exporters.render.timestamp_text` (a naive value is UTC and
converted when the option is not UTC; a zoned value is converted).

The offsets are :func:`exporters.temporal.zone_offsets`, shared with the text formats
(right after 2037, when Arrow's zone tables end, and in any year); here the ticks are
clamped first, so that adding an offset to the most extreme values cannot overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from exporters.temporal import zone_offsets

TICKS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_SAFE = 2**62  # ticks beyond this are clamped first: a conversion would overflow int64


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
    shift = zone_offsets(safe.cast(pa.timestamp(unit, tz=column.type.tz)), timezone)
    return WallClock(pc.add(safe, shift), stored, shift)
