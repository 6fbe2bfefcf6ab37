"""Arrow types for query results, decided from declared column types (not from values).

SQLite stores values loosely (a DECIMAL column may hold REAL or TEXT), so the types a
result should have come from the schema: sqlglot qualifies the query against the
tables' declared types and infers each output column's type; the batches read are then
converted to that schema.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from exporters.errors import SourceError

T = exp.DataType.Type
_INTEGERS = {
    T.TINYINT,
    T.SMALLINT,
    T.INT,
    T.BIGINT,
    T.MEDIUMINT,
    T.UTINYINT,
    T.USMALLINT,
    T.UINT,
    T.UBIGINT,
}
_FLOATS = {T.FLOAT, T.DOUBLE}
_TEXTS = {T.TEXT, T.VARCHAR, T.CHAR, T.NCHAR, T.NVARCHAR, T.NAME, T.UUID, T.JSON, T.JSONB}
_TIMESTAMPS = {T.DATETIME, T.TIMESTAMP, T.TIMESTAMPNTZ}
_ZONED = {T.TIMESTAMPTZ, T.TIMESTAMPLTZ}


def arrow_type(data_type: exp.DataType | None, *, plain_column: bool = True) -> pa.DataType | None:
    """The Arrow type for a SQL type, or None when it cannot be told from the schema."""
    if data_type is None:
        return None
    kind = data_type.this
    if kind in _INTEGERS:
        return pa.int64()
    if kind in _FLOATS:
        return pa.float64()
    if kind in (T.DECIMAL, T.BIGDECIMAL):
        params = [int(p.name) for p in data_type.expressions if p.name.isdigit()]
        precision, scale = [*params, 38, 0][:2] if params else (38, 9)
        scale = min(scale, 37)
        # An expression over a DECIMAL(12,2) (a SUM, a product) can outgrow 12 digits.
        return pa.decimal128(precision if plain_column else 38, scale)
    if kind == T.DATE:
        return pa.date32()
    if kind in _TIMESTAMPS:
        return pa.timestamp("us")
    if kind in _ZONED:
        return pa.timestamp("us", tz="UTC")
    if kind == T.BOOLEAN:
        return pa.bool_()
    if kind in _TEXTS:
        return pa.string()
    if kind in (T.BLOB, T.VARBINARY, T.BINARY):
        return pa.binary()
    return None


def declared_sqlite_type(declared: str) -> str:
    """SQLite's declared type names, normalised so sqlglot understands them.

    SQLite accepts any word (``BOOL``, ``MONEY``, ``UNSIGNED BIG INT``); unknown words
    fall back to SQLite's own affinity rules (https://sqlite.org/datatype3.html).
    """
    text = declared.strip().upper() or "BLOB"
    try:
        exp.DataType.build(text, dialect="sqlite")
        known = text
    except SqlglotError:
        known = ""
    if known and not text.startswith(("NUMERIC", "MONEY")):
        return known
    if "INT" in text:
        return "BIGINT"
    if any(word in text for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if any(word in text for word in ("REAL", "FLOA", "DOUB")):
        return "DOUBLE"
    if text.startswith("NUMERIC") and "(" in text:
        return "DECIMAL" + text[len("NUMERIC") :]
    if text.startswith(("BOOL",)):
        return "BOOLEAN"
    return "DECIMAL(38, 9)" if text.startswith(("NUMERIC", "MONEY")) else "TEXT"


def result_types(
    tree: exp.Expr, schema: Mapping[str, Mapping[str, str]], dialect: str
) -> list[tuple[str, pa.DataType | None]]:
    """(name, Arrow type or None) for each output column of ``tree``."""
    try:
        qualified = qualify(
            tree.copy(),
            schema=dict(schema),
            dialect=dialect,
            validate_qualify_columns=False,
            identify=False,
        )
        typed = annotate_types(qualified, schema=dict(schema), dialect=dialect)
    except SqlglotError:
        return []
    if not isinstance(typed, exp.Query):
        return []
    out: list[tuple[str, pa.DataType | None]] = []
    for select in typed.selects:
        inner = select.this if isinstance(select, exp.Alias) else select
        plain = isinstance(inner, exp.Column)
        out.append((select.alias_or_name, arrow_type(select.type, plain_column=plain)))
    return out


def conform(column: pa.Array, target: pa.DataType, name: str) -> pa.Array:
    """Convert a column read from the database to the type its schema declares."""
    source = column.type
    if source == target:
        return column
    try:
        if pa.types.is_null(source):
            return pa.nulls(len(column), target)
        if pa.types.is_decimal(target) and pa.types.is_floating(source):
            return pc.round(column, target.scale).cast(target)
        if pa.types.is_decimal(target) and pa.types.is_integer(source):
            # A batch of whole amounts arrives as integers; widen first, then check the fit.
            return column.cast(pa.decimal128(38, target.scale)).cast(target)
        if pa.types.is_decimal(target) and (
            pa.types.is_string(source) or pa.types.is_large_string(source)
        ):
            return pc.utf8_trim_whitespace(column).cast(target)
        if pa.types.is_timestamp(target) and pa.types.is_integer(source):
            return column.cast(pa.timestamp("s")).cast(target)  # Unix seconds
        if pa.types.is_timestamp(target) and pa.types.is_string(source):
            return _parse_timestamps(column, target)
        if pa.types.is_date(target) and pa.types.is_string(source):
            return pc.cast(pc.utf8_slice_codeunits(column, 0, 10), target)
        if pa.types.is_string(target) and not pa.types.is_string(source):
            return column.cast(target)
        return column.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SourceError(
            f"column {name!r} holds a value that is not a valid {target}: {exc}. "
            f"Convert it in the query, e.g. CAST({name} AS TEXT)"
        ) from None


def _parse_timestamps(column: pa.Array, target: pa.TimestampType) -> pa.Array:
    text = pc.replace_substring(column, "T", " ", max_replacements=1)
    zoned = pc.match_substring_regex(text, r"(Z|[+-]\d\d:?\d\d)$")
    if target.tz is None and not pc.any(zoned).as_py():
        return pc.cast(text, target)
    # Values with an offset: normalise to UTC (naive targets keep UTC wall time).
    text = pc.replace_substring_regex(text, r"Z$", "+00:00")
    text = pc.if_else(zoned, text, pc.binary_join_element_wise(text, "+00:00", ""))
    parsed = pc.strptime(
        pc.replace_substring_regex(text, r"([+-]\d\d):?(\d\d)$", r"\1\2"),
        format="%Y-%m-%d %H:%M:%S%z",
        unit="us",
        error_is_null=False,
    )
    return (
        parsed.cast(target)
        if target.tz
        else parsed.cast(pa.timestamp("us", "UTC")).cast(pa.int64()).cast(target)
    )


def infer(values: list[object]) -> pa.Array:
    """An Arrow array from database values of unknown type; mixed types become text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())
