"""What the source database holds: its tables and columns, for help texts and for the LLM.

:func:`introspect` reads the catalog once through a short-lived, read-only connection and
returns a small frozen model; nothing here keeps a connection open or runs user SQL. The
URL is the SQLAlchemy spelling the exporter core takes (``sqlite:///shop.db``,
``postgresql+psycopg://user@host/db``) and is read the same way, with the database's own
driver: so every URL the exporter can query can be described, whatever driver it names,
and declared types come back exactly as written (SQLAlchemy's reflection would turn an
unknown SQLite type such as ``MONEY`` into ``NullType`` with a warning).

Each column gets a coarse *kind* the offline question translator reasons with: integer,
decimal, float, text, date, datetime, boolean or other. The kind comes from the declared
type's name, in the spirit of SQLite's affinity rules (``"BIGINT"`` and ``"int4"`` are
integers, ``"VARCHAR(80)"`` and ``"citext"`` are text, ``"timestamp with time zone"`` is a
datetime, ``"numeric(12,2)"`` and ``"money"`` are decimals).

    >>> orders = Table("orders", (Column("id", "INTEGER", "integer"),
    ...                           Column("created_at", "DATETIME", "datetime")))
    >>> schema = Schema((orders,))
    >>> schema.table("Order").name, schema.table("ordrs").name
    ('orders', 'orders')
    >>> print(schema.describe())
    orders(id, created_at)
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from rapidfuzz.distance import OSA

from exporters.errors import SourceError, SourceUnavailable
from exporters.sources.postgres_legacy import readable_text
from exporters.sources.sqlite import connect_readonly
from exporters.sources.url import parse_url

__all__ = [
    "KINDS",
    "Column",
    "ForeignKey",
    "Schema",
    "SchemaUnavailable",
    "Table",
    "first_line",
    "introspect",
    "kind_of",
]

KINDS = ("integer", "decimal", "float", "text", "date", "datetime", "boolean", "other")
"""Every kind a column can have, from the most to the least specific type family."""

_TIMEOUT_SECONDS = 10.0
_T = TypeVar("_T")


class SchemaUnavailable(SourceError):
    """The database answered, but its catalog could not be read (the message says why)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the declared type, as the database reports it ("DECIMAL(12,2)", "text")
    kind: str  # one of KINDS


@dataclass(frozen=True)
class ForeignKey:
    """``columns`` of a table refer to ``references`` of ``table`` (declared in the schema)."""

    columns: tuple[str, ...]
    table: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()  # declared, in key order; () when none is declared
    foreign_keys: tuple[ForeignKey, ...] = ()
    view: bool = False  # a view (or materialised view), not a base table

    def column(self, name: str, *, typos: bool = True) -> Column | None:
        """The column ``name`` means: any case, spaces for underscores, one typo allowed.

        >>> t = Table("orders", (Column("customer_id", "INTEGER", "integer"),))
        >>> t.column("Customer ID").name, t.column("custmer_id").name
        ('customer_id', 'customer_id')
        """
        return _lookup(name, self.columns, lambda c: (c.name,), typos=typos)


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...]

    def table(self, name: str, *, typos: bool = True) -> Table | None:
        """The table ``name`` means: any case, singular or plural, one typo allowed.

        Exact names win over singular/plural forms, which win over typos (one letter wrong,
        missing, added, or two swapped: "ordres"); a typo one edit away from two tables is
        ambiguous and finds nothing. Without ``typos`` only the first two are tried.
        """
        return _lookup(name, self.tables, lambda t: _forms(t.name), typos=typos)

    def describe(self, *, types: bool = False) -> str:
        """One line per table, ``orders(id, customer_id, ...)``; with ``types``, each
        column's declared type too (``orders(id INTEGER, ...)``), for an LLM prompt."""
        lines = []
        for table in self.tables:
            names = [f"{c.name} {c.type}".strip() if types else c.name for c in table.columns]
            lines.append(f"{table.name}({', '.join(names)})")
        return "\n".join(lines)


