"""Arrow columns to SpreadsheetML ``<c>`` elements, vectorised with pyarrow.compute.

A column renders to a list of parts whose row-wise concatenation is that column's
cells: a literal shared by every row (``str``) or one string per row (``pa.Array``).
Literals stay literals when the column has no NULLs, so a whole row is built by a
single ``binary_join_element_wise`` over every column's parts.

Cells carry no ``r`` reference: OOXML makes it optional and readers place a cell after
the previous one, so a NULL is written as an empty ``<c/>`` to keep later cells in
place (cheaper in bytes and time than a reference on every cell).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from typing import TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from exporters.options import XlsxOptions
from exporters.render import text_buffer, text_column
from exporters.writers.xlsx_dates import (
    Serials,
    date_serials,
    datetime_serials,
    time_serials,
)
from exporters.writers.xlsx_notes import MAX_TEXT, Reason, Tally

Part: TypeAlias = "str | pa.Array"

EMPTY = "<c/>"
MAX_EXACT_INT = 999_999_999_999_999  # Excel keeps 15 significant digits
_LARGEST = 9.99999999999999e307  # Excel's largest number
_SMALLEST = 2.2250738585072014e-308  # and smallest magnitude (no subnormals)
_INVALID_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_MARKUP = r"[&<>\r]"  # CR too: XML readers turn a raw CR into LF
_EXCEL_ESCAPE = r"_x[0-9A-Fa-f]{4}_"
_TEXT_OPEN = "<t>"
_TEXT_OPEN_KEEP = '<t xml:space="preserve">'


class Kind(Enum):
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    TEXT = "text"


@dataclass(frozen=True)
class CellType:
    """How a column is written: its kind and the Excel number format it displays with."""

    kind: Kind
    number_format: str | None = None  # None: General


def cell_type(kind: pa.DataType) -> CellType:
    """The cell type for an Arrow type; anything without a native cell becomes text."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_boolean(kind):
        return CellType(Kind.BOOLEAN)
    if pa.types.is_integer(kind):
        return CellType(Kind.INTEGER, "0")  # General would show 12 digits as 1.23E+11
    if pa.types.is_floating(kind):
        return CellType(Kind.FLOAT)
    if pa.types.is_decimal(kind):
        return CellType(Kind.DECIMAL, "0." + "0" * min(kind.scale, 30) if kind.scale > 0 else "0")
    if pa.types.is_date(kind):
        return CellType(Kind.DATE, "yyyy-mm-dd")
    if pa.types.is_timestamp(kind):
        return CellType(Kind.DATETIME, "yyyy-mm-dd hh:mm:ss")
    if pa.types.is_time(kind):
        return CellType(Kind.TIME, "hh:mm:ss")
    return CellType(Kind.TEXT)


def cells(
    column: pa.Array, kind: Kind, style: int, options: XlsxOptions, tally: Tally
) -> list[Part]:
    """The parts of ``column``'s cells, each with style index ``style`` (0: none).

    What a cell cannot hold exactly is counted in ``tally``.
    """
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    number = f'<c s="{style}"><v>' if style else "<c><v>"
    if kind is Kind.INTEGER:
        return _integers(column, number, style, tally)
    if kind is Kind.FLOAT:
        beyond = _beyond_excel(column)
        return _numbers_or_text(column.cast(pa.string()), beyond, number, style, tally, "floats")
    if kind is Kind.DECIMAL:
        return _decimals(column, number, style, tally)
    if kind is Kind.BOOLEAN:
        return _wrap(pc.if_else(column, "1", "0"), '<c t="b"><v>', "</v></c>")
    if kind is Kind.DATE:
        return _serial_cells(date_serials(column), number, style, tally, "dates")
    if kind is Kind.DATETIME:
        serials = datetime_serials(column, options.timezone)
        return _serial_cells(serials, number, style, tally, "datetimes")
    if kind is Kind.TIME:
        return _serial_cells(time_serials(column), number, style, tally, "times")
    return text_cells(text_column(column, options), style, tally)


