"""Turn Arrow columns into display text, vectorised (no per-value Python on the usual path).

Text formats (CSV, TSV, Markdown, PDF, and XLSX for what it has no cell type for) share
these rules so a value reads the same in every file: integers and decimals exactly as
stored; floats as Arrow writes them; booleans as true/false; binary as hex; UUIDs in
canonical form; dates, times, timestamps and intervals per :mod:`exporters.temporal`
(ISO 8601 or the ``datetime_format`` pattern, in the ``timezone`` option's zone, years
outside 1..9999 in expanded form, intervals as PostgreSQL's ISO 8601 durations); lists,
structs and maps as JSON text (``[1,2,null]``, ``["a","b"]``, ``[[1,2],[3,4]]``), their
elements encoded by the JSON rules of :mod:`exporters.writers.json_encode`; JSON values
(the ``arrow.json`` type) as their text, unchanged. NULLs stay NULL here; each format
decides how to write them (usually the ``null`` option); a NULL inside a list is JSON's
``null``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exporters.known_text import KnownText
from exporters.options import CommonOptions
from exporters.temporal import date_text, interval_text, time_text
from exporters.temporal import timestamp_text as _timestamp_text


def text_column(
    column: pa.Array,
    options: CommonOptions,
    decimal_separator: str = ".",
    known: KnownText | None = None,
) -> pa.Array:
    """``column`` as a string array (nulls kept) following the shared display rules;
    ``known`` may hold the source's own text of it (:mod:`exporters.known_text`)."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.dictionary_decode()
        kind = column.type
    text = recalled(column, options, known)
    if text is not None:
        if decimal_separator != "." and pa.types.is_decimal(kind):
            text = pc.replace_substring(text, ".", decimal_separator)
        return text
    if isinstance(kind, pa.BaseExtensionType):
        return _extension_text(column, options, decimal_separator)
    if pa.types.is_string(kind):
        return column
    if pa.types.is_large_string(kind):  # one batch's text fits 32-bit offsets; joins need one type
        return column.cast(pa.string())
    if pa.types.is_timestamp(kind):
        return _timestamp_text(column, options.timezone, options.datetime_format)
    if pa.types.is_date(kind):
        return date_text(column, options.datetime_format)
    if pa.types.is_time(kind):
        return time_text(column)
    if pa.types.is_interval(kind) or pa.types.is_duration(kind):
        return interval_text(column)
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
    if pa.types.is_nested(kind):
        # Imported here: the JSON encoder itself renders scalars with text_column.
        from exporters.writers.json_encode import encode_column

        return encode_column(column, options).json()
    try:
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def recalled(column: pa.Array, options: CommonOptions, known: KnownText | None) -> pa.Array | None:
    """The source's own text of ``column`` from ``known``, where ``options`` write it as
    that text is (:func:`written_plainly`); None otherwise."""
    if known is None or not written_plainly(column.type, options):
        return None
    return known.recall(column)


def written_plainly(kind: pa.DataType, options: CommonOptions) -> bool:
    """Whether ``options`` write ``kind`` as the ISO defaults do, so that a source's text
    remembered in :class:`~exporters.known_text.KnownText` is what they write."""
    if pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return True
    iso = options.datetime_format == "iso"
    if pa.types.is_date(kind):
        return iso
    if pa.types.is_timestamp(kind):
        return kind.tz in (None, "UTC") and iso and options.timezone == "UTC"
    return False


def timestamp_text(column: pa.Array, options: CommonOptions) -> pa.Array:
    """Timestamps in ``options.timezone``, as ISO 8601 or ``options.datetime_format``."""
    return _timestamp_text(column, options.timezone, options.datetime_format)


def _extension_text(column: pa.Array, options: CommonOptions, decimal_separator: str) -> pa.Array:
    """JSON values as their text (unchanged), UUIDs canonical, others as their storage."""
    storage = column.storage
    if column.type.extension_name == "arrow.uuid":
        values = storage.to_pylist()
        return pa.array(
            [None if v is None else str(uuid.UUID(bytes=v)) for v in values], pa.string()
        )
    if column.type.extension_name == "arrow.json":
        return storage if pa.types.is_string(storage.type) else storage.cast(pa.string())
    return text_column(storage, options, decimal_separator)


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


def joined_lines(columns: list[pa.Array], separator: str, end: str) -> pa.Buffer:
    """Join same-length string columns (no nulls) row-wise into one buffer of lines."""
    lines = pc.binary_join_element_wise(*columns, separator)
    if not end or len(lines) == 0:
        return text_buffer(lines)
    # The line ends are the separator of all the lines and a last empty one: joining
    # those copies each line once, where appending ``end`` to the last column first cost
    # a second element-wise join (a sixth of the whole, measured).
    offsets, data = string_layout(lines)
    large = pa.types.is_large_string(lines.type)
    return end_to_end(pieces_of(data, np.append(offsets, offsets[-1]), large), end)


def string_layout(text: pa.Array) -> tuple[np.ndarray, pa.Buffer | None]:
    """A string array's value offsets (as int64, ``len + 1`` of them) and its bytes."""
    if len(text) == 0:
        return np.zeros(1, dtype=np.int64), None
    width = np.dtype(np.int64 if pa.types.is_large_string(text.type) else np.int32)
    _, offsets_buffer, data = text.buffers()
    offsets = np.frombuffer(offsets_buffer, width, len(text) + 1, text.offset * width.itemsize)
    return offsets.astype(np.int64, copy=False), data


def end_to_end(items: pa.Array, separator: str | bytes) -> pa.Buffer:
    """Every value of ``items`` one after the other, ``separator`` between each two: the
    bytes are copied once."""
    every = pa.ListArray.from_arrays(pa.array([0, len(items)], pa.int32()), items)
    return pc.binary_join(every, pa.scalar(separator, items.type))[0].as_buffer()


def pieces_of(data: pa.Buffer | None, bounds: np.ndarray, large: bool) -> pa.Array:
    """The byte ranges of ``data`` between consecutive ``bounds``, as binary values
    (``large_binary`` for 64-bit offsets); nothing is copied."""
    kind, width = (pa.large_binary(), np.int64) if large else (pa.binary(), np.int32)
    offsets = pa.py_buffer(bounds.astype(width))
    return pa.Array.from_buffers(kind, len(bounds) - 1, [None, offsets, data])


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
