"""Questions: a question to SQL (offline rules, or an LLM), run into a stored query run.

May import the user ``scope`` and the floor (``source`` for the schema and the guarded
preview, ``store`` to record runs); ``exports`` and everything above import it.

Offline, without an LLM, it reads the common questions over any schema.

``translate`` reads one chat message against the source's :class:`~assistant.source.schema.Schema`
and answers with SQL to run (:class:`Translation`), a reply about the schema itself
(:class:`SchemaAnswer`), or a helpful refusal naming real tables and example questions
(:class:`CannotAnswer`). It never runs anything: every query, typed or generated, still
goes through the exporter's guard. What it reads (``reader`` says how):

- SQL typed directly: SELECT/WITH/VALUES, or any statement (the guard refuses writes);
- "show orders", "list the orders table", "all customers", "orders", "show custmers";
- time words, as ``intents.timewords`` reads them: "orders from today", "since Monday",
  "customers who signed up this week";
- filters: "customers where country is Germany", "orders with total over 100", "orders
  where total between 10 and 20", "paid orders", "vip customers", "orders from Berlin";
- "top 5 orders by total", "the 5 biggest orders", "latest 10 orders", "sorted by name";
- "how many customers", "count orders by status";
- "what tables are there?", "what's in orders?".

    >>> from assistant.source.schema import Column, Schema, Table
    >>> orders = Table("orders", (Column("id", "INTEGER", "integer"),
    ...                           Column("city", "TEXT", "text"),
    ...                           Column("created_at", "DATETIME", "datetime")))
    >>> now = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)
    >>> print(translate("orders from Berlin today", Schema((orders,)), now).sql)
    ... # doctest: +NORMALIZE_WHITESPACE
    SELECT * FROM "orders" WHERE "created_at" >= '2026-11-18 00:00:00'
      AND LOWER("city") = LOWER('Berlin')
"""

from __future__ import annotations

import datetime as dt
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from assistant.questions.reader import Reader
from assistant.questions.replies import (
    Answer,
    CannotAnswer,
    DidYouMean,
    SchemaAnswer,
    Translation,
)
from assistant.source.schema import Schema

__all__ = ["Answer", "CannotAnswer", "DidYouMean", "SchemaAnswer", "Translation", "translate"]

DIALECTS = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres"}
_SQL = re.compile(r"(?:\(\s*)*(?:select|with|values)\b", re.I)
# Statements that are SQL, never English: returned as typed so the guard refuses them in
# its own words, instead of the translator guessing at "delete from orders".
_WRITE = re.compile(
    r"(?:insert|replace)\s+into|update\s+\S+\s+set|delete\s+from|(?:drop|create|alter)\s+"
    r"(?:table|view|index|schema|database|temp|temporary|unique|or|trigger)|(?:truncate|pragma"
    r"|attach|detach|grant|revoke|vacuum|explain|begin|commit|rollback)\b|copy\s+\S+\s+(?:from|to)",
    re.I,
)
_FENCE = re.compile(r"^```(?:sql)?\s*(.*?)\s*```$", re.S | re.I)
_TYPED = "Your query"


def translate(
    question: str, schema: Schema, now: dt.datetime, *, dialect: str = "sqlite"
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
    if _SQL.match(text) and (fenced or _is_sql_over(text, schema, dialect)):
        return Translation(text, _TYPED)
    if not schema.tables:
        return CannotAnswer("The database has no tables I can read, so there is nothing to ask.")
    answer = Reader(text, schema, now, dialect).read()
    if _SQL.match(text) and not isinstance(answer, Translation):
        return Translation(text, _TYPED)  # SQL after all: the guard and the database judge it
    return answer


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