def text_cells(text: pa.Array, style: int = 0, tally: Tally | None = None) -> list[Part]:
    """Inline-string cells: never a formula, always Excel-valid XML text, at most 32,767 long."""
    if not pa.types.is_string(text.type):
        text = text.cast(pa.string())
    text = _valid_utf8(text)
    plain = not _anywhere(text, f"{_INVALID_XML}|{_MARKUP}|{_EXCEL_ESCAPE}")  # usually
    if not plain:
        text = _xml_characters(text)  # before measuring: these characters are not kept
    text = _within_limit(text, tally or Tally())
    keep = _edge_space(text)
    if not plain:
        text = _escaped(text)
    head = f'<c s="{style}" t="inlineStr"><is>' if style else '<c t="inlineStr"><is>'
    if pc.any(keep).as_py():
        opener = pc.binary_join_element_wise(
            head, pc.if_else(keep, _TEXT_OPEN_KEEP, _TEXT_OPEN), ""
        )
        return [_fragment(text, opener, "</t></is></c>")]
    return _wrap(text, head + _TEXT_OPEN, "</t></is></c>")


def _xml_characters(text: pa.Array) -> pa.Array:
    """``text`` without the characters XML 1.0 cannot hold (they cannot be escaped either)."""
    if _anywhere(text, _INVALID_XML):
        return pc.replace_substring_regex(text, _INVALID_XML, "")
    return text


