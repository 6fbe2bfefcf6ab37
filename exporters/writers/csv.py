"""CSV and TSV: RFC 4180, built column-wise with Arrow compute, safe for spreadsheets.

Each batch becomes one buffer of lines: every column is rendered to text (shared rules
in :mod:`exporters.render`: lists and JSON values as JSON text, intervals as ISO 8601
durations, ...), neutralised against formula injection, quoted as asked and joined. No
per-value Python runs on the hot path. A value that starts like a formula gets a leading
``'`` (``safe_formulas``, on by default), dates before year 1 included: ``-0043-03-15``
would be a sum in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exporters.errors import BadInput, EncodingFailed
from exporters.formats import Format, FormatSpec, WriteContext
from exporters.options import CsvOptions, TsvOptions
from exporters.render import end_to_end, joined_lines, pieces_of, string_layout, text_column
from exporters.writers.pipeline import pipelined

# OWASP CSV injection: a cell a spreadsheet would evaluate starts (after optional
# whitespace) with one of these, full-width forms included. A leading apostrophe makes
# it text; existing leading apostrophes get one more, so stripping one is the inverse.
_TRIGGER = r"^'*(?:[\t\r\n\x00]|\s*[=+\-@\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}])"
# The first bytes such a cell can start with (0xEF leads the full-width forms in UTF-8):
# a cheap look at each value's first byte spares the regex nearly every value.
_LEADS = np.zeros(256, dtype=np.bool_)
_LEADS[np.frombuffer(b"'\t\n\x0b\x0c\r\x00 =+-@\xef", np.uint8)] = True
# First bytes the trigger matches whatever follows, and those of them no number starts
# with either: such values need one regex (is it a number?) or none.
_TRIGGERED = np.zeros(256, dtype=np.bool_)
_TRIGGERED[np.frombuffer(b"\t\r\n\x00=+-@", np.uint8)] = True
_SURE = np.zeros(256, dtype=np.bool_)
_SURE[np.frombuffer(b"=@\x00", np.uint8)] = True
Encode = Callable[[pa.Buffer], pa.Buffer | bytes]
_NUMBER = r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$"


def neutralise_formulas(text: pa.Array) -> pa.Array:
    """Prefix ``'`` to strings a spreadsheet would run as a formula (numbers excepted)."""
    offsets, data = string_layout(text)
    if data is None or len(data) == 0:
        return text
    # Each value's first byte (an empty value or a NULL reads its neighbour's: ruled out
    # below, only when some value may be a formula at all).
    first = np.frombuffer(data, np.uint8).take(offsets[:-1], mode="clip")
    leading = _LEADS.take(first)
    if not leading.any():
        return text
    leading &= offsets[1:] > offsets[:-1]
    if text.null_count:
        leading &= _valid(text)
    risky = _SURE.take(first) & leading
    unsure = leading & ~risky
    if unsure.any():
        where = np.flatnonzero(unsure)
        candidates = pc.filter(text, pa.array(unsure))  # neither empty nor NULL
        triggered = _TRIGGERED[first[where]]
        if not triggered.all():
            rest = ~triggered
            triggered[rest] = _matches(pc.filter(candidates, pa.array(rest)), _TRIGGER)
        risky[where[triggered & ~_matches(candidates, _NUMBER)]] = True
    if not risky.any():
        return text
    return _inserted(text, offsets[:-1][risky], risky, b"'")


def _matches(text: pa.Array, pattern: str) -> np.ndarray:
    """Whether each value (none NULL) matches ``pattern``."""
    found = pc.match_substring_regex(text, pattern)
    return np.asarray(found.to_numpy(zero_copy_only=False), np.bool_)


