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

from sqlglot import exp

from assistant.questions.lexicon import split_name
from assistant.source.schema import Column, Table
from intents.numbers import parse_number
from intents.timewords import Window, find_window

STATUS_COLUMNS = ("status", "state", "stage", "category", "type", "kind", "tier", "segment",
                  "level", "priority", "role", "plan", "channel")  # fmt: skip
_SIZE_NAMES = ("total", "amount", "price", "value", "revenue", "cost", "sum", "quantity")
_TIME_NAME = re.compile(r"(?:^|_)(?:at|on|date|time|day|timestamp)$|^(?:date|created|updated)")
_BIRTH = re.compile(r"birth|born|dob")
_DAY_NAME = re.compile(r"(?:^|_)(?:on|date|day)$|^date")
_NUMBERS = ("integer", "decimal", "float")
_TRUTH = {"true": True, "yes": True, "y": True, "1": True, "on": True, "false": False,
          "no": False, "n": False, "0": False, "off": False}  # fmt: skip
_EMPTY = ("null", "empty", "missing", "none", "blank", "unknown")
_COMPARE: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE,
}  # fmt: skip


def col(column: Column, table: str | None = None) -> exp.Column:
    """The column, quoted, and qualified by ``table`` when given."""
    qualifier = exp.to_identifier(table, quoted=True) if table is not None else None
    return exp.Column(this=exp.to_identifier(column.name, quoted=True), table=qualifier)


def snake(name: str) -> str:
    """A name in snake case, whatever its style: "OrderDate" → "order_date"."""
    return "_".join(split_name(name))


def is_time(column: Column) -> bool:
    if column.kind in ("date", "datetime"):
        return True
    return column.kind in ("text", "other") and bool(_TIME_NAME.search(snake(column.name)))


def time_column(table: Table) -> Column | None:
    """The column a time window filters on; a birth date only when there is no other."""
    times = [c for c in table.columns if is_time(c)]
    times.sort(key=lambda c: bool(_BIRTH.search(snake(c.name))))
    late = ("updated", "deleted", "modified")
    tests: tuple[Callable[[Column], bool], ...] = (
        lambda c: snake(c.name) == "created_at",
        lambda c: snake(c.name).endswith("_at") and not snake(c.name).startswith(late),
        lambda c: snake(c.name).endswith("_at") or c.kind == "datetime",
    )
    return next((c for test in tests for c in times if test(c)), times[0] if times else None)


def size_column(table: Table) -> Column | None:
    numbers = [
        c for c in table.columns if c.kind in _NUMBERS
        and snake(c.name) != "id" and not snake(c.name).endswith("_id")
    ]  # fmt: skip
    by_name = [c for n in _SIZE_NAMES for c in numbers if snake(c.name) == n]
    by_name += [c for n in _SIZE_NAMES for c in numbers if n in snake(c.name)]
    by_kind = [c for kind in ("decimal", "float", "integer") for c in numbers if c.kind == kind]
    return next(iter(by_name + by_kind), None)


def in_window(
    column: Column, window: Window, now: dt.datetime, table: str | None = None
) -> list[exp.Expr]:
    """``column`` (qualified by ``table`` when given) within ``window``."""
    conditions: list[exp.Expr] = []
    if window.since is not None:
        since = exp.Literal.string(_moment(column, window.since, now, end=False))
        conditions.append(exp.GTE(this=col(column, table), expression=since))
    if window.until is not None:
        until = exp.Literal.string(_moment(column, window.until, now, end=True))
        conditions.append(exp.LT(this=col(column, table), expression=until))
    return conditions


def condition(
    column: Column, op: str, value: str, now: dt.datetime, table: str | None = None
) -> exp.Expr | str:
    """``column op value`` typed by the column's kind, or what is wrong with it in words.
    ``op`` is one of = != > >= < <= contains; ``table`` qualifies the column."""
    if value.lower() in _EMPTY and op in ("=", "!="):
        empty = exp.Is(this=col(column, table), expression=exp.Null())
        return empty if op == "=" else exp.Not(this=empty)
    op = "=" if op == "contains" and column.kind != "text" else op
    if column.kind in _NUMBERS:
        number = _number(value)
        if number is None:
            return f"“{column.name}” holds numbers, and “{value}” is not one."
        return _COMPARE[op](this=col(column, table), expression=exp.Literal.number(number))
    if column.kind == "boolean":
        truth = _TRUTH.get(value.lower())
        if truth is None or op not in ("=", "!="):
            return f"“{column.name}” is yes or no: say “{column.name} is true” or “is false”."
        return exp.EQ(this=col(column, table), expression=exp.Boolean(this=truth == (op == "=")))
    if is_time(column):
        return _time_condition(column, op, value, now, table)
    literal = exp.Literal.string(value)
    if column.kind != "text" or op in (">", ">=", "<", "<="):
        return _COMPARE["=" if op == "contains" else op](
            this=col(column, table), expression=literal
        )
    lowered, wanted = exp.Lower(this=col(column, table)), exp.Lower(this=literal)
    if op == "contains":
        found = exp.StrPosition(this=lowered, substr=wanted)
        return exp.GT(this=found, expression=exp.Literal.number(0))
    return _COMPARE[op](this=lowered, expression=wanted)


def _time_condition(
    column: Column, op: str, value: str, now: dt.datetime, table: str | None
) -> exp.Expr | str:
    """A date or time word as a value: "2026-11-02" is that whole day, "today", "May"..."""
    bare_date = re.fullmatch(r"\d{4}-\d\d-\d\d", value)
    window = find_window(f"on {value}" if bare_date else value.lower(), now)
    if window is None or window.since is None:
        return f"I could not read “{value}” as a date or time for “{column.name}”."
    if op == "!=":
        return exp.Not(this=exp.and_(*in_window(column, window, now, table)))
    if op in (">", "<=") and window.until is None:
        return f"“{value}” has no end, so I cannot tell what is after it."
    since, until, span = window.since, window.until, window.span
    bounds = {
        "=": window, "contains": window, ">": Window(until, None, span),
        ">=": Window(since, None, span), "<": Window(None, since, span),
        "<=": Window(None, until, span),
    }  # fmt: skip
    return exp.and_(*in_window(column, bounds[op], now, table))


def _moment(column: Column, moment: dt.datetime, now: dt.datetime, *, end: bool) -> str:
    """A time as the column stores it: the day (the next one for an end within a day), an
    aware time in the user's zone for timestamptz, else naive 'YYYY-MM-DD HH:MM:SS'."""
    day_name = column.kind != "datetime" and _DAY_NAME.search(snake(column.name))
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
