"""PostgreSQL values into Arrow: every column's type from its OID, never from its values.

Values are read as PostgreSQL's own text, which is exact for every type: a column of one
batch is an Arrow string array (the COPY lane parses it out of ``COPY ... (FORMAT csv)``;
the cursor path builds it from psycopg's text loaders), ``bytea`` comes as binary and
arrays as nested lists of their elements' text (psycopg's array loader, in both paths).
From there on both paths run the same conversions with Arrow compute, so a column that is
NULL for the first batches, or whose NUMERIC scale grows later, keeps the right type, and
the two paths agree by construction. What Arrow cannot hold exactly stays PostgreSQL's
text:

- integers, floats, booleans, ``bytea``: their Arrow types (``float4`` as float32);
- ``numeric(p,s)``: decimal128 (p ≤ 38) or decimal256 (p ≤ 76), else text. Unconstrained
  ``numeric`` takes the scale and digits of the first batch (decimal128(38, s), or 256
  when it needs more); a later value with more decimals or digits widens it, and
  ``NaN``/``Infinity`` (which no decimal holds) make it text;
- ``date``, ``timestamp``, ``timestamptz`` (in UTC): Arrow dates and timestamps, BC and
  years past 9999 included; ``infinity`` makes the column text;
- ``time``: time64 (``24:00:00`` makes it text); ``interval``: month-day-nano, exact;
- ``json``/``jsonb``: Arrow's JSON type, the text unchanged;
- arrays of any of these, of any dimension: lists (ragged dimensions: JSON text);
- everything else (uuid, timetz, inet, cidr, macaddr, money, bit, tsvector, ranges,
  enums, composites, xml, geometry, domains' bases are their own): text, as PostgreSQL
  writes it.

A value that does not fit the column's type raises :class:`Misfit`; :func:`widen` names
the wider type and the export starts again with it (:class:`exporters.TypesChanged`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from exporters.civil import days_from_civil

TEXT = pa.string()
JSON = pa.json_()
INTERVAL = pa.month_day_nano_interval()
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

_INTEGERS = {20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 26: pa.int64()}
_FLOATS = {700: pa.float32(), 701: pa.float64()}
_BOOL, _BYTEA, _NUMERIC, _DATE, _TIME, _INTERVAL = 16, 17, 1700, 1082, 1083, 1186
_TIMESTAMP, _TIMESTAMPTZ = 1114, 1184
_JSON = {114, 3802}
_MAX_DECIMAL128, _MAX_DECIMAL256 = 38, 76
_TIME_TEXT = r"^(\d\d):(\d\d):(\d\d)(\.\d{1,6})?$"


_FIXED = {_BOOL: pa.bool_(), _BYTEA: pa.binary(), _DATE: pa.date32(),
          _TIMESTAMP: pa.timestamp("us"), _TIMESTAMPTZ: UTC_TIMESTAMP, _TIME: pa.time64("us"),
          _INTERVAL: INTERVAL}  # fmt: skip


#: One column of one batch: PostgreSQL's text as an Arrow string array (binary for
#: ``bytea``), or Python values (``str``/``None``; ``bytes`` for ``bytea``; nested lists
#: for arrays), which become the same Arrow array before anything else looks at them.
Values: TypeAlias = pa.Array | Sequence[Any]


class Misfit(Exception):
    """A value does not fit the column's type exactly."""


@dataclass(frozen=True)
class PgType:
    """What one result column (or array element) is in PostgreSQL."""

    oid: int
    precision: int | None = None  # numeric(p,s)
    scale: int | None = None
    element: PgType | None = None  # for arrays

    def first(self, values: Values) -> pa.DataType:
        """The column's Arrow type: fixed by the OID, or from the first batch where the
        OID leaves it open (unconstrained numeric, array dimensions)."""
        return fit(self, self.fixed() or pa.null(), values)

    def fixed(self) -> pa.DataType | None:
        if self.element is not None:
            return None
        if self.oid in _INTEGERS:
            return _INTEGERS[self.oid]
        if self.oid in _FLOATS:
            return _FLOATS[self.oid]
        if self.oid in _FIXED:
            return _FIXED[self.oid]
        if self.oid in _JSON:
            return JSON
        if self.oid == _NUMERIC:
            if self.precision is None or self.scale is None:
                return None
            return _decimal_type(self.precision, self.scale) or TEXT
        return TEXT