def _found(text: pa.Array, needles: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where the (ASCII) bytes of ``needles`` occur in non-null values: their positions
    in the data buffer and the index of the value each is in, both ascending.

    An ASCII byte is never part of a longer UTF-8 character, so bytes are searched: a
    look at all the bytes at once for which needles occur at all, then one comparison
    per occurring needle over the bytes, where a regex per value cost three times more.
    """
    offsets, data = string_layout(text)
    first, last = int(offsets[0]), int(offsets[-1])
    none = np.zeros(0, np.int64)
    if data is None or last == first:
        return none, none
    window = data.slice(first, last - first).to_pybytes()
    present = [np.uint8(needle) for needle in needles if bytes((needle,)) in window]
    if not present:
        return none, none
    values = np.frombuffer(data, np.uint8, last - first, first)
    hits = values == present[0]
    for needle in present[1:]:
        hits |= values == needle
    positions = np.flatnonzero(hits) + first
    rows = np.searchsorted(offsets, positions, side="right") - 1
    if text.null_count:  # a NULL's slot may hold bytes; they are no value's
        kept = _valid(text)[rows]
        positions, rows = positions[kept], rows[kept]
    return positions, rows


def _count(text: pa.Array, byte: bytes) -> int:
    """How many times ``byte`` occurs in the column's bytes (NULL slots included)."""
    offsets, data = string_layout(text)
    first, last = int(offsets[0]), int(offsets[-1])
    if data is None or last == first:
        return 0
    return int(np.count_nonzero(np.frombuffer(data, np.uint8, last - first, first) == byte[0]))


def _valid(text: pa.Array) -> np.ndarray:
    """Whether each value is not NULL, unpacked from the validity bits (a fifth of the
    CPU of ``is_valid().to_numpy()``)."""
    bitmap = text.buffers()[0]
    if bitmap is None:
        return np.ones(len(text), np.bool_)
    start = text.offset
    bits = np.frombuffer(bitmap, np.uint8, (start + len(text) + 7) // 8)
    return np.unpackbits(bits, count=start + len(text), bitorder="little")[start:].view(np.bool_)


def _inserted(text: pa.Array, at: np.ndarray, extra: np.ndarray, byte: bytes) -> pa.Array:
    """``text`` with ``byte`` put before each data position in ``at`` (ascending, within
    or at the end of the value it belongs to), ``extra[i]`` of them in value ``i``.

    The bytes between two insertions are zero-copy pieces of the data; one join of all
    the pieces with ``byte`` as separator copies each byte once. (Filtering the values
    to change, changing them and putting them back with ``replace_with_mask`` cost twice
    as much; building the bytes with a numpy mask about as much as this.)
    """
    offsets, data = string_layout(text)
    large = pa.types.is_large_string(text.type)
    width = np.int64 if large else np.int32
    bounds = np.concatenate((offsets[:1], at, offsets[-1:]))
    joined = end_to_end(pieces_of(data, bounds, large), byte)
    moved = np.zeros(len(text) + 1, np.int64)
    np.cumsum(extra, out=moved[1:])
    moved += offsets - offsets[0]
    validity = None
    if text.null_count:
        validity = pa.py_buffer(np.packbits(_valid(text), bitorder="little"))
    return pa.Array.from_buffers(
        text.type,
        len(text),
        [validity, pa.py_buffer(moved.astype(width)), joined],
        null_count=text.null_count,
    )


def _quoted(text: pa.Array, needs: np.ndarray, quotes: np.ndarray) -> pa.Array:
    """The values ``needs`` marks in double quotes, the quotes in them (at the data
    positions ``quotes``, ascending, all in such values) doubled."""
    marked = np.flatnonzero(needs)
    if len(quotes) >= 2 * len(marked):
        return _quoted_densely(text, needs, marked)
    offsets, _ = string_layout(text)
    edges = np.empty(2 * len(marked), np.int64)
    edges[0::2], edges[1::2] = offsets[marked], offsets[marked + 1]
    extra = 2 * needs.astype(np.int64)
    at = edges
    if len(quotes):
        extra += np.bincount(
            np.searchsorted(offsets, quotes, side="right") - 1, minlength=len(text)
        )
        at = np.sort(np.concatenate((edges, quotes)), kind="stable")  # two sorted runs
    return _inserted(text, at, extra, b'"')


def _quoted_densely(text: pa.Array, needs: np.ndarray, marked: np.ndarray) -> pa.Array:
    """:func:`_quoted` for values holding several quotes each (JSON text): Arrow's
    replace and join copy each value twice, where inserting at every quote made pieces
    of a few bytes (measured on JSON objects: 0.16 against 0.37 s per 1M rows)."""
    wrapped = _around(pc.replace_substring(text, '"', '""'), '"')
    if len(marked) == len(text):
        return wrapped
    where = pa.array(needs)
    return pc.replace_with_mask(text, where, pc.filter(wrapped, where))


def _around(values: pa.Array, quote: str) -> pa.Array:
    kind = values.type
    mark = pa.scalar(quote, kind)
    return pc.binary_join_element_wise(mark, values, mark, pa.scalar("", kind))


def _nulls_written(text: pa.Array, null: str) -> pa.Array:
    """NULLs as ``null``. An empty ``null`` (the default) in slots that hold no bytes (as
    Arrow's kernels leave them) is the array without its validity: nothing is copied."""
    if null == "":
        offsets, _ = string_layout(text)
        if not np.any((offsets[1:] > offsets[:-1]) & ~_valid(text)):
            _, offsets_buffer, data = text.buffers()
            return pa.Array.from_buffers(
                text.type, len(text), [None, offsets_buffer, data], offset=text.offset
            )
    return text.fill_null(null)


def _is_numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


def _never_quoted(kind: pa.DataType, options: CsvOptions) -> bool:
    """Types whose text cannot hold a quote, a line break or the delimiter."""
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_date(kind):
        return options.datetime_format == "iso" or not pa.types.is_date(kind)
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return options.decimal_separator != options.delimiter
    if pa.types.is_timestamp(kind):
        return options.datetime_format == "iso"
    # ISO times and durations: digits, ":", ".", "-" and letters only.
    return bool(pa.types.is_time(kind) or pa.types.is_interval(kind) or pa.types.is_duration(kind))


class _Quoter:
    def __init__(self, options: CsvOptions) -> None:
        self.options = options
        # The bytes that make a value need quotes (the delimiter is one ASCII character).
        self._specials = ('"\r\n' + options.delimiter).encode()
        escaped = ("\\" + c if c in "|\\" else c for c in '"\r\n' + options.delimiter)
        self._pattern = "[" + "".join(escaped) + "]"  # the same bytes, for a regex per value

    def quote(self, text: pa.Array, numeric: bool, plain: bool = False) -> pa.Array:
        """Quote as the mode asks; ``plain`` columns (numbers, dates) never need quotes."""
        mode = self.options.quoting
        everything = mode == "all" or (mode == "nonnumeric" and not numeric)
        if (plain and not everything) or not len(text):
            return text
        # Quotes in most values (JSON text): finding each one costs more than Arrow's
        # kernels take to double them all (see _quoted_densely).
        dense = _count(text, b'"') >= len(text)
        if everything:
            needs = _valid(text) if text.null_count else np.ones(len(text), np.bool_)
            if dense:
                return _quoted_densely(text, needs, np.flatnonzero(needs))
            return _quoted(text, needs, _found(text, b'"')[0])
        if dense:
            found = pc.match_substring_regex(text, self._pattern).fill_null(False)
            needs = np.asarray(found.to_numpy(zero_copy_only=False), np.bool_)
            marked = np.flatnonzero(needs)
            if not len(marked):  # the quotes were in NULL slots
                return text
            self._refuse_unquoted(mode)
            return _quoted_densely(text, needs, marked)
        positions, rows = _found(text, self._specials)
        if not len(rows):
            return text
        self._refuse_unquoted(mode)
        needs = np.zeros(len(text), np.bool_)
        needs[rows] = True
        _, data = string_layout(text)
        assert data is not None  # values hold the bytes found
        quotes = positions[np.frombuffer(data, np.uint8)[positions] == ord('"')]
        return _quoted(text, needs, quotes)

    @staticmethod
    def _refuse_unquoted(mode: str) -> None:
        if mode == "none":
            raise BadInput(
                "quoting=none cannot write a value that contains the delimiter, a quote or a "
                "line break; use quoting=minimal"
            )


def write_csv(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: CsvOptions,
    context: WriteContext,
) -> None:
    quoter = _Quoter(options)
    end = "\r\n" if options.line_terminator == "crlf" else "\n"
    numeric = [_is_numeric(field.type) for field in schema]
    plain = [_never_quoted(field.type, options) for field in schema]
    encode = _encoder(options, schema)
    if options.bom and options.encoding == "utf-8":
        sink.write(b"\xef\xbb\xbf")
    if options.header:
        names = pa.array(schema.names, pa.string())
        if options.safe_formulas:
            names = neutralise_formulas(names)
        header = [quoter.quote(names.slice(i, 1), False) for i in range(len(names))]
        sink.write(encode(joined_lines(header, options.delimiter, end)))

    def lines(batch: pa.RecordBatch) -> tuple[int, pa.Buffer | bytes]:
        columns = []
        for i, column in enumerate(batch.columns):
            text = text_column(column, options, options.decimal_separator, context.known_text)
            if options.safe_formulas and not numeric[i]:
                text = neutralise_formulas(text)
            text = quoter.quote(text, numeric[i], plain[i])
            if text.null_count:
                text = _nulls_written(text, options.null)
            columns.append(text)
        return batch.num_rows, encode(joined_lines(columns, options.delimiter, end))

    rows = 0
    for count, data in pipelined(lines, batches):
        sink.write(data)
        rows += count
    if options.metadata:
        for line in (
            f"# generated_at: {context.generated_at.isoformat()}",
            f"# query: {' '.join((context.query or '').split())}",
            f"# rows: {rows}",
        ):
            sink.write(encode(pa.py_buffer((line + end).encode())))


def _encoder(options: CsvOptions, schema: pa.Schema) -> Encode:
    if options.encoding == "utf-8":
        return lambda buffer: buffer
    codec = "utf-16-le" if options.encoding == "utf-16" else "latin-1"
    state = {"first": True}

    def encode(buffer: pa.Buffer) -> bytes:
        text: str = buffer.to_pybytes().decode("utf-8")
        try:
            data = text.encode(codec)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start : exc.end]
            raise EncodingFailed(
                f"{bad!r} cannot be written in {options.encoding}; use encoding=utf-8 "
                "(or utf-16) for text in other scripts"
            ) from None
        if state["first"] and options.encoding == "utf-16":
            data = b"\xff\xfe" + data  # Excel needs the byte-order mark to read UTF-16
        state["first"] = False
        return data

    return encode


SPECS = (
    FormatSpec(
        Format.CSV,
        "text/csv",
        "csv",
        CsvOptions,
        write_csv,
        "comma-separated values (RFC 4180)",
        reuses_source_text=True,
    ),
    FormatSpec(
        Format.TSV,
        "text/tab-separated-values",
        "tsv",
        TsvOptions,
        write_csv,
        "tab-separated values",
        reuses_source_text=True,
    ),
)
