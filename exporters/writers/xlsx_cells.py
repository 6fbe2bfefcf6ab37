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

Part: TypeAlias = "str | pa.Array"

EMPTY = "<c/>"
MAX_TEXT = 32_767  # Excel's longest cell text
MAX_EXACT_INT = 999_999_999_999_999  # Excel keeps 15 significant digits
_EPOCH_DAYS = 25_569  # 1970-01-01 as an Excel serial (days since 1899-12-30)
_FIRST_SERIAL = 2.0  # 1900-01-01, counted from 1899-12-30: nothing earlier exists in Excel
_LEAP_BUG = 61.0  # Excel believes 1900-02-29 existed: serials before 1900-03-01 shift by one
_END_SERIAL = 2_958_466.0  # 10000-01-01
_LARGEST = 9.99999999999999e307  # Excel's largest number
_SMALLEST = 2.2250738585072014e-308  # and smallest magnitude (no subnormals)
_TICKS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
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


def cells(column: pa.Array, kind: Kind, style: int, options: XlsxOptions) -> list[Part]:
    """The parts of ``column``'s cells, each with style index ``style`` (0: none)."""
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    number = f'<c s="{style}"><v>' if style else "<c><v>"
    if kind is Kind.INTEGER:
        return _integers(column, number, style)
    if kind is Kind.FLOAT:
        return _numbers_or_text(column.cast(pa.string()), _beyond_excel(column), number, style)
    if kind is Kind.DECIMAL:
        return _decimals(column, number, style)
    if kind is Kind.BOOLEAN:
        return _wrap(pc.if_else(column, "1", "0"), '<c t="b"><v>', "</v></c>")
    if kind in (Kind.DATE, Kind.DATETIME, Kind.TIME):
        return _serials(column, kind, number, style, options)
    return text_cells(text_column(column, options), style)


def text_cells(text: pa.Array, style: int = 0) -> list[Part]:
    """Inline-string cells: never a formula, always Excel-valid XML text."""
    if not pa.types.is_string(text.type):
        text = text.cast(pa.string())
    text = _valid_utf8(text)
    if (pc.max(pc.binary_length(text)).as_py() or 0) > MAX_TEXT:
        text = pc.utf8_slice_codeunits(text, 0, MAX_TEXT)
    keep = _edge_space(text)
    text = xml_text(text)
    head = f'<c s="{style}" t="inlineStr"><is>' if style else '<c t="inlineStr"><is>'
    if pc.any(keep).as_py():
        opener = pc.binary_join_element_wise(
            head, pc.if_else(keep, _TEXT_OPEN_KEEP, _TEXT_OPEN), ""
        )
        return [_fragment(text, opener, "</t></is></c>")]
    return _wrap(text, head + _TEXT_OPEN, "</t></is></c>")


def xml_text(text: pa.Array) -> pa.Array:
    """Escape for XML element text; drop what XML 1.0 cannot hold; keep CR and ``_xHHHH_``."""
    if not _anywhere(text, f"{_INVALID_XML}|{_MARKUP}|{_EXCEL_ESCAPE}"):
        return text  # the usual case: one quick scan
    if _anywhere(text, _INVALID_XML):
        text = pc.replace_substring_regex(text, _INVALID_XML, "")
    if _anywhere(text, _MARKUP):
        for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
            text = pc.replace_substring(text, raw, escaped)
    if _anywhere(text, _EXCEL_ESCAPE):
        # Excel reads _xHHHH_ as an escaped character; escaping its underscore keeps it as is.
        text = pc.replace_substring_regex(text, r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1")
    return text


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


def _numbers_or_text(text: pa.Array, as_text: pa.Array, number: str, style: int) -> list[Part]:
    """Number cells, except where ``as_text`` holds: there the same characters as text."""
    if not pc.any(as_text).as_py():
        return _wrap(text, number, "</v></c>")
    numbers = _fragment(text, number, "</v></c>")
    return [pc.if_else(pc.fill_null(as_text, False), joined(text_cells(text, style)), numbers)]


def _beyond_excel(column: pa.Array) -> pa.Array:
    """Floats Excel cannot hold: NaN, infinities, and magnitudes outside its range."""
    size = pc.abs(column)
    tiny = pc.and_(pc.less(size, _SMALLEST), pc.not_equal(size, 0.0))
    return pc.or_(pc.invert(pc.is_finite(column)), pc.or_(pc.greater(size, _LARGEST), tiny))


def _integers(column: pa.Array, number: str, style: int) -> list[Part]:
    text = column.cast(pa.string())
    if column.type.bit_width < 64:
        return _wrap(text, number, "</v></c>")
    too_long = pc.greater(column, MAX_EXACT_INT)
    if pa.types.is_signed_integer(column.type):
        too_long = pc.or_(too_long, pc.less(column, -MAX_EXACT_INT))
    return _numbers_or_text(text, too_long, number, style)


def _decimals(column: pa.Array, number: str, style: int) -> list[Part]:
    text = column.cast(pa.string())
    if column.type.precision <= 15:
        return _wrap(text, number, "</v></c>")
    # Significant digits: drop the exponent, sign and point, then outer zeros.
    digits = pc.replace_substring_regex(text, r"[eE].*$|[-+.]", "")
    digits = pc.utf8_trim(digits, "0")
    return _numbers_or_text(text, pc.greater(pc.binary_length(digits), 15), number, style)


def _serials(
    column: pa.Array, kind: Kind, number: str, style: int, options: XlsxOptions
) -> list[Part]:
    """Dates, datetimes and times as Excel serial numbers (days since 1899-12-30)."""
    if kind is Kind.DATE:
        serial = pc.add(
            column.cast(pa.date32()).cast(pa.int32()).cast(pa.float64()), float(_EPOCH_DAYS)
        )
        local = column
    else:
        unit = column.type.unit
        local = column
        if kind is Kind.DATETIME and column.type.tz is not None:
            # Excel has no zones: show the wall time in the asked zone.
            local = pc.local_timestamp(column.cast(pa.timestamp(unit, tz=options.timezone)))
        ticks = local.cast(pa.int32() if local.type.bit_width == 32 else pa.int64())
        days = pc.divide(ticks.cast(pa.float64()), float(86_400 * _TICKS[unit]))
        if kind is Kind.TIME:
            return _wrap(days.cast(pa.string()), number, "</v></c>")
        serial = pc.add(days, float(_EPOCH_DAYS))
    low, high = (value.as_py() for value in pc.min_max(serial).values())
    if low is None:
        return [EMPTY]  # every value is NULL
    outside = None
    if low < _FIRST_SERIAL or high >= _END_SERIAL:
        outside = pc.or_(pc.less(serial, _FIRST_SERIAL), pc.greater_equal(serial, _END_SERIAL))
    if low < _LEAP_BUG:
        serial = pc.if_else(pc.less(serial, _LEAP_BUG), pc.subtract(serial, 1.0), serial)
    text = serial.cast(pa.string())
    if outside is None:
        return _wrap(text, number, "</v></c>")
    # Before 1900 or after 9999 Excel has no date: write the ISO text instead.
    words = text_cells(text_column(local, options.model_copy(update={"timezone": "UTC"})))
    numbers = _fragment(text, number, "</v></c>")
    return [pc.if_else(pc.fill_null(outside, False), joined(words), numbers)]


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
