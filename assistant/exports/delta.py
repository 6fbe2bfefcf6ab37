"""Only new rows: which column says a row is new, and the query for the rows after a cursor.

A *cursor* is a column of the result that grows as rows are added: a creation time
(``created_at``, ``order_date``) or an increasing key (``id``), with a *key* that breaks
ties on it (the table's primary key). :func:`choose_cursor` picks it where it is obvious
and otherwise returns the candidates to ask about ("Which column says a row is new:
created_at or id?").

The rows after a position ``(value, key)`` and up to another are the stored query
wrapped as a row-value comparison (SQLite ≥ 3.15 and PostgreSQL both read it)::

    SELECT * FROM (<sql>) AS q
    WHERE q.c IS NOT NULL AND (q.c, q.k) > (:after) AND (q.c, q.k) <= (:upto)
    ORDER BY q.c, q.k

so rows sharing a timestamp are neither lost nor sent twice. The upper end is read first
(:func:`last_position`), so the file holds exactly the range it names even when rows are
added while it is written; rows added later with a cursor value *below* the range (a
late-arriving timestamp) are not seen by later exports, which is why a creation time or
an increasing key, and not a business date, is the column to follow.

Positions are read as the database writes them as text (``CAST(... AS TEXT)``) and
written back as literals of their kind: an integer bare, anything else quoted, which
compares as the column does on both databases (a timestamp with a quoted literal).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from assistant.source.schema import Schema

__all__ = [
    "Choices",
    "Cursor",
    "Position",
    "choose_cursor",
    "delta_sql",
    "last_position",
    "query_key",
    "schedule_key",
    "unique_names",
]

INT = "int"
TEXT = "text"

# Words of a column that records when a row came to be (``created_at``, ``InsertedOn``).
_CREATION = re.compile(
    r"(?:^|_)(?:created|creation|inserted|added|registered|signed_?up|submitted|received"
    r"|logged|recorded|ingested|loaded|placed|ordered)(?:_|$)"
)
# Time columns that say nothing about a row being new.
_NOT_NEWNESS = re.compile(
    r"(?:^|_)(?:birth|born|dob|hire|hired|due|expir\w*|deleted|ship\w*|deliver\w*|end\w*"
    r"|start\w*|valid\w*|until|deadline|required)(?:_|$)"
)


@dataclass(frozen=True)
class Cursor:
    """``column`` says a row is new; ``key`` breaks ties on it (the same column when the
    cursor is itself the key, or when there is no key: then ties cannot be told apart)."""

    column: str
    key: str
    value_kind: str = TEXT
    key_kind: str = INT

    @property
    def single(self) -> bool:
        return self.column == self.key


@dataclass(frozen=True)
class Choices:
    """No obvious cursor: the columns to ask about."""

    columns: tuple[str, ...]

    def question(self) -> str:
        names = list(self.columns)
        said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return f"Which column says a row is new: {said}?"


@dataclass(frozen=True)
class Position:
    """A cursor's place: the cursor column's value and the key's, as the database wrote
    them as text."""

    value: str
    key: str


def query_key(sql: str) -> str:
    """What a user's cursor on ``sql`` is stored under (spacing and a final semicolon do
    not make another query; anything else does)."""
    folded = " ".join(sql.strip().rstrip(";").split())
    return "query:" + hashlib.sha256(folded.encode()).hexdigest()


def schedule_key(schedule_id: str) -> str:
    return f"schedule:{schedule_id}"


def _snake(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def _is_time(kind: pa.DataType) -> bool:
    return bool(pa.types.is_timestamp(kind) or pa.types.is_date(kind))


def _kind(kind: pa.DataType) -> str:
    return INT if pa.types.is_integer(kind) else TEXT


def unique_names(result: pa.Schema) -> list[str]:
    """The result's column names that no other column repeats (``SELECT * FROM a JOIN b``
    gives two ``id``: neither can be named alone in the outer query)."""
    return [name for name in result.names if result.names.count(name) == 1]


def _keys(result: pa.Schema, tables: Sequence[str], schema: Schema) -> list[str]:
    """The result's columns that identify a row: a table's single-column primary key,
    else ``id`` or ``<table>_id``, integers only (they break ties as numbers)."""
    names = {name.lower(): name for name in unique_names(result)}
    found: list[str] = []
    for name in tables:
        table = schema.table(name, typos=False)
        if table is None:
            continue
        guesses = list(table.primary_key) if len(table.primary_key) == 1 else []
        if len(tables) == 1:  # in a join, "customer_id" may be another table's column
            stem = _snake(table.name)
            guesses += ["id", f"{stem}_id", f"{stem.removesuffix('s')}_id"]
        for guess in guesses:
            column = names.get(guess.lower())
            if column is not None and pa.types.is_integer(result.field(column).type):
                found.append(column)
                break
    single = len(tables) <= 1
    if (
        single
        and not found
        and "id" in names
        and pa.types.is_integer(result.field(names["id"]).type)
    ):
        found.append(names["id"])
    return found


def choose_cursor(
    result: pa.Schema, tables: Sequence[str], schema: Schema, named: str | None = None
) -> Cursor | Choices:
    """The cursor of a result with columns and types ``result``, read from ``tables``.

    ``named``: the column the user said ("by created_at"), matched in any case; a name the
    result does not have gives the choices. Otherwise the one creation time, else the one
    time column, else the integer key; more than one candidate gives the choices.
    """
    keys = _keys(result, tables, schema)
    key = keys[0] if len(keys) == 1 else None
    unique = unique_names(result)
    times = [
        name
        for name in unique
        if _is_time(result.field(name).type) and not _NOT_NEWNESS.search(_snake(name))
    ]
    if named is not None:
        match = next((n for n in unique if n.lower() == named.strip().lower()), None)
        if match is None:
            return Choices(tuple(dict.fromkeys([*times, *keys])) or tuple(unique))
        return _cursor(result, match, key)
    created = [name for name in times if _CREATION.search(_snake(name))]
    if len(created) == 1:
        return _cursor(result, created[0], key)
    if not created and len(times) == 1:
        return _cursor(result, times[0], key)
    if not times and key is not None:
        return _cursor(result, key, key)
    return Choices(tuple(dict.fromkeys([*(created or times), *keys])) or tuple(unique))


def _cursor(result: pa.Schema, column: str, key: str | None) -> Cursor:
    tie = key if key is not None else column
    return Cursor(column, tie, _kind(result.field(column).type), _kind(result.field(tie).type))


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str, kind: str) -> str:
    if kind == INT:
        return str(int(text))  # never anything but digits in the SQL
    return "'" + text.replace("'", "''") + "'"


def _row(cursor: Cursor) -> str:
    column = f"q.{quote_name(cursor.column)}"
    return column if cursor.single else f"({column}, q.{quote_name(cursor.key)})"


def _at(cursor: Cursor, place: Position) -> str:
    value = _literal(place.value, cursor.value_kind)
    return value if cursor.single else f"({value}, {_literal(place.key, cursor.key_kind)})"


def _order(cursor: Cursor, descending: bool = False) -> str:
    way = " DESC" if descending else ""
    columns = [cursor.column] if cursor.single else [cursor.column, cursor.key]
    return ", ".join(f"q.{quote_name(c)}{way}" for c in columns)


def _where(cursor: Cursor, after: Position | None, upto: Position | None) -> str:
    conditions = [f"q.{quote_name(cursor.column)} IS NOT NULL"]
    if after is not None:
        conditions.append(f"{_row(cursor)} > {_at(cursor, after)}")
    if upto is not None:
        conditions.append(f"{_row(cursor)} <= {_at(cursor, upto)}")
    return " AND ".join(conditions)


def _inner(sql: str) -> str:
    return sql.strip().rstrip(";").rstrip()


def delta_sql(sql: str, cursor: Cursor, after: Position | None, upto: Position | None) -> str:
    """``sql``'s rows after ``after`` (all when None) up to ``upto``, in cursor order."""
    return (
        f"SELECT * FROM ({_inner(sql)}) AS q WHERE {_where(cursor, after, upto)} "
        f"ORDER BY {_order(cursor)}"
    )


def last_position_sql(sql: str, cursor: Cursor, after: Position | None) -> str:
    """The query for the position of ``sql``'s last row after ``after``."""
    value = f"CAST(q.{quote_name(cursor.column)} AS TEXT)"
    key = f"CAST(q.{quote_name(cursor.key)} AS TEXT)"
    return (
        f"SELECT {value} AS cursor_value, {key} AS cursor_key FROM ({_inner(sql)}) AS q "
        f"WHERE {_where(cursor, after, None)} ORDER BY {_order(cursor, True)} LIMIT 1"
    )


def last_position(rows: Sequence[Sequence[object]]) -> Position | None:
    """The position read by :func:`last_position_sql` (its rows), None when none is new."""
    if not rows:
        return None
    value, key = rows[0][0], rows[0][1]
    return Position(str(value), str(key))
