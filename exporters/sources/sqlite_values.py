"""SQLite values into Arrow columns: the declared type when the values agree with it,
the values' own type when they do not, and text when they are of several kinds.

SQLite keeps a storage class with every value (NULL, INTEGER, REAL, TEXT, BLOB) whatever
its column declares (https://sqlite.org/datatype3.html): a ``DECIMAL(12,2)`` column may
hold REALs, a ``DATE`` column text or numbers, a column made by ``CREATE TABLE t AS
SELECT`` no declared type at all. So a column's Arrow type is decided from its values:

- the declared type, when every value fits it exactly: integers for ``INTEGER``, REALs
  and integers for ``REAL``, numbers whose shortest decimal form fits ``DECIMAL(p,s)``,
  0/1 for ``BOOLEAN``, ``YYYY-MM-DD`` text for ``DATE``, ISO 8601 text for ``DATETIME``
  (with offsets: zoned, in UTC), blobs for ``BLOB``;
- otherwise the values' own kind: integers, floating point (integers and REALs, when
  every integer is exact as a double), text, blobs; a ``DATE`` column holding date-times
  becomes a timestamp, one holding numbers keeps the numbers (their unit is unknown);
- values of several kinds (numbers and text, text and blobs) make a text column, each
  value as SQLite shows it, except that REALs use Python's shortest round-trip form
  (SQLite's own text keeps 15 digits and is lossy) and blobs are hex. Nothing is ever
  reinterpreted: text is never read as bytes, an integer never as a date.

:func:`choose` decides from the first batch; :func:`convert` converts each batch and
raises :class:`Misfit` when a value does not fit, :func:`join` gives the type that holds
both, and the stream restarts with it (see :class:`exporters.TypesChanged`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.string()
_EXACT_IN_DOUBLE = 2**53
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")


class Misfit(Exception):
    """A value does not fit the column's type exactly."""


class Stored(NamedTuple):
    """A batch of one column as SQLite gave it."""

    array: pa.Array  # int64, float64, text, binary or null; text when of several kinds
    kinds: tuple[str, ...] = ()  # the storage classes, when there are several

    def non_text(self) -> tuple[str, ...]:
        """The storage classes of these values when some are not text, else ()."""
        if self.kinds:
            return self.kinds
        return (_CLASSES[self.array.type],) if self.array.type in _CLASSES else ()


_CLASSES = {pa.int64(): "integer", pa.float64(): "real", pa.binary(): "blob"}


def choose(values: Sequence[Any], declared: pa.DataType | None) -> pa.DataType:
    """The narrowest type holding ``values`` exactly, ``declared`` when it does."""
    stored = stored_kinds(values)
    candidates = [declared] if declared is not None else []
    if declared is not None and _is_temporal(declared) and stored.array.type == TEXT:
        candidates += [pa.date32(), pa.timestamp("us"), UTC_TIMESTAMP]
    for candidate in candidates:
        if pa.types.is_string(candidate) and stored.array.type != TEXT:
            continue  # numbers or blobs in a text column: their own kind says more
        try:
            convert(values, candidate, stored)
        except Misfit:
            continue
        return candidate
    return natural(stored)


def convert(values: Sequence[Any], target: pa.DataType, stored: Stored | None = None) -> pa.Array:
    """``values`` as ``target``, or Misfit when one of them does not fit exactly."""
    if stored is None:
        stored = stored_kinds(values)
    if pa.types.is_string(target):
        return stored.array if stored.array.type == TEXT else as_text(values)
    if stored.kinds:
        raise Misfit  # several kinds: only text holds them all
    if pa.types.is_null(stored.array.type):
        return pa.nulls(len(values), target)
    return conform(stored.array, target)


def conform(stored: pa.Array, target: pa.DataType) -> pa.Array:
    """An array of one kind (int64, float64, text, binary; or DuckDB's dates) as
    ``target``, or Misfit."""
    kind = stored.type
    if kind == target:
        return stored
    if pa.types.is_null(kind):
        return pa.nulls(len(stored), target)
    if kind == TEXT:
        if pa.types.is_date(target) or pa.types.is_timestamp(target):
            return parse_datetimes(stored, target)
        raise Misfit
    if pa.types.is_boolean(target):
        if kind == pa.int64() and _within(stored, 0, 1):
            return stored.cast(pa.bool_())
        raise Misfit
    if pa.types.is_integer(target):
        if pa.types.is_integer(kind):
            return stored.cast(target)  # SQLite's integers are 64-bit: never narrower
        raise Misfit
    if pa.types.is_floating(target):
        if kind == pa.float64() or (
            kind == pa.int64() and _within(stored, -_EXACT_IN_DOUBLE, _EXACT_IN_DOUBLE)
        ):
            return stored.cast(pa.float64())
        raise Misfit
    if pa.types.is_decimal(target):
        return _decimal(stored, target)
    if pa.types.is_binary(target) and kind == pa.binary():
        return stored
    raise Misfit


