"""The query guard: only ONE read-only statement ever reaches a database.

Interim version: one statement whose root is a query. The full allow-list and
deny-list walk is being written.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from exporters.errors import QueryRejected


@dataclass(frozen=True)
class CheckedQuery:
    sql: str  # regenerated from the checked tree: this, never the raw text, is executed
    tree: exp.Query
    dialect: str

    @property
    def tables(self) -> list[str]:
        return sorted({t.name for t in self.tree.find_all(exp.Table) if t.name})


def check_query(sql: str, dialect: str = "sqlite") -> CheckedQuery:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise QueryRejected(f"the query could not be parsed: {exc}") from None
    if len(statements) != 1:
        raise QueryRejected("send exactly one statement")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise QueryRejected(f"only SELECT queries are allowed, not {tree.key.upper()}")
    return CheckedQuery(tree.sql(dialect=dialect), tree, dialect)


def tables_in(sql: str, dialect: str = "sqlite") -> list[str]:
    """Table names a query reads, or [] when it cannot be parsed (used for titles)."""
    try:
        return check_query(sql, dialect).tables
    except QueryRejected:
        return []


DENIED_FUNCTIONS = frozenset({"load_extension", "writefile", "readfile"})


def is_denied_function(name: str) -> bool:
    return name.lower() in DENIED_FUNCTIONS