def fit(kind: PgType, target: pa.DataType, values: Values) -> pa.DataType:
    """``target`` when ``values`` fit it, else the wider type :func:`widen` names."""
    try:
        convert(kind, values, target)
    except Misfit:
        return widen(kind, target, values)
    return target


def widen(kind: PgType, target: pa.DataType, values: Values) -> pa.DataType:
    """A type holding what ``target`` held and ``values``; text when nothing narrower does."""
    if kind.element is not None:
        assert not isinstance(values, pa.Array)  # arrays arrive as lists in both paths
        depth, held = _depth(values), _list_depth(target)
        if depth is None or (depth and held and depth != held):
            return TEXT  # arrays of different dimensions in one column: JSON text
        depth = depth or held or 1
        leaves = _leaves(values, depth)
        inner = pa.types.is_list(target) and _innermost(target)
        element = fit(kind.element, inner, leaves) if inner else kind.element.first(leaves)
        for _ in range(depth):
            element = pa.list_(element)
        return element
    if kind.oid == _NUMERIC and not pa.types.is_string(target):
        digits, scale = _numeric_shape(_as_text(values))
        if digits is None:
            return TEXT  # NaN or ±Infinity
        if pa.types.is_decimal(target):
            digits = max(digits, target.precision - target.scale)
            scale = max(scale, target.scale)
        room = _MAX_DECIMAL128 if digits + scale <= _MAX_DECIMAL128 else _MAX_DECIMAL256
        return (_decimal_type(room, scale) if digits + scale <= room else None) or TEXT
    return TEXT


def convert(kind: PgType, values: Values, target: pa.DataType) -> pa.Array:
    """``values`` (PostgreSQL's text, lists of it for arrays, bytes for bytea) as
    ``target``, or Misfit."""
    if pa.types.is_list(target):
        return _lists(kind, values, target)
    if pa.types.is_null(target):
        if _holds_values(values):
            raise Misfit
        return pa.nulls(len(values))
    if pa.types.is_string(target):
        return _text(values)
    if pa.types.is_binary(target):
        return values if isinstance(values, pa.Array) else pa.array(values, pa.binary())
    text = _as_text(values)
    if target == JSON:
        return pa.ExtensionArray.from_storage(JSON, text)
    if pa.types.is_boolean(target):
        return pc.equal(text, "t")
    if pa.types.is_integer(target) or pa.types.is_floating(target):
        return _cast(text, target)
    if pa.types.is_decimal(target):
        return _cast(text, target)  # NaN, Infinity and more digits are refused: Misfit
    if pa.types.is_date(target):
        return _dates(text)
    if pa.types.is_timestamp(target):
        return _timestamps(text, zoned=target.tz is not None)
    if pa.types.is_time(target):
        return _times(text)
    if target == INTERVAL:
        return pa.array(
            [None if v is None else parse_interval(v) for v in text.to_pylist()], INTERVAL
        )
    raise Misfit