def introspect(url: str, *, schema: str | None = None) -> Schema:
    """The tables and views of the database at ``url`` with their columns, sorted by name.

    PostgreSQL lists what the connection's current schema holds (``schema`` names another
    one) and only the tables the role may read. Raises BadInput when the URL is not a
    database URL, SourceUnavailable when the database cannot be reached (the same request
    may work later), SchemaUnavailable when its catalog cannot be read.
    """
    parsed = parse_url(url)
    if parsed.backend == "sqlite":
        rows, keys = _sqlite_catalog(parsed.database)
    else:
        rows, keys = _postgres_catalog(parsed.conninfo, schema)
    return _build(rows, keys)


def kind_of(declared: str) -> str:
    """The coarse kind of a declared column type.

    >>> [kind_of(t) for t in ("BIGINT", "numeric(12,2)", "timestamp with time zone", "")]
    ['integer', 'decimal', 'datetime', 'other']
    """
    text = declared.lower()
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return "other"


# Checked in order: "datetime" before "date", "interval"/"point" before "int".
_KIND_PATTERNS = [
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("boolean", r"bool"),
        ("datetime", r"datetime|timestamp"),
        ("date", r"^date\b"),
        ("other", r"interval|point|time\b|uuid|json|\[\]"),
        ("integer", r"int|serial"),
        ("decimal", r"dec|numeric|number|money"),
        ("float", r"real|floa|doub"),
        ("text", r"char|text|clob|string|name|enum"),
    )
]

_SQLITE_COLUMNS = """
SELECT m.name, c.name, c.type, m.type = 'view'
FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name, c.cid
"""

# Domains are described by their base type and enums count as text; partitions are left
# out (their parent table is listed) and so are tables the role may not SELECT from.
_POSTGRES_COLUMNS = """
SELECT c.relname, a.attname,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
            WHEN t.typtype = 'e' THEN 'enum ' || format_type(a.atttypid, a.atttypmod)
            ELSE format_type(a.atttypid, a.atttypmod) END,
       c.relkind IN ('v', 'm')
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
WHERE n.nspname = coalesce(%s, current_schema())
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY c.relname, a.attnum
"""


_SQLITE_KEYS = """
SELECT m.name, 'p', 0, c.pk, c.name, NULL, NULL
FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c
WHERE m.type = 'table' AND c.pk > 0
UNION ALL
SELECT m.name, 'f', f.id, f.seq, f."from", f."table", f."to"
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table'
ORDER BY 1, 2, 3, 4
"""

# Primary keys, and foreign keys to tables of the same schema, one row per key column.
_POSTGRES_KEYS = """
SELECT c.relname, con.contype, con.oid, k.i, a.attname, rc.relname, ra.attname
FROM pg_catalog.pg_constraint AS con
JOIN pg_catalog.pg_class AS c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(num, i)
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.num
LEFT JOIN pg_catalog.pg_class AS rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_attribute AS ra
  ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[k.i]
WHERE n.nspname = coalesce(%s, current_schema()) AND con.contype IN ('p', 'f')
  AND (con.contype = 'p' OR rc.relnamespace = n.oid)
ORDER BY 1, 2, 3, 4
"""

# (table, column, declared type, whether the table is a view)
_ColumnRow = tuple[str, str, str, bool]
# (table, 'p' or 'f', key number, position, column, referenced table, referenced column)
_KeyRow = tuple[str, str, int, int, str, str | None, str | None]


def _sqlite_catalog(path: str) -> tuple[list[_ColumnRow], list[_KeyRow]]:
    connection = connect_readonly(path, _TIMEOUT_SECONDS)
    try:
        columns = [tuple(row) for row in connection.execute(_SQLITE_COLUMNS)]
        return columns, [tuple(row) for row in connection.execute(_SQLITE_KEYS)]
    except sqlite3.DatabaseError as exc:
        if "unable to open" in str(exc) or "disk I/O error" in str(exc):
            raise SourceUnavailable(f"cannot read the database {path}: {exc}") from exc
        raise SchemaUnavailable(f"cannot read the tables of {path}: {exc}") from exc
    finally:
        connection.close()


