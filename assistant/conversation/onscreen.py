"""A request's words fitted to the result on screen: its real column names.

The intent parser knows no data, so it keeps names as people say them ("the emails",
"Customer Name"); the conversation knows the result they point at. Two fittings:

- columns named in a request become the result's own column names, with the source's
  rules (any case, spaces for underscores, singular or plural, one typo): "emails" is
  ``email``, "their_names" ``name``. A name that fits nothing is left as it is, for
  the exporter to refuse with the list of columns there are.
- a data question made only of the result's column names ("export just the emails" read
  as the question "emails") is those columns of the result on screen, unless a word is
  also a table's name ("customers" is a new question, even with a ``customer`` column).

>>> on_screen = ["id", "name", "email", "city"]
>>> columns_named("emails", on_screen, ["customers", "orders"])
['email']
>>> columns_named("the names, emails and Cities", on_screen, [])
['name', 'email', 'city']
>>> columns_named("orders from Berlin", on_screen, ["orders"]) is None
True
>>> fit_columns(ExportRequest(intent="export", columns=["their_names", "Emial"]), on_screen).columns
['name', 'email']
"""

from __future__ import annotations

import re

from assistant.source.schema import Column, Schema, Table
from intents import ExportRequest, Target

__all__ = ["ask_columns", "columns_named", "fit_columns", "fit_question"]

_SEPARATORS = re.compile(r"\s*(?:,|;|&|\+|/|\band\b|\bplus\b|\bwith\b)\s*", re.I)
_FILLER_WORDS = (
    r"the|their|its|his|her|our|my|only|just|all|both|of|columns?|fields?|values|please|pls"
    r"|them|those|these|exported|included"
)
_FILLER = re.compile(rf"\b(?:{_FILLER_WORDS})\b", re.I)
_FILLER_PART = re.compile(rf"^(?:{_FILLER_WORDS})$", re.I)


def _table(columns: list[str]) -> Table:
    return Table("result", tuple(Column(name, "", "other") for name in columns))


def _fit(result: Table, name: str) -> Column | None:
    """The column ``name`` means, also once words like "their" or "exported" are gone."""
    found = result.column(name)
    if found is not None:
        return found
    parts = [part for part in re.split(r"[\s_]+", name) if not _FILLER_PART.match(part)]
    return result.column("_".join(parts)) if parts else None


def columns_named(question: str, columns: list[str], tables: list[str]) -> list[str] | None:
    """The result's columns ``question`` names, in its order; None unless every word is one."""
    result, schema = _table(columns), Schema(tuple(Table(name, ()) for name in tables))
    found: list[str] = []
    for piece in _SEPARATORS.split(question):
        words = " ".join(_FILLER.sub(" ", piece).split())
        if not words:
            continue
        if schema.table(words, typos=False) is not None:
            return None  # a table: a new question, not a column of this one
        column = _fit(result, words)
        if column is None:
            return None
        if column.name not in found:
            found.append(column.name)
    return found or None


def fit_question(request: ExportRequest, columns: list[str], schema: Schema) -> ExportRequest:
    """``request`` for columns of the result on screen when its question only names them."""
    if request.target is not Target.QUERY or not request.query or not columns:
        return request
    named = columns_named(request.query, columns, [table.name for table in schema.tables])
    if named is None:
        return request
    return request.model_copy(
        update={"target": Target.LAST_RESULT, "query": None, "columns": named}
    )


def fit_columns(request: ExportRequest, columns: list[str]) -> ExportRequest:
    """``request`` with the column names it keeps or drops as the result spells them."""
    if not columns or not (request.columns or request.exclude_columns):
        return request
    result = _table(columns)

    def fitted(names: list[str] | None) -> list[str] | None:
        if names is None:
            return None
        return [(_fit(result, name) or Column(name, "", "")).name for name in names]

    return request.model_copy(
        update={
            "columns": fitted(request.columns),
            "exclude_columns": fitted(request.exclude_columns),
        }
    )


def ask_columns(request: ExportRequest, columns: list[str]) -> str | None:
    """The question to ask when a fitted ``request`` keeps or drops a column the result does
    not have ("Which column do you mean by “nme”? …"); None when every name is one of them.

    >>> ask_columns(ExportRequest(intent="export", columns=["nme"]), ["id", "email"])
    'Which column do you mean by “nme”? This result has: id, email.'
    """
    if not columns:
        return None
    named = [*(request.columns or ()), *(request.exclude_columns or ())]
    unknown = [name for name in named if name not in columns]
    if not unknown:
        return None
    said = " and ".join(", ".join(f"“{name}”" for name in unknown).rsplit(", ", 1))
    which = "column do you mean by" if len(unknown) == 1 else "columns do you mean by"
    return f"Which {which} {said}? This result has: {', '.join(columns)}."