def plain_text(kind: PgType, values: Values, typed: pa.Array) -> pa.Array | None:
    """PostgreSQL's text of ``typed`` (``values``, as :func:`convert` got it) as
    :func:`exporters.render.text_column` writes ``typed`` with the ISO defaults, where the
    two are the same or one character apart (:mod:`exporters.known_text`); else None.
    Only text that came as one Arrow array (the COPY lane) is offered."""
    if not isinstance(values, pa.Array) or not pa.types.is_string(values.type):
        return None
    target = typed.type
    if kind.oid in _INTEGERS and pa.types.is_integer(target):
        return values
    if kind.oid == _NUMERIC and pa.types.is_decimal(target) and target.scale == kind.scale:
        return values  # numeric(p,s) is written with exactly s decimals, as decimal(p,s) is
    if kind.oid == _DATE and target == pa.date32() and _all_of_width(values, 10):
        return values  # YYYY-MM-DD: no BC, no year past 9999, no infinity
    if kind.oid == _TIMESTAMP and target == pa.timestamp("us") and _all_of_width(values, 19):
        return _iso_separator(values)  # and no fraction of a second
    if (
        kind.oid == _TIMESTAMPTZ
        and target == UTC_TIMESTAMP
        and _all_of_width(values, 22)
        and pc.all(pc.ends_with(values, "+00")).as_py() is not False
    ):  # a session in UTC: "YYYY-MM-DD HH:MM:SS+00"
        return pc.binary_join_element_wise(_iso_separator(values), ":00", "")
    return None


def _iso_separator(text: pa.Array) -> pa.Array:
    """``T`` for the space between date and time: byte 10 of text made of ASCII only."""
    return pc.binary_replace_slice(text, 10, 11, "T")


def _all_of_width(text: pa.Array, width: int) -> bool:
    """Whether every value (NULLs aside) is ``width`` bytes long."""
    return pc.all(pc.equal(pc.binary_length(text), width)).as_py() is not False


def _as_text(values: Values) -> pa.Array:
    """A column of PostgreSQL's text as one Arrow string array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == TEXT else values.cast(TEXT)
    return pa.array(values, TEXT)


def _holds_values(values: Values) -> bool:
    if isinstance(values, pa.Array):
        return bool(values.null_count < len(values))
    return any(v is not None for v in values)


def _text(values: Values) -> pa.Array:
    """Text as PostgreSQL wrote it; arrays (read as lists) as JSON arrays of their text."""
    if isinstance(values, pa.Array):
        return _as_text(values)
    if all(v is None or isinstance(v, str) for v in values):
        return pa.array(values, TEXT)
    return pa.array(
        [v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=_hex)
         for v in values],
        TEXT,
    )  # fmt: skip


def _hex(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _cast(text: pa.Array, target: pa.DataType) -> pa.Array:
    try:
        return text.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise Misfit from None


# ----------------------------------------------------------------- dates and times


# Arrow's cast reads exactly the plain forms PostgreSQL writes (ISO DateStyle: PLAIN_DATE,
# PLAIN_TIMESTAMP, PLAIN_TIMESTAMPTZ) and refuses every other one it writes (BC, years past
# 9999, infinity, offsets with seconds such as LMT's +00:53:28), which then take the exact
# path value by value. tests/exporters/test_postgres_types.py keeps Arrow to that.
PLAIN_DATE = r"^\d{4}-\d\d-\d\d$"
PLAIN_TIMESTAMP = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?$"
PLAIN_TIMESTAMPTZ = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$"


def _dates(text: pa.Array) -> pa.Array:
    with _plain():
        return text.cast(pa.date32())
    days = [None if v is None else _days(v) for v in text.to_pylist()]
    return pa.array(days, pa.int32()).cast(pa.date32())


def _timestamps(text: pa.Array, zoned: bool) -> pa.Array:
    target = UTC_TIMESTAMP if zoned else pa.timestamp("us")
    with _plain():
        return text.cast(target)
    micros = [None if v is None else _micros_since_epoch(v) for v in text.to_pylist()]
    return pa.array(micros, pa.int64()).cast(pa.timestamp("us")).cast(target)


def _plain() -> contextlib.AbstractContextManager[None]:
    """Around a cast of the plain forms: a refusal goes on to the exact path below it."""
    return contextlib.suppress(pa.ArrowInvalid)


def _times(text: pa.Array) -> pa.Array:
    if not _all_match(text, _TIME_TEXT):
        raise Misfit
    parts = pc.extract_regex(text, r"^(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)(?P<f>\.\d+)?$")
    hours, minutes, seconds = (pc.struct_field(parts, k).cast(pa.int64()) for k in "hms")
    fraction = pc.utf8_rpad(pc.utf8_slice_codeunits(pc.struct_field(parts, "f"), 1, 7), 6, "0")
    micros = pc.add(
        pc.multiply(pc.add(pc.multiply(pc.add(pc.multiply(hours, 60), minutes), 60), seconds),
                    1_000_000),
        fraction.cast(pa.int64()),
    )  # fmt: skip
    if (pc.max(micros).as_py() or 0) >= 86_400_000_000:
        raise Misfit  # 24:00:00, which Arrow's time cannot hold
    return micros.cast(pa.time64("us"))


def _all_match(text: pa.Array, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(text, pattern), min_count=0).as_py())


_DATE_TEXT = re.compile(r"^(\d+)-(\d\d)-(\d\d)")
_CLOCK = re.compile(r" (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
_ZONE = re.compile(r"([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?(?: BC)?$")


def _days(text: str) -> int:
    """Days since 1970-01-01 of PostgreSQL's date text (BC, years past 9999), or Misfit."""
    match = _DATE_TEXT.match(text)
    if match is None:
        raise Misfit  # infinity, -infinity
    year, month, day = (int(part) for part in match.groups())
    if text.endswith(" BC"):
        year = 1 - year  # astronomical numbering: 1 BC is year 0
    return days_from_civil(year, month, day)