def join(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    """A type holding the values of both (checked again when the values are read)."""
    if a == b or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    numeric = (_is_number(a), _is_number(b))
    if all(numeric):
        if {a, b} <= {pa.bool_(), pa.int64()}:
            return pa.int64()
        return pa.float64()
    if _is_temporal(a) and _is_temporal(b) and (pa.types.is_date(a) or pa.types.is_date(b)):
        return b if pa.types.is_date(a) else a  # dates are midnights of a timestamp
    return TEXT


def stored_kinds(values: Sequence[Any]) -> Stored:
    """The values as SQLite gave them: int64, float64, text, binary or null; text naming
    the kinds when there are several (Arrow would otherwise read text as bytes)."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = None
    if array is None or (
        array.type == pa.binary() and not all(isinstance(v, bytes) for v in values if v is not None)
    ):
        kinds = sorted({_KINDS[type(v)] for v in values if v is not None})
        return Stored(as_text(values), tuple(kinds))
    return Stored(array)


def natural(stored: Stored) -> pa.DataType:
    """The values' own type (no declared type, or one they do not fit)."""
    kind: pa.DataType = stored.array.type
    if stored.kinds or kind not in (pa.int64(), pa.float64(), pa.binary(), TEXT):
        return kind if pa.types.is_null(kind) else TEXT
    return kind


def as_text(values: Sequence[Any]) -> pa.Array:
    """Each value as text: integers in decimal, REALs in their shortest exact form,
    text as it is, blobs as hex."""
    return pa.array([None if v is None else _text(v) for v in values], TEXT)


_KINDS = {int: "integer", float: "real", str: "text", bytes: "blob"}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def parse_datetimes(text: pa.Array, target: pa.DataType) -> pa.Array:
    """ISO 8601 text (SQLite's date and time formats) as ``target``, or Misfit.

    Dates are ``YYYY-MM-DD`` only; date-times take a space or ``T``, minutes, optional
    seconds and up to six fractional digits; a zoned target needs an offset (``Z`` or
    ``+HH:MM``) on every value and keeps the instant (in UTC), a naive one none.
    """
    valid = text.drop_null()
    if pa.types.is_date(target):
        if not _all(pc.match_substring_regex(valid, _DATE)):
            raise Misfit
        return _cast(text, target)
    zoned = target.tz is not None
    pattern = _DATETIME + (_OFFSET if zoned else "$")
    if not _all(pc.match_substring_regex(valid, pattern)):
        raise Misfit
    if not zoned:
        return _cast(pc.replace_substring(text, "T", " ", max_replacements=1), target)
    # Arrow reads ISO offsets (Z, +02, +02:00, +0200) itself; a bare date gets its midnight.
    return _cast(
        pc.replace_substring_regex(text, r"^(\d{4}-\d\d-\d\d)([Z+-])", r"\1 00:00\2"), target
    )


def _cast(text: pa.Array, target: pa.DataType) -> pa.Array:
    try:
        return text.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise Misfit from None  # e.g. 2026-02-30, or hour 25


def _decimal(stored: pa.Array, target: pa.DataType) -> pa.Array:
    """Integers, or REALs whose value has at most ``scale`` decimals, within precision."""
    kind = stored.type
    try:
        if kind == pa.int64():
            return stored.cast(pa.decimal128(38, target.scale)).cast(target)
        if kind == pa.float64():
            finite = pc.is_finite(stored)
            rounded = pc.round(stored, target.scale)
            if not _all(pc.and_(finite, pc.equal(rounded, stored))):
                raise Misfit
            return rounded.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise Misfit from None  # more digits than the precision allows
    raise Misfit


def _all(flags: pa.Array) -> bool:
    return bool(pc.all(flags, min_count=0).as_py())


def _within(stored: pa.Array, low: int, high: int) -> bool:
    smallest, largest = (v.as_py() for v in pc.min_max(stored).values())
    return smallest is None or (low <= smallest and largest <= high)


def _is_number(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
    )


def _is_temporal(kind: pa.DataType) -> bool:
    return bool(pa.types.is_date(kind) or pa.types.is_timestamp(kind))
