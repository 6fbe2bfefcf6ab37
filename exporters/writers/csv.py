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
from exporters.render import joined_lines, text_column
from exporters.writers.pipeline import pipelined

# OWASP CSV injection: a cell a spreadsheet would evaluate starts (after optional
# whitespace) with one of these, full-width forms included. A leading apostrophe makes
# it text; existing leading apostrophes get one more, so stripping one is the inverse.
_TRIGGER = r"^'*(?:[\t\r\n\x00]|\s*[=+\-@\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}])"
# The first bytes such a cell can start with (0xEF leads the full-width forms in UTF-8):
# a cheap look at each value's first byte spares the regex nearly every value.
_LEADS = np.zeros(256, dtype=np.bool_)
_LEADS[np.frombuffer(b"'\t\n\x0b\x0c\r\x00 =+-@\xef", np.uint8)] = True
Encode = Callable[[pa.Buffer], pa.Buffer | bytes]
_NUMBER = r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$"


def neutralise_formulas(text: pa.Array) -> pa.Array:
    """Prefix ``'`` to strings a spreadsheet would run as a formula (numbers excepted)."""
    leading = _may_trigger(text)
    if not leading.any():
        return text
    candidates = pc.filter(text, pa.array(leading))
    risky = pc.and_kleene(
        pc.match_substring_regex(candidates, _TRIGGER),
        pc.invert(pc.match_substring_regex(candidates, _NUMBER)),
    ).fill_null(False)
    if not pc.any(risky).as_py():
        return text
    where = np.zeros(len(text), dtype=np.bool_)
    where[np.flatnonzero(leading)[risky.to_numpy(zero_copy_only=False)]] = True
    return _rewrite(text, pa.array(where), lambda values: _around(values, "'", ""))


def _may_trigger(text: pa.Array) -> np.ndarray:
    """Whether each value's first byte is one a formula trigger can start with."""
    offsets, data = _layout(text)
    starts = offsets[:-1]
    filled = offsets[1:] > starts  # empty values and NULLs have no first byte
    leading = np.zeros(len(text), dtype=np.bool_)
    if data is not None and filled.any():
        leading[filled] = _LEADS[np.frombuffer(data, np.uint8)[starts[filled]]]
    return leading


def _holds_any(text: pa.Array, needles: tuple[bytes, ...]) -> bool:
    """Whether any value holds one of ``needles``: one look at all the bytes at once."""
    offsets, data = _layout(text)
    if data is None or len(text) == 0:
        return False
    first, last = int(offsets[0]), int(offsets[-1])
    values = data.slice(first, last - first).to_pybytes()
    return any(needle in values for needle in needles)


def _layout(text: pa.Array) -> tuple[np.ndarray, pa.Buffer | None]:
    """A string array's value offsets (as int64, ``len + 1`` of them) and its bytes."""
    if len(text) == 0:
        return np.zeros(1, dtype=np.int64), None
    width = np.dtype(np.int64 if pa.types.is_large_string(text.type) else np.int32)
    _, offsets_buffer, data = text.buffers()
    offsets = np.frombuffer(offsets_buffer, width, len(text) + 1, text.offset * width.itemsize)
    return offsets.astype(np.int64, copy=False), data


def _rewrite(text: pa.Array, where: pa.Array, change: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``change`` applied only to the values ``where`` is true (usually few of them)."""
    where = where.fill_null(False)
    if not pc.any(where).as_py():
        return text
    return pc.replace_with_mask(text, where, change(pc.filter(text, where)))


def _around(values: pa.Array, before: str, after: str) -> pa.Array:
    """``before + value + after`` for each value, in the values' own string type."""
    kind = values.type
    return pc.binary_join_element_wise(
        pa.scalar(before, kind), values, pa.scalar(after, kind), pa.scalar("", kind)
    )


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
        special = "".join("\\" + c if c in "|\\" else c for c in options.delimiter)
        self._needs = f'["\\r\\n{special}]'
        # The bytes those characters start with, for a first look at a whole column.
        self._needles = tuple({c.encode()[:1] for c in '"\r\n' + options.delimiter})

    def quote(self, text: pa.Array, numeric: bool, plain: bool = False) -> pa.Array:
        """Quote as the mode asks; ``plain`` columns (numbers, dates) never need quotes."""
        mode = self.options.quoting
        if mode == "all" or (mode == "nonnumeric" and not numeric):
            return self._wrap(text)
        if plain or not _holds_any(text, self._needles):
            return text
        needs = pc.match_substring_regex(text, self._needs)
        if not pc.any(needs).as_py():
            return text
        if mode == "none":
            raise BadInput(
                "quoting=none cannot write a value that contains the delimiter, a quote or a "
                "line break; use quoting=minimal"
            )
        return _rewrite(text, needs, self._wrap)

    @staticmethod
    def _wrap(text: pa.Array) -> pa.Array:
        return _around(pc.replace_substring(text, '"', '""'), '"', '"')


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
                text = text.fill_null(options.null)
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