def _micros_since_epoch(text: str) -> int:
    clock = _CLOCK.search(text)
    if clock is None:
        raise Misfit
    hours, minutes, seconds = (int(part) for part in clock.groups()[:3])
    micros = int((clock.group(4) or "").ljust(6, "0"))
    total = (_days(text) * 86_400 + hours * 3600 + minutes * 60 + seconds) * 1_000_000 + micros
    zone = _ZONE.search(text[clock.end() :])
    if zone:
        sign, zh, zm, zs = zone.groups()
        offset = int(zh) * 3600 + int(zm or 0) * 60 + int(zs or 0)
        total -= (offset if sign == "+" else -offset) * 1_000_000
    return total


# ------------------------------------------------------------------------- intervals

_POSTGRES_INTERVAL = re.compile(
    r"^(?:(?P<years>[+-]?\d+) years? ?)?(?:(?P<months>[+-]?\d+) mons? ?)?"
    r"(?:(?P<days>[+-]?\d+) days? ?)?"
    r"(?:(?P<sign>[+-])?(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<f>\d{1,6}))?)?$"
)
_ISO_INTERVAL = re.compile(
    r"^P(?:(?P<years>-?\d+)Y)?(?:(?P<months>-?\d+)M)?(?:(?P<days>-?\d+)D)?"
    r"(?:T(?:(?P<h>-?\d+)H)?(?:(?P<m>-?\d+)M)?(?:(?P<s>-?\d+(?:\.\d+)?)S)?)?$"
)


def parse_interval(text: str) -> pa.MonthDayNano:
    """PostgreSQL's interval text (``postgres`` or ``iso_8601`` style) as months, days
    and nanoseconds, exactly."""
    if (match := _POSTGRES_INTERVAL.match(text)) is not None and text:
        parts = match.groupdict()
        months = int(parts["years"] or 0) * 12 + int(parts["months"] or 0)
        micros = int(parts["h"] or 0) * 3600 + int(parts["m"] or 0) * 60 + int(parts["s"] or 0)
        micros = micros * 1_000_000 + int((parts["f"] or "").ljust(6, "0"))
        if parts["sign"] == "-":
            micros = -micros
        return pa.MonthDayNano([months, int(parts["days"] or 0), micros * 1000])
    if (match := _ISO_INTERVAL.match(text)) is not None:
        parts = match.groupdict()
        months = int(parts["years"] or 0) * 12 + int(parts["months"] or 0)
        seconds = parts["s"] or "0"
        whole, _, fraction = seconds.partition(".")
        micros = int(whole) * 1_000_000 + (-1 if whole.startswith("-") else 1) * int(
            fraction.ljust(6, "0")[:6] or 0
        )
        micros += (int(parts["h"] or 0) * 3600 + int(parts["m"] or 0) * 60) * 1_000_000
        return pa.MonthDayNano([months, int(parts["days"] or 0), micros * 1000])
    raise Misfit


