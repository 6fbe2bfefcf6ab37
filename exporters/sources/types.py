"""The types a SQLite query's columns declare: sqlglot qualifies the query against the
tables' declared types and infers each output column's type, by position.

SQLite stores values loosely (a DECIMAL column may hold REAL or TEXT), so a declared
type is where typing starts, not where it ends: :mod:`exporters.sources.sqlite_values`
checks it against the values.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

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
    text = declared.strip().upper()
    if not text:
        return "UNKNOWN"  # no declared type (CREATE TABLE ... AS SELECT): the values decide
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
    # NUMERIC affinity (NUMERIC or MONEY without digits, CTAS's NUM, any other word)
    # says nothing of kind or scale: the values decide.
    return "UNKNOWN"


def annotated(
    tree: exp.Expr, schema: Mapping[str, Mapping[str, str]], dialect: str
) -> exp.Query | None:
    """``tree`` qualified against ``schema`` with every expression's type, or None."""
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
        return None
    return typed if isinstance(typed, exp.Query) else None


def result_types(typed: exp.Query | None) -> list[pa.DataType | None]:
    """The Arrow type (or None) of each output column of an :func:`annotated` query."""
    if typed is None:
        return []
    out: list[pa.DataType | None] = []
    for select in typed.selects:
        inner = select.this if isinstance(select, exp.Alias) else select
        out.append(arrow_type(select.type, plain_column=isinstance(inner, exp.Column)))
    return out
