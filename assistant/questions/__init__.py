"""Questions: a question to SQL (offline rules, or an LLM), run into a stored query run.

May import the user ``scope`` and the floor (``source`` for the schema and the guarded
preview, ``store`` to record runs); ``exports`` and everything above import it.

Offline, without an LLM, it reads plain questions over any schema. ``translate`` reads
one chat message against the source's :class:`~assistant.source.schema.Schema` and its
value index, and answers with SQL to run (:class:`Translation`), a reply about the schema
itself (:class:`SchemaAnswer`), "did you mean …?" with choices (:class:`DidYouMean`), or a
helpful refusal naming real tables and example questions (:class:`CannotAnswer`). It never
runs anything: every query, typed or generated, still goes through the exporter's guard.

The reading, one module each:

- ``catalog``: the schema as words: tables and columns by stem and synonym, keys, labels,
  links (declared foreign keys and naming conventions);
- ``tagging`` (with ``grammar``, ``naming``, ``lexicon``): every word of the question
  gets one meaning — grammar, a table, a column, a value the data holds (``München`` for
  "munich"), a number, a time, filler — or stays unknown;
- ``understanding`` (with ``grouping``, ``filtering``, ``ranking``): the words read into
  a typed :mod:`~assistant.questions.plan`; unknown or unused words make it ask;
- ``writing``: the plan as SQL for SQLite or PostgreSQL, its answer in words and the
  probes that say which filter emptied an empty result.

SQL typed directly (SELECT/WITH/VALUES, or any statement, which the guard refuses) passes
as typed; "what tables are there?" and "what's in orders?" are answered from the schema.

    >>> from assistant.source.schema import Column, Schema, Table
    >>> from assistant.source.values import ValueIndex
    >>> orders = Table("orders", (Column("id", "INTEGER", "integer"),
    ...                           Column("city", "TEXT", "text"),
    ...                           Column("created_at", "DATETIME", "datetime")))
    >>> values = ValueIndex.from_values({("orders", "city"): ["München", "Berlin"]})
    >>> now = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)
    >>> answer = translate("orders from munich today", Schema((orders,)), now, values=values)
    >>> print(answer.sql)
    SELECT *
    FROM "orders"
    WHERE "city" = 'München' AND "created_at" >= '2026-11-18 00:00:00'
    >>> answer.notes
    ('I read “munich” as “München”',)
"""

from __future__ import annotations

import datetime as dt
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from assistant.questions.answering import answer as read
from assistant.questions.reader import about_schema
from assistant.questions.replies import (
    Answer,
    CannotAnswer,
    DidYouMean,
    SchemaAnswer,
    Translation,
)
from assistant.source.schema import Schema
from assistant.source.values import ValueIndex

__all__ = ["Answer", "CannotAnswer", "DidYouMean", "SchemaAnswer", "Translation", "translate"]

DIALECTS = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres"}
_SQL = re.compile(r"(?:\(\s*)*(?:select|with|values)\b", re.I)
# Statements that are SQL, never English: returned as typed so the guard refuses them in
# its own words, instead of the translator guessing at "delete from orders".
_WRITE = re.compile(
    r"(?:insert|replace)\s+into|update\s+\S+\s+set|delete\s+from|(?:drop|create|alter)\s+"
    r"(?:table|view|index|schema|database|temp|temporary|unique|or|trigger)|(?:truncate|pragma"
    r"|attach|detach|grant|revoke|vacuum|explain|begin|commit|rollback)\b|copy\s+\S+\s+(?:from|to)"
    r"|start\s+transaction|savepoint\s|release\s+(?:savepoint\s+)?\w+\s*;?$|set\s+\w+\s*(?:=|to)\s"
    r"|merge\s+into|analyze(?:\s+verbose)?(?:\s+\w+)?\s*;?$|reindex(?:\s+\w+){0,2}\s*;?$"
    r"|reset\s+(?:all|\w+)\s*;?$|discard\s+(?:all|plans|sequences|temp|temporary)\b"
    r"|checkpoint\s*;?$|call\s+[\w.]+\s*\(|execute\s+\w+(?:\s*\(.*\))?\s*;?$"
    r"|prepare\s+\w+(?:\s*\(.*?\))?\s+as\b|(?:un)?listen\s+\w+\s*;?$|notify\s+\w+"
    r"|deallocate\b|do\s+(?:language\s+\w+\s+)?\$|lock\s+(?:table\s+)?[\w.\"]+(?:\s+in\s|\s*;?$)"
    r"|refresh\s+materialized|comment\s+on\s|security\s+label|import\s+foreign|cluster\b\s*\w*\s*;?$"
    r"|load\s+'",
    re.I,
)
_FENCE = re.compile(r"^```(?:sql)?\s*(.*?)\s*```$", re.S | re.I)
_TYPED = "Your query"


def translate(
    question: str,
    schema: Schema,
    now: dt.datetime,
    *,
    dialect: str = "sqlite",
    values: ValueIndex | None = None,
) -> Answer:
    """Read ``question`` over ``schema``; ``now`` is timezone-aware, in the user's zone.

    SQL is written in the source's ``dialect`` ("sqlite" or "postgres"), every identifier
    quoted. SQL the user typed comes back as typed (without a Markdown code fence).
    """
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {sorted(DIALECTS)}, not {dialect!r}")
    dialect = DIALECTS[dialect]
    fenced = _FENCE.match(question.strip())
    text = fenced[1] if fenced else question.strip()
    if _WRITE.match(text):
        return Translation(text, _TYPED)
    if _SQL.match(text) and (fenced or _is_sql_over(text, schema, dialect) or _looks_typed(text)):
        return Translation(text, _TYPED)
    if not schema.tables:
        return CannotAnswer("The database has no tables I can read, so there is nothing to ask.")
    answer: Answer | None = about_schema(text, schema)
    if answer is None:
        answer = read(text, schema, now, dialect, values or ValueIndex.empty())
    if _SQL.match(text) and not isinstance(answer, Translation):
        return Translation(text, _TYPED)  # SQL after all: the guard and the database judge it
    return answer


def _looks_typed(text: str) -> bool:
    """SQL punctuation ("SELECT * FROM invoices"): typed as SQL, even over tables the
    schema lacks, so the database says what is wrong; "select all orders" is English."""
    return bool(re.search(r"[*(),=<>;']|\bfrom\s+\w+\s+(?:where|limit|order|group)\b", text, re.I))


def _is_sql_over(text: str, schema: Schema, dialect: str) -> bool:
    """SQL that parses and reads only tables of ``schema``: "select all orders from
    Berlin" parses too (reading a table "berlin"), and is read as English instead."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except SqlglotError:
        return False
    known = {t.name.lower() for t in schema.tables}
    known |= {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return all(t.name.lower() in known for t in tree.find_all(exp.Table))