# ---------------------------------------------------------------------------- numeric


def _decimal_type(precision: int, scale: int) -> pa.DataType | None:
    if scale < 0 or scale > precision:
        return None
    if precision <= _MAX_DECIMAL128:
        return pa.decimal128(precision, scale)
    if precision <= _MAX_DECIMAL256:
        return pa.decimal256(precision, scale)
    return None


_NUMERIC_TEXT = r"^-?0*(?P<whole>\d*)(?:\.(?P<fraction>\d*))?$"


def _numeric_shape(text: pa.Array) -> tuple[int | None, int]:
    """(integer digits, decimals) the values need; (None, 0) for NaN or infinities."""
    if not _holds_values(text):
        return 0, 0
    if pc.any(pc.match_substring_regex(text, "[NI]")).as_py():
        return None, 0  # NaN, Infinity, -Infinity
    parts = pc.extract_regex(text, _NUMERIC_TEXT)  # numeric's text never has an exponent
    digits, scale = (pc.max(pc.utf8_length(pc.struct_field(parts, k))) for k in (0, 1))
    return digits.as_py() or 0, scale.as_py() or 0


# ----------------------------------------------------------------------------- arrays


def _depth(values: Values) -> int | None:
    """The dimensions of the arrays in ``values`` (0 when all are NULL or empty), or None
    when they differ."""
    depths = {_value_depth(v) for v in values if v}
    depths.discard(0)
    if len(depths) > 1 or -1 in depths:
        return None
    return depths.pop() if depths else 0


def _value_depth(value: Any) -> int:
    if isinstance(value, str):
        return -1  # an array psycopg could not read as a list: keep its text
    depth = 0
    while isinstance(value, list):
        depth += 1
        value = next((item for item in value if item is not None), None)
    return depth


def _leaves(values: Values, depth: int) -> list[Any]:
    items = [v for v in values if v is not None]
    for _ in range(depth):
        items = [item for value in items if value is not None for item in value]
    return items


def _list_depth(kind: pa.DataType) -> int:
    depth = 0
    while pa.types.is_list(kind):
        depth += 1
        kind = kind.value_type
    return depth


def _innermost(kind: pa.DataType) -> pa.DataType:
    while pa.types.is_list(kind):
        kind = kind.value_type
    return kind


def _lists(kind: PgType, values: Values, target: pa.DataType) -> pa.Array:
    """Arrays (nested Python lists of element text) as Arrow lists of the element type."""
    assert kind.element is not None and not isinstance(values, pa.Array)
    depth = _list_depth(target)
    found = _depth(values)
    if found is None or found not in (0, depth):
        raise Misfit
    leaves = _leaves(values, depth)
    array = convert(kind.element, leaves, _innermost(target))
    for level in reversed(range(depth)):
        items = _level(values, level)
        offsets, mask = [0], []
        for item in items:
            mask.append(item is None)
            offsets.append(offsets[-1] + (0 if item is None else len(item)))
        array = pa.ListArray.from_arrays(
            pa.array(offsets, pa.int32()), array, mask=pa.array(mask, pa.bool_())
        )
    return array.cast(target)


def _level(values: Values, level: int) -> list[Any]:
    """The arrays at nesting ``level`` (0: the column's values), NULL elements kept."""
    items = list(values)
    for _ in range(level):
        items = [item for value in items if value is not None for item in value]
    return items
