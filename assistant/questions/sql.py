"""The SQL side of a question: which column a word means, and conditions built with sqlglot.

Everything is built as sqlglot expressions and generated for the source's dialect, so
identifiers are quoted and literals escaped right for SQLite and PostgreSQL alike.

Column choices, from names and declared kinds only (no data is read):

- *time column* for a window: created_at, then another ``*_at`` column (updated/deleted
  last), then a datetime column, then a day column (``order_date``, ``*_date``, ``*_on``);
  text columns named like times count, since SQLite databases often declare them TEXT;
- *size column* for "biggest"/"top": total, amount, price, value, revenue, cost, sum,
  quantity (exact, then contained in the name), else the first decimal, float, integer
  column that is not an id.

Stored times: SQLite keeps datetimes as ``'YYYY-MM-DD HH:MM:SS'`` text and dates as
``'YYYY-MM-DD'``, so ISO text literals compare in time order; PostgreSQL reads the same
literals as its column's type, and a ``timestamptz`` one gets the user's UTC offset. A day
column is in a window when the day overlaps it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from assistant.source.schema import Column, Table
from intents.numbers import parse_number
from intents.timewords import Window, find_window

STATUS_COLUMNS = ("status", "state", "stage", "category", "type", "kind", "tier", "segment",
                  "level", "priority", "role", "plan", "channel")  # fmt: skip
PLACE_COLUMNS = ("city", "country", "region", "state", "province", "location", "place", "town")
_SIZE_NAMES = ("total", "amount", "price", "value", "revenue", "cost", "sum", "quantity")
_TIME_NAME = re.compile(r"(?:^|_)(?:at|on|date|time|day|timestamp)$|^(?:date|created|updated)")
_DAY_NAME = re.compile(r"(?:^|_)(?:on|date|day)$|^date")
_NUMBERS = ("integer", "decimal", "float")
_TRUTH = {"true": True, "yes": True, "y": True, "1": True, "on": True, "false": False,
          "no": False, "n": False, "0": False, "off": False}  # fmt: skip
_EMPTY = ("null", "empty", "missing", "none", "blank", "unknown")
_COMPARE: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE,
}  # fmt: skip


@dataclass
class Query:
    """What a question asks of its one table (no joins), built into one SELECT."""

    table: Table
    count: bool = False
    group: Column | None = None
    order: Column | None = None
    descending: bool | None = None
    limit: int | None = None

    def build(self, where: list[exp.Expr], dialect: str) -> str:
        count = exp.alias_(exp.Count(this=exp.Star()), "count", quoted=True)
        source = exp.Table(this=exp.to_identifier(self.table.name, quoted=True))
        if self.count and self.group is not None:
            query = exp.select(col(self.group), count).from_(source).group_by(col(self.group))
            most = exp.Ordered(this=exp.column("count", quoted=True), desc=True)
            query = query.order_by(most, col(self.group))  # ties in a stable order
        elif self.count:
            query = exp.select(count).from_(source)
        else:
            query = exp.select(exp.Star()).from_(source)
            if self.order is not None:  # NULLs last both ways: "top 5" never shows blanks
                desc = bool(self.descending)
                ordered = exp.Ordered(this=col(self.order), desc=desc, nulls_first=False)
                query = query.order_by(ordered)
        if where:
            query = query.where(exp.and_(*where))
        if self.limit and not (self.count and self.group is None):
            query = query.limit(self.limit)
        return query.sql(dialect=dialect)


def col(column: Column) -> exp.Column:
    return exp.Column(this=exp.to_identifier(column.name, quoted=True))


def is_time(column: Column) -> bool:
    if column.kind in ("date", "datetime"):
        return True
    return column.kind in ("text", "other") and bool(_TIME_NAME.search(column.name.lower()))


def time_named(table: Table, name: str) -> Column | None:
    """The time column ``name`` means: itself, or with _at/_on/_date ("signed up")."""
    for candidate in (name, f"{name}_at", f"{name}_on", f"{name}_date", f"{name}_time"):
        column = table.column(candidate, typos=False)
        if column is not None and is_time(column):
            return column
    return None


def time_column(table: Table) -> Column | None:
    times = [c for c in table.columns if is_time(c)]
    late = ("updated", "deleted", "modified")
    tests: tuple[Callable[[Column], bool], ...] = (
        lambda c: c.name.lower() == "created_at",
        lambda c: c.name.lower().endswith("_at") and not c.name.lower().startswith(late),
        lambda c: c.name.lower().endswith("_at") or c.kind == "datetime",
    )
    return next((c for test in tests for c in times if test(c)), times[0] if times else None)


def size_column(table: Table) -> Column | None:
    numbers = [
        c for c in table.columns if c.kind in _NUMBERS
        and c.name.lower() != "id" and not c.name.lower().endswith("_id")
    ]  # fmt: skip
    by_name = [c for n in _SIZE_NAMES for c in numbers if c.name.lower() == n]
    by_name += [c for n in _SIZE_NAMES for c in numbers if n in c.name.lower()]
    by_kind = [c for kind in ("decimal", "float", "integer") for c in numbers if c.kind == kind]
    return next(iter(by_name + by_kind), None)


def flag(table: Table, name: str) -> exp.Expr | None:
    """``column = TRUE`` for the boolean column ``name`` means ("vip" → is_vip), or FALSE
    when negated ("not shipped", "non-vip", "unshipped")."""
    bare = re.sub(r"^(?:not_|non-|non_|un)", "", name)
    for word, truth in ((name, True), (bare, False)):
        for candidate in (word, f"is_{word}", f"has_{word}"):
            column = table.column(candidate, typos=False)
            if column is not None and column.kind == "boolean":
                return exp.EQ(this=col(column), expression=exp.Boolean(this=truth))
    return None


def any_equal(columns: list[Column], values: list[str]) -> exp.Expr:
    """One of ``values`` in any of ``columns``, ignoring case."""
    tests = [
        exp.EQ(this=exp.Lower(this=col(c)), expression=exp.Lower(this=exp.Literal.string(v)))
        for v in values
        for c in columns
    ]
    return exp.paren(exp.or_(*tests)) if len(tests) > 1 else tests[0]


def in_window(column: Column, window: Window, now: dt.datetime) -> list[exp.Expr]:
    conditions: list[exp.Expr] = []
    if window.since is not None:
        since = exp.Literal.string(_moment(column, window.since, now, end=False))
        conditions.append(exp.GTE(this=col(column), expression=since))
    if window.until is not None:
        until = exp.Literal.string(_moment(column, window.until, now, end=True))
        conditions.append(exp.LT(this=col(column), expression=until))
    return conditions


def condition(column: Column, op: str, value: str, now: dt.datetime) -> exp.Expr | str:
    """``column op value`` typed by the column's kind, or what is wrong with it in words.
    ``op`` is one of = != > >= < <= contains."""
    if value.lower() in _EMPTY and op in ("=", "!="):
        empty = exp.Is(this=col(column), expression=exp.Null())
        return empty if op == "=" else exp.Not(this=empty)
    op = "=" if op == "contains" and column.kind != "text" else op
    if column.kind in _NUMBERS:
        number = _number(value)
        if number is None:
            return f"“{column.name}” holds numbers, and “{value}” is not one."
        return _COMPARE[op](this=col(column), expression=exp.Literal.number(number))
    if column.kind == "boolean":
        truth = _TRUTH.get(value.lower())
        if truth is None or op not in ("=", "!="):
            return f"“{column.name}” is yes or no: say “{column.name} is true” or “is false”."
        return exp.EQ(this=col(column), expression=exp.Boolean(this=truth == (op == "=")))
    if is_time(column):
        return _time_condition(column, op, value, now)
    literal = exp.Literal.string(value)
    if column.kind != "text" or op in (">", ">=", "<", "<="):
        return _COMPARE["=" if op == "contains" else op](this=col(column), expression=literal)
    lowered, wanted = exp.Lower(this=col(column)), exp.Lower(this=literal)
    if op == "contains":
        found = exp.StrPosition(this=lowered, substr=wanted)
        return exp.GT(this=found, expression=exp.Literal.number(0))
    return _COMPARE[op](this=lowered, expression=wanted)


def _time_condition(column: Column, op: str, value: str, now: dt.datetime) -> exp.Expr | str:
    """A date or time word as a value: "2026-11-02" is that whole day, "today", "May"..."""
    bare_date = re.fullmatch(r"\d{4}-\d\d-\d\d", value)
    window = find_window(f"on {value}" if bare_date else value.lower(), now)
    if window is None or window.since is None:
        return f"I could not read “{value}” as a date or time for “{column.name}”."
    if op == "!=":
        return exp.Not(this=exp.and_(*in_window(column, window, now)))
    if op in (">", "<=") and window.until is None:
        return f"“{value}” has no end, so I cannot tell what is after it."
    since, until, span = window.since, window.until, window.span
    bounds = {
        "=": window, "contains": window, ">": Window(until, None, span),
        ">=": Window(since, None, span), "<": Window(None, since, span),
        "<=": Window(None, until, span),
    }  # fmt: skip
    return exp.and_(*in_window(column, bounds[op], now))


def _moment(column: Column, moment: dt.datetime, now: dt.datetime, *, end: bool) -> str:
    """A time as the column stores it: the day (the next one for an end within a day), an
    aware time in the user's zone for timestamptz, else naive 'YYYY-MM-DD HH:MM:SS'."""
    day_name = column.kind != "datetime" and _DAY_NAME.search(column.name.lower())
    if column.kind == "date" or day_name:
        day = moment.date()
        if end and moment.time() != dt.time(0):
            day += dt.timedelta(days=1)
        return day.isoformat()
    declared = column.type.lower()
    if "with time zone" in declared or "timestamptz" in declared:
        return moment.replace(tzinfo=now.tzinfo).isoformat(sep=" ", timespec="seconds")
    return moment.isoformat(sep=" ", timespec="seconds")


def _number(text: str) -> str | None:
    cleaned = re.sub(r"[\s,€$£¥%]|eur(?:os?)?$|usd$|dollars?$", "", text.lower())
    if re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)", cleaned):
        return cleaned.lstrip("+")
    number = parse_number(text)
    return None if number is None else str(number)
