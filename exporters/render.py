"""Turn Arrow columns into display text, vectorised (no per-value Python).

Text formats (CSV, TSV, Markdown, PDF) share these rules so a value reads the same in
every file: integers and decimals exactly as stored, datetimes in the asked zone as ISO
8601 or a strftime pattern, booleans as true/false, binary as hex. NULLs stay NULL here;
each format decides how to write them (usually the `null` option).
"""

from __future__ import annotations

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
        text = column.cast(pa.string())
        if decimal_separator != ".":
            text = pc.replace_substring(text, ".", decimal_separator)
        return text
    if pa.types.is_null(kind):
        return pa.nulls(len(column), pa.string())
    try:
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def timestamp_text(column: pa.Array, options: CommonOptions) -> pa.Array:
    """Timestamps in ``options.timezone``.

    A zoned timestamp is converted and shown with its offset; a naive one is taken to be
    UTC, shown as stored when the zone is UTC and converted (with offset) otherwise.
    Fractional seconds appear only on values that have them, as Python's isoformat does.
    """
    kind: pa.TimestampType = column.type
    aware = kind.tz is not None or options.timezone != "UTC"
    if aware:
        zone = options.timezone
        column = column.cast(pa.timestamp(kind.unit, tz=kind.tz or "UTC")).cast(
            pa.timestamp(kind.unit, tz=zone)
        )
    if options.datetime_format != "iso":
        return pc.strftime(column, format=options.datetime_format)
    suffix = "%Ez" if aware else ""
    whole = pc.strftime(
        column.cast(pa.timestamp("s", tz=column.type.tz), safe=False), format=_ISO_SECONDS + suffix
    )
    if kind.unit == "s":
        return whole
    fraction = pc.not_equal(column, pc.floor_temporal(column, unit="second"))
    if not pc.any(fraction).as_py():
        return whole
    precise = pc.strftime(column, format=_ISO_SECONDS + suffix)
    return pc.if_else(fraction, precise, whole)


def joined_lines(columns: list[pa.Array], separator: str, end: str) -> pa.Buffer:
    """Join same-length string columns (no nulls) row-wise into one buffer of lines."""
    line = pc.binary_join_element_wise(*columns, separator)
    if end:
        line = pc.binary_join_element_wise(line, pa.scalar(end), "")
    return text_buffer(line)


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
