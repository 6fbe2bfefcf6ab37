"""What the chat said about a file, applied to a query run: its row order and column words.

The exporter writes rows in the order the query returns them (it streams), so a sort said
in chat ("sorted by total descending", "newest first": ``options["sort"]``, see
:mod:`intents.option_words`) becomes the query's own order: the run's SQL is wrapped,
``SELECT * FROM (<sql>) AS q ORDER BY "total" DESC NULLS LAST``, and the wrapped text
goes through the same guard as every query when it is opened. (When the result repeats a
column name and the query has no ORDER BY or LIMIT of its own, ``ORDER BY`` is appended
instead, by position: a wrapped SQLite query would rename the repeat to ``name:1``.)

Column words are matched to the result's columns: exactly, then ignoring case, spaces and
underscores, then as the one column whose name holds the word ("name" → customer_name).
A sort with no column ("newest first", "alphabetically") takes the result's first date or
time column, or its first text column; "sorted by date" with no ``date`` column does too.
A word that matches no column fails the export with a message naming the columns, as an
unknown column in ``columns`` does.

>>> resolve_column("Signup Date", ["id", "signup_date"])
'signup_date'
>>> order_by("SELECT id, total FROM orders;", [("total", True)], ["id", "total"], "sqlite")
'SELECT * FROM (\\nSELECT id, total FROM orders\\n) AS q ORDER BY "total" DESC NULLS LAST'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa
import regex
from sqlglot import exp

from exporters import MaskKind, UnknownColumn, check_query

__all__ = [
    "mask_columns",
    "order_by",
    "resolve_column",
    "resolve_masks",
    "resolve_rename",
    "sort_keys",
]

_DATE_NAME = regex.compile(
    r"(?:^|[_\s])(?:date|time|timestamp|datetime|day|created|updated|modified|ordered|placed)"
    r"(?:$|[_\s])|[_\s](?:at|on)$"
)
_DATE_WORDS = frozenset({"date", "time", "timestamp", "datetime", "day", "when", "created"})


def _key(name: str) -> str:
    return regex.sub(r"[\W_]+", "", name.lower())


def resolve_column(word: str, columns: Sequence[str]) -> str | None:
    """The result column ``word`` names, or None (see the module docstring)."""
    if word in columns:
        return word
    same = [column for column in columns if _key(column) == _key(word)]
    if same:
        return same[0]
    parts = _key(word)
    holding = [
        column
        for column in columns
        if parts and parts in (_key(piece) for piece in regex.split(r"[\W_]+", column))
    ]
    return holding[0] if len(holding) == 1 else None


def _unknown(word: str, columns: Sequence[str]) -> UnknownColumn:
    return UnknownColumn(
        f"there is no column {word!r} to sort by; the result has: {', '.join(columns)}"
    )


def sort_keys(
    sort: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    schema: Callable[[], pa.Schema],
) -> list[tuple[str, bool]]:
    """``options["sort"]`` as (result column, descending) pairs; ``schema`` is read only
    when a key names no column ("newest first") and the column names do not tell."""
    keys: list[tuple[str, bool]] = []
    for entry in sort:
        word = entry.get("column")
        pick = entry.get("pick")
        column = resolve_column(word, columns) if word else None
        if column is None and word and _key(word) not in _DATE_WORDS:
            raise _unknown(word, columns)
        if column is None:
            column = _pick(pick or "date", columns, schema)
            if column is None:
                kind = "text" if pick == "text" else "date or time"
                raise _unknown(word or f"(a {kind} column)", columns)
        if all(column != seen for seen, _ in keys):
            keys.append((column, bool(entry.get("descending"))))
    return keys


def _pick(kind: str, columns: Sequence[str], schema: Callable[[], pa.Schema]) -> str | None:
    """The result's first date/time (``kind="date"``) or text column."""
    if kind == "date":
        named = [column for column in columns if _DATE_NAME.search(column.lower())]
        if named:
            return named[0]
    for field in schema():
        temporal = pa.types.is_temporal(field.type)
        text = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
        if (temporal if kind == "date" else text) and field.name in columns:
            return str(field.name)
    return None


def order_by(
    sql: str, keys: Sequence[tuple[str, bool]], columns: Sequence[str], dialect: str
) -> str:
    """``sql`` with its rows in the order of ``keys`` (see the module docstring)."""
    checked = check_query(sql, dialect)
    tree = checked.tree
    own_order = any(tree.args.get(part) for part in ("order", "limit", "offset", "fetch"))
    append = len(set(columns)) < len(columns) and isinstance(tree, exp.Query) and not own_order
    terms = ", ".join(
        f"{_reference(name, columns, append)} {'DESC' if descending else 'ASC'} NULLS LAST"
        for name, descending in keys
    )
    if append:
        return f"{checked.sql}\nORDER BY {terms}"
    return f"SELECT * FROM (\n{checked.sql}\n) AS q ORDER BY {terms}"


def _reference(name: str, columns: Sequence[str], by_position: bool) -> str:
    if by_position:
        return str(columns.index(name) + 1)
    return '"' + name.replace('"', '""') + '"'


def resolve_rename(rename: Mapping[str, str], columns: Sequence[str]) -> dict[str, str]:
    """``{old: new}`` with each old word as the result's column name where one matches
    (a word that matches none is kept, and the exporter names the columns there are)."""
    return {resolve_column(old, columns) or old: new for old, new in rename.items()}


def _singular(word: str) -> str:
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us")) else word


def mask_columns(word: str, columns: Sequence[str]) -> list[str]:
    """The result columns a mask said in chat names: "emails" → ``email``, "phone numbers" →
    ``phone``/``HomePhone``, "names" → every column holding "name" (masking more is safe)."""
    singular = "_".join(_singular(piece) for piece in word.split("_"))
    for candidate in (word, singular):
        found = resolve_column(candidate, columns)
        if found is not None:
            return [found]
    for stem in (_key(singular), _key(_singular(word.split("_")[0]))):
        holding = [column for column in columns if stem and stem in _key(column)]
        if holding:
            return holding
    return []


def resolve_masks(
    said: Mapping[str, MaskKind], columns: Sequence[str] | None
) -> dict[str, MaskKind]:
    """The exporter's ``mask`` patterns for masks said in chat. With the result's columns
    known, each word is matched to them (none matching fails, naming the columns, as an
    unknown column does); without (a bundle of several results), a word becomes the
    pattern ``*stem*``."""
    patterns: dict[str, MaskKind] = {}
    for word, kind in said.items():
        if columns is None:
            patterns[f"*{_singular(word.split('_')[0])}*"] = kind
            continue
        found = mask_columns(word, columns)
        if not found:
            shown = word.replace("_", " ")
            raise UnknownColumn(
                f"there is no column like {shown!r} to mask; the result has: {', '.join(columns)}"
            )
        for column in found:
            patterns[regex.sub(r"([*?\[])", r"[\1]", column)] = kind  # a name, not a glob
    return patterns