def _escaped(text: pa.Array) -> pa.Array:
    """``&``, ``<``, ``>`` and CR as references; ``_xHHHH_`` kept from Excel's decoding."""
    if _anywhere(text, _MARKUP):
        for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
            text = pc.replace_substring(text, raw, escaped)
    if _anywhere(text, _EXCEL_ESCAPE):
        # Excel reads _xHHHH_ as an escaped character; escaping its underscore keeps it as is.
        text = pc.replace_substring_regex(text, r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1")
    return text


def _within_limit(text: pa.Array, tally: Tally) -> pa.Array:
    """Values over Excel's 32,767 UTF-16 code units cut there, never inside a surrogate pair.

    A UTF-16 unit never takes fewer UTF-8 bytes than one, so only values with more bytes
    than the limit can be too long: usually none, and those few are measured one by one.
    """
    lengths = pc.binary_length(text)
    if (pc.max(lengths).as_py() or 0) <= MAX_TEXT:
        return text
    long = pc.fill_null(pc.greater(lengths, MAX_TEXT), False)
    values = pc.filter(text, long).to_pylist()
    kept = [_cut(value) for value in values]
    tally.add("cut", sum(new is not old for new, old in zip(kept, values, strict=True)))
    return pc.replace_with_mask(text, long, pa.array(kept, pa.string()))


def _cut(value: str) -> str:
    """``value`` itself, or its first 32,767 UTF-16 units (32,766 if a pair would split)."""
    units = value.encode("utf-16-le")
    if len(units) <= 2 * MAX_TEXT:
        return value
    head = units[: 2 * MAX_TEXT]
    if 0xD8 <= head[-1] <= 0xDB:  # the last unit opens a surrogate pair: leave it whole
        head = head[:-2]
    return head.decode("utf-16-le")


def display_width(column: pa.Array, kind: Kind, options: XlsxOptions) -> int:
    """The widest value of ``column`` in characters, as Excel would show it (roughly)."""
    fixed = {Kind.BOOLEAN: 5, Kind.DATE: 10, Kind.DATETIME: 19, Kind.TIME: 8}
    if kind in fixed:
        return fixed[kind]
    if len(column) == column.null_count:
        return 0
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    text = text_column(column, options) if kind is Kind.TEXT else column.cast(pa.string())
    if not pa.types.is_string(text.type):
        text = text.cast(pa.string())
    return int(pc.max(pc.utf8_length(_valid_utf8(text))).as_py() or 0)


def _wrap(values: pa.Array, opener: Part, closer: str) -> list[Part]:
    if values.null_count == 0:
        return [opener, values, closer]
    return [_fragment(values, opener, closer)]


def joined(parts: list[Part]) -> pa.Array:
    """One string per row from ``parts`` (at least one of them an array)."""
    if len(parts) == 1 and isinstance(parts[0], pa.Array):
        return parts[0]
    return pc.binary_join_element_wise(*parts, "")


def _fragment(values: pa.Array, opener: Part, closer: Part) -> pa.Array:
    return pc.binary_join_element_wise(opener, values, closer, "").fill_null(EMPTY)


def _numbers_or_text(
    text: pa.Array, as_text: pa.Array, number: str, style: int, tally: Tally, reason: Reason
) -> list[Part]:
    """Number cells, except where ``as_text`` holds: there the same characters as text.

    The values written as text are counted in ``tally`` under ``reason``.
    """
    if not pc.any(as_text).as_py():
        return _wrap(text, number, "</v></c>")
    as_text = pc.fill_null(as_text, False)
    tally.add(reason, pc.sum(as_text).as_py())
    numbers = _fragment(text, number, "</v></c>")
    return [pc.if_else(as_text, joined(text_cells(text, style)), numbers)]


def _beyond_excel(column: pa.Array) -> pa.Array:
    """Floats Excel cannot hold: NaN, infinities, and magnitudes outside its range."""
    size = pc.abs(column)
    tiny = pc.and_(pc.less(size, _SMALLEST), pc.not_equal(size, 0.0))
    return pc.or_(pc.invert(pc.is_finite(column)), pc.or_(pc.greater(size, _LARGEST), tiny))


def _integers(column: pa.Array, number: str, style: int, tally: Tally) -> list[Part]:
    text = column.cast(pa.string())
    if column.type.bit_width < 64:
        return _wrap(text, number, "</v></c>")
    too_long = pc.greater(column, MAX_EXACT_INT)
    if pa.types.is_signed_integer(column.type):
        too_long = pc.or_(too_long, pc.less(column, -MAX_EXACT_INT))
    return _numbers_or_text(text, too_long, number, style, tally, "digits")


def _decimals(column: pa.Array, number: str, style: int, tally: Tally) -> list[Part]:
    text = column.cast(pa.string())
    if column.type.precision <= 15:
        return _wrap(text, number, "</v></c>")
    # Significant digits: drop the exponent, sign and point, then outer zeros.
    digits = pc.replace_substring_regex(text, r"[eE].*$|[-+.]", "")
    digits = pc.utf8_trim(digits, "0")
    too_long = pc.greater(pc.binary_length(digits), 15)
    return _numbers_or_text(text, too_long, number, style, tally, "digits")


def _serial_cells(
    serials: Serials, number: str, style: int, tally: Tally, reason: Reason
) -> list[Part]:
    """Number cells of Excel serials, and ISO text cells where Excel has no such date."""
    numbers = serials.numbers.cast(pa.string())
    if serials.outside is None or serials.text is None:
        return _wrap(numbers, number, "</v></c>")
    tally.add(reason, pc.sum(serials.outside).as_py())
    words = joined(text_cells(serials.text))
    return [pc.if_else(serials.outside, words, _fragment(numbers, number, "</v></c>"))]


def _anywhere(text: pa.Array, pattern: str) -> bool:
    """Whether ``pattern`` occurs in ``text``: one regex pass over all the characters at once.

    Far faster than matching value by value; a match across two values only costs the
    caller its slow path.
    """
    data = text_buffer(text)
    offsets = pa.array([0, data.size], pa.int32()).buffers()[1]
    whole = pa.Array.from_buffers(pa.string(), 1, [None, offsets, data])
    return bool(pc.match_substring_regex(whole, pattern)[0].as_py())


def _edge_space(text: pa.Array) -> pa.Array:
    """Where a value starts or ends with whitespace, which XML would let a reader drop."""
    found = [pc.starts_with(text, c) for c in " \t\n\r"] + [
        pc.ends_with(text, c) for c in " \t\n\r"
    ]
    return functools.reduce(pc.or_, found)


def _valid_utf8(text: pa.Array) -> pa.Array:
    """``text`` itself, or with undecodable bytes (e.g. lone surrogates) dropped."""
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        raw = text.cast(pa.binary()).to_pylist()
        return pa.array(
            [None if b is None else b.decode("utf-8", "ignore") for b in raw], pa.string()
        )
    return text