def _postgres_catalog(conninfo: str, schema: str | None) -> tuple[list[_ColumnRow], list[_KeyRow]]:
    try:
        connection: psycopg.Connection[Any] = readable_text(
            psycopg.connect(conninfo, connect_timeout=10)
        )
    except psycopg.Error as exc:
        raise SourceUnavailable(f"cannot connect to the database: {first_line(exc)}") from None
    try:
        connection.read_only = True
        connection.execute(f"SET LOCAL statement_timeout = {int(_TIMEOUT_SECONDS * 1000)}")
        columns = [tuple(row) for row in connection.execute(_POSTGRES_COLUMNS, (schema,))]
        return columns, [tuple(row) for row in connection.execute(_POSTGRES_KEYS, (schema,))]
    except psycopg.Error as exc:
        raise SchemaUnavailable(f"cannot read the database's tables: {first_line(exc)}") from exc
    finally:
        with contextlib.suppress(psycopg.Error):
            connection.rollback()
        connection.close()


def first_line(exc: Exception) -> str:
    """A database error's first line (drivers add hints and context below it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _build(rows: Iterable[_ColumnRow], keys: Iterable[_KeyRow] = ()) -> Schema:
    tables: dict[str, list[Column]] = {}
    views = set()
    for table, column, declared, view in rows:
        tables.setdefault(table, []).append(Column(column, declared or "", kind_of(declared)))
        if view:
            views.add(table)
    primary: dict[str, list[str]] = {}
    foreign: dict[tuple[str, int], tuple[str, list[str], list[str | None]]] = {}
    for table, kind, number, _, column, target, referenced in keys:
        if kind == "p":
            primary.setdefault(table, []).append(column)
        elif target is not None:
            _, froms, tos = foreign.setdefault((table, number), (target, [], []))
            froms.append(column)
            tos.append(referenced)
    links: dict[str, list[ForeignKey]] = {}
    for (table, _), (target, froms, tos) in foreign.items():
        # SQLite leaves "to" empty when the key refers to the other table's primary key
        refs = tuple(to or "" for to in tos) if all(tos) else tuple(primary.get(target, ()))
        if target in tables and len(refs) == len(froms):
            links.setdefault(table, []).append(ForeignKey(tuple(froms), target, refs))
    return Schema(
        tuple(
            Table(
                name,
                tuple(cols),
                tuple(primary.get(name, ())),
                tuple(links.get(name, ())),
                view=name in views,
            )
            for name, cols in sorted(tables.items())
        )
    )


def _forms(name: str) -> tuple[str, ...]:
    """A table name and its singular ("orders" → "order", "categories" → "category")."""
    low = name.lower()
    if low.endswith("ies") and len(low) > 4:
        return (name, low[:-3] + "y")
    if low.endswith(("ses", "xes", "ches", "shes")):
        return (name, low[:-2])
    if low.endswith("s") and not low.endswith("ss"):
        return (name, low[:-1])
    return (name,)


def _normalise(text: str) -> str:
    return "_".join(text.strip().strip("'\"`[]").lower().replace("-", " ").split())


def _lookup(
    name: str, items: Iterable[_T], forms: Callable[[_T], tuple[str, ...]], *, typos: bool
) -> _T | None:
    """The item ``name`` means: exact (any case), then a listed form, then one edit away
    (optimal string alignment: a swap of two neighbouring letters is one edit)."""
    wanted = _normalise(name)
    if not wanted:
        return None
    candidates = [(item, [_normalise(f) for f in forms(item)]) for item in items]
    for item, names in candidates:
        if wanted == names[0]:
            return item
    singular = _forms(wanted)[-1]
    hits = [item for item, names in candidates if wanted in names or singular in names]
    if len(hits) == 1:
        return hits[0]
    if not typos or len(wanted) < 4:  # "id" one edit from "ip" is not a typo worth guessing
        return None
    near = [
        item
        for item, names in candidates
        if any(OSA.distance(w, n, score_cutoff=1) <= 1 for w in {wanted, singular} for n in names)
    ]
    return near[0] if len(near) == 1 else None
