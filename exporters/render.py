"""Turn Arrow columns into display text, vectorised (no per-value Python).

Text formats (CSV, TSV, Markdown, PDF) share these rules so a value reads the same in
every file: integers and decimals exactly as stored, datetimes in the asked zone as ISO
8601 or a strftime pattern, booleans as true/false, binary as hex. NULLs stay NULL here;
each format decides how to write them (usually the `null` option).
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from exporters.options import CommonOptions

_ISO_SECONDS = "%Y-%m-%dT%H:%M:%S"


def text_column(column: pa.Array, options: CommonOptions, decimal_separator: str = ".") -> pa.Array:
    """``column`` as a string array (nulls kept) following the shared display rules."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_timestamp(kind):
        return timestamp_text(column, options)
    if pa.types.is_date(kind):
        if options.datetime_format == "iso":
            return column.cast(pa.string())
        return pc.strftime(column.cast(pa.timestamp("s")), format=options.datetime_format)
    if (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    ):
        return pa.array([None if v is None else v.hex() for v in column.to_pylist()], pa.string())
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        text = decimal_text(column) if pa.types.is_decimal(kind) else column.cast(pa.string())
        if decimal_separator != ".":
            text = pc.replace_substring(text, ".", decimal_separator)
        return text
    if pa.types.is_null(kind):
        return pa.nulls(len(column), pa.string())
    try:
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def decimal_text(column: pa.Array) -> pa.Array:
    """Decimals as written in the source: ``0.000000010``, never Arrow's ``1.0E-8``.

    Arrow (like Java's BigDecimal) switches to scientific notation below 1e-6, which
    only a scale above 6 can reach; those few values are rewritten one by one.
    """
    text = column.cast(pa.string())
    if column.type.scale > 6:
        scientific = pc.match_substring(text, "E")
        if pc.any(scientific).as_py():
            scientific = scientific.fill_null(False)
            values = pc.filter(text, scientific).to_pylist()
            plain = pa.array([format(Decimal(value), "f") for value in values], pa.string())
            text = pc.replace_with_mask(text, scientific, plain)
    return text


def timestamp_text(column: pa.Array, options: CommonOptions) -> pa.Array:
    """Timestamps in ``options.timezone``.

    A zoned timestamp is converted and shown with its offset; a naive one is taken to be
    UTC, shown as stored when the zone is UTC and converted (with offset) otherwise.
    Fractional seconds appear only on values that have them, as Python's isoformat does.
    """
    kind: pa.TimestampType = column.type
    aware = kind.tz is not None or options.timezone != "UTC"
    if aware:
        column = column.cast(pa.timestamp(kind.unit, tz=kind.tz or "UTC")).cast(
            pa.timestamp(kind.unit, tz=options.timezone)
        )
    if options.datetime_format != "iso":
        return pc.strftime(column, format=options.datetime_format)
    # Casting to text is several times faster than strftime; the cast writes a space.
    local = pc.local_timestamp(column) if aware else column
    whole = _iso_text(local.cast(pa.timestamp("s"), safe=False))
    if kind.unit != "s":
        fraction = pc.not_equal(local, pc.floor_temporal(local, unit="second"))
        if pc.any(fraction).as_py():
            whole = pc.if_else(fraction, _iso_text(local), whole)
    if not aware:
        return whole
    return pc.binary_join_element_wise(whole, _offset_text(local, column), "")


def _iso_text(naive: pa.Array) -> pa.Array:
    return pc.utf8_replace_slice(naive.cast(pa.string()), 10, 11, "T")


def _offset_text(local: pa.Array, zoned: pa.Array) -> pa.Array:
    """``+HH:MM`` per value: the zone's offset from UTC at that instant."""
    unit = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[zoned.type.unit]
    seconds = pc.divide(pc.subtract(local.cast(pa.int64()), zoned.cast(pa.int64())), unit)
    minutes_total = pc.divide(pc.abs(seconds), 60)
    hours = pc.divide(minutes_total, 60)
    minutes = pc.subtract(minutes_total, pc.multiply(hours, 60))
    sign = pc.if_else(pc.less(seconds, 0), "-", "+")
    return pc.binary_join_element_wise(
        sign,
        pc.utf8_lpad(hours.cast(pa.string()), 2, "0"),
        ":",
        pc.utf8_lpad(minutes.cast(pa.string()), 2, "0"),
        "",
    )


def joined_lines(columns: list[pa.Array], separator: str, end: str) -> pa.Buffer:
    """Join same-length string columns (no nulls) row-wise into one buffer of lines."""
    if end:  # appended to the last column first: one pass over the short column, not the line
        columns = [*columns[:-1], pc.binary_join_element_wise(columns[-1], end, "")]
    return text_buffer(pc.binary_join_element_wise(*columns, separator))


def text_buffer(array: pa.Array) -> pa.Buffer:
    """The concatenated bytes of a string array, without copying."""
    if len(array) == 0:
        return pa.py_buffer(b"")
    width = pa.int64() if pa.types.is_large_string(array.type) else pa.int32()
    _, offsets_buffer, data = array.buffers()
    offsets = pa.Array.from_buffers(
        width, len(array) + 1, [None, offsets_buffer], offset=array.offset
    )
    start, stop = offsets[0].as_py(), offsets[-1].as_py()
    return data.slice(start, stop - start)
