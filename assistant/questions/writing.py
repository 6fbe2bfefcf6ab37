"""A query plan written as SQL for SQLite or PostgreSQL, with its answer in words.

Every identifier is quoted (``"Order Details"``, ``"CustomerID"``) and every literal
escaped; the SQL still goes through the exporter's guard before it runs. Filters on other
tables become ``IN (SELECT …)`` along the join path, so a row of the main table is never
repeated ("suppliers of dairy products" lists each supplier once); grouping by another
table joins along many-to-one links only, so nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from assistant.questions.catalog import Catalog, Field, Step
from assistant.questions.plan import Filter, Plan
from assistant.questions.replies import Probe
from assistant.questions.sql import condition, in_window
from intents.timewords import Window

__all__ = ["Written", "write"]

_OPS = {"=", "!=", ">", ">=", "<", "<="}
_FUNCS = {"count": "COUNT", "sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX"}


@dataclass(frozen=True)
class Written:
    sql: str
    said: str | None
    probes: tuple[Probe, ...]


def write(plan: Plan, catalog: Catalog, dialect: str, now: dt.datetime) -> Written:
    w = _Writer(plan, catalog, dialect, now)
    return Written(w.sql(), w.said(), w.probes())


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class _Writer:
    def __init__(self, plan: Plan, catalog: Catalog, dialect: str, now: dt.datetime) -> None:
        self.plan, self.catalog, self.dialect, self.now = plan, catalog, dialect, now
        self.joins = self._joins()
        # Columns are qualified only when a JOIN makes a bare name ambiguous: the SQL
        # people read stays short ("WHERE "Country" = 'Germany'").
        self.qualify = bool(self.joins)

    def ref(self, f: Field) -> str:
        if self.qualify or f.table.name != self.plan.main.name:
            return f"{quote(f.table.name)}.{quote(f.name)}"
        return quote(f.name)

    def _named(self, f: Field) -> str:
        shown = self.ref(f)
        return shown if shown == quote(f.name) else f"{shown} AS {quote(f.name)}"

    def _table(self, f: Field) -> str | None:
        return f.table.name if self.qualify or f.table.name != self.plan.main.name else None

    # -- the query
    def sql(self) -> str:
        plan, main = self.plan, self.plan.main
        joins = self.joins
        where = self._where(plan.filters)
        parts: list[str]
        group_by: list[str] = []
        if plan.group is not None:
            select = [self._named(f) for f in plan.group.fields]
            group_by = [self.ref(f) for f in plan.group.fields]
            if plan.group.key is not None and plan.group.key not in plan.group.fields:
                group_by.insert(0, self.ref(plan.group.key))
            if plan.group.unit is not None and plan.group.time is not None:
                for name, expression in self._units(plan.group.unit, plan.group.time):
                    select.append(f"{expression} AS {quote(name)}")
                    group_by.append(expression)
            select.append(f"{self._measure()} AS {quote(self._alias())}")
        elif plan.measure is not None:
            select = [f"{self._measure()} AS {quote(self._alias())}"]
        else:
            select = [f"{quote(main.name)}.*" if self.qualify else "*"]
        parts = [f"SELECT {', '.join(select)}", f"FROM {quote(main.name)}", *joins]
        if where:
            parts.append("WHERE " + " AND ".join(where))
        if group_by:
            parts.append("GROUP BY " + ", ".join(group_by))
        if plan.having is not None and plan.measure is not None:
            op, number = plan.having
            parts.append(f"HAVING {self._measure()} {op} {literal(_plain(number))}")
        order = self._order()
        if order:
            parts.append("ORDER BY " + ", ".join(order))
        if plan.limit is not None:
            parts.append(f"LIMIT {int(plan.limit)}")
        return "\n".join(parts)

    def _joins(self) -> list[str]:
        """JOINs up to the tables the group's columns are on (many-to-one links only)."""
        plan = self.plan
        wanted = {f.table.name for f in plan.group.fields} if plan.group else set()
        joins: list[str] = []
        joined = {plan.main.name}
        for table in sorted(wanted - joined):
            path = self.catalog.up(plan.main.name, table) or []
            for step in path:
                if step.to in joined:
                    continue
                on = " AND ".join(
                    f"{quote(step.table)}.{quote(a)} = {quote(step.to)}.{quote(b)}"
                    for a, b in zip(step.columns, step.keys, strict=True)
                )
                joins.append(f"JOIN {quote(step.to)} ON {on}")
                joined.add(step.to)
        return joins

    def _where(self, filters: list[Filter]) -> list[str]:
        main = self.plan.main.name
        here = [self._condition(f) for f in filters if f.field.table.name == main]
        elsewhere: dict[str, list[Filter]] = {}
        for f in filters:
            if f.field.table.name != main:
                elsewhere.setdefault(f.field.table.name, []).append(f)
        for table, group in elsewhere.items():
            path = self.catalog.path(main, table)
            if path is None:
                continue  # the reader only keeps filters it found a path for
            here.append(self._semi(path, [self._condition(f) for f in group]))
        return here

    def _semi(self, path: list[Step], conditions: list[str]) -> str:
        step, rest = path[0], path[1:]
        inner = [self._semi(rest, conditions)] if rest else conditions
        left = ", ".join(f"{quote(step.table)}.{quote(c)}" for c in step.columns)
        right = ", ".join(f"{quote(step.to)}.{quote(c)}" for c in step.keys)
        if len(step.columns) > 1:
            left, right = f"({left})", right
        return f"{left} IN (SELECT {right} FROM {quote(step.to)} WHERE {' AND '.join(inner)})"

    def _condition(self, f: Filter) -> str:
        c = self.ref(f.field)
        if f.op in _OPS:
            return f"{c} {f.op} {literal(_plain(f.value))}"
        if f.op in ("in", "notin"):
            listed = ", ".join(literal(v) for v in f.value)
            return f"{c} {'NOT IN' if f.op == 'notin' else 'IN'} ({listed})"
        if f.op == "condition":
            op, text = f.value
            made = condition(f.field.column, op, text, self.now, self._table(f.field))
            if isinstance(made, str):  # the reader checked it
                raise ValueError(made)
            return made.sql(dialect=self.dialect)
        if f.op == "between":
            low, high = f.value
            return f"{c} BETWEEN {literal(_plain(low))} AND {literal(_plain(high))}"
        if f.op == "null":
            return f"{c} IS NULL"
        if f.op == "notnull":
            return f"{c} IS NOT NULL"
        if f.op == "positive":
            return f"{c} > 0"
        if f.op == "nonpositive":
            return f"({c} IS NULL OR {c} <= 0)"
        if f.op == "window" and "year" in f.field.roles:  # a year kept as a number
            return self._years(c, f.value)
        if f.op == "window":
            tests = in_window(f.field.column, f.value, self.now, self._table(f.field))
            return " AND ".join(t.sql(dialect=self.dialect) for t in tests) or "TRUE"
        raise ValueError(f"unknown filter operator {f.op!r}")

    @staticmethod
    def _years(c: str, window: Window) -> str:
        """The whole years ``window`` covers, on a column holding a year number."""
        tests = []
        if window.since is not None:
            first = window.since.year + (window.since.timetuple().tm_yday > 1)
            tests.append(f"{c} >= {first}")
        if window.until is not None:
            start_of_year = (window.until.month, window.until.day) == (1, 1)
            last = window.until.year - 1 if start_of_year else window.until.year
            tests.append(f"{c} <= {last}")
        return " AND ".join(tests) or "TRUE"

    def _measure(self) -> str:
        m = self.plan.measure
        assert m is not None
        if m.func == "count":
            return "COUNT(*)"
        if m.revenue is not None:
            price, quantity, discount = m.revenue
            amount = f"{self.ref(price)} * {self.ref(quantity)}"
            if discount is not None:
                amount += f" * (1 - {self.ref(discount)})"
            return f"{_FUNCS[m.func]}({amount})"
        assert m.field is not None
        return f"{_FUNCS[m.func]}({self.ref(m.field)})"

    def _alias(self) -> str:
        m = self.plan.measure
        assert m is not None
        if m.func == "count":
            return "count"
        return m.said or m.func

    def _units(self, unit: str, f: Field) -> list[tuple[str, str]]:
        c = self.ref(f)
        if "year" in f.roles:  # a year kept as a number groups as itself
            return [("year", c)]
        if self.dialect == "postgres":
            if f.column.kind not in ("date", "datetime"):
                c = f"CAST({c} AS timestamp)"
            fmt = {"year": [("year", "YYYY")], "month": [("year", "YYYY"), ("month", "MM")],
                   "day": [("day", "YYYY-MM-DD")], "week": [("week", "IYYY-IW")],
                   "quarter": [("year", "YYYY"), ("quarter", "Q")]}  # fmt: skip
            return [(name, f"to_char({c}, '{code}')") for name, code in fmt[unit]]
        fmt = {"year": [("year", "%Y")], "month": [("year", "%Y"), ("month", "%m")],
               "day": [("day", "%Y-%m-%d")], "week": [("week", "%Y-%W")]}  # fmt: skip
        if unit == "quarter":
            return [("year", f"strftime('%Y', {c})"),
                    ("quarter", f"(CAST(strftime('%m', {c}) AS INTEGER) + 2) / 3")]  # fmt: skip
        return [(name, f"strftime('{code}', {c})") for name, code in fmt[unit]]

    def _order(self) -> list[str]:
        plan = self.plan
        if plan.order is None:
            group = plan.group
            if group is not None and group.unit is not None and group.time is not None:
                units = self._units(group.unit, group.time)
                return [str(i + 1 + len(group.fields)) for i in range(len(units))]
            if group is not None:  # the biggest groups first, ties in a stable order
                return [f"{quote(self._alias())} DESC"] + [self.ref(f) for f in group.fields]
            return []
        direction = "DESC" if plan.order.descending else "ASC"
        if plan.order.field is None:
            order = [f"{quote(self._alias())} {direction}"]
            return order + [self.ref(f) for f in plan.group.fields] if plan.group else order
        order = [f"{self.ref(plan.order.field)} {direction} NULLS LAST"]
        key = plan.main.key
        if key is not None and key != plan.order.field and plan.group is None:
            order.append(f"{self.ref(key)} {direction}")
        return order

    # -- the answer in words
    def said(self) -> str | None:
        plan, m = self.plan, self.plan.measure
        if m is None or plan.group is not None:
            return None
        where = self._where_said()
        if m.func == "count":
            noun = plan.noun or plan.main.said.lower()
            return f"There are {{}} {noun}{where}."
        return f"The {m.said} is {{}}{where}."

    def _where_said(self) -> str:
        """The filters as words after a noun: " with city “Berlin”, this week"."""
        if not self.plan.filters:
            return ""
        filters = self.plan.filters
        said = ", ".join(f.said for f in filters if f.op != "window")
        times = " ".join(f.said for f in filters if f.op == "window")
        return " " + " ".join(part for part in (said, times) if part)

    def probes(self) -> tuple[Probe, ...]:
        main = quote(self.plan.main.name)
        probes = []
        for k, f in enumerate(self.plan.filters):
            where = self._where(self.plan.filters[: k + 1])
            sql = f"SELECT COUNT(*) FROM {main} WHERE {' AND '.join(where)}"
            probes.append(Probe(f.said, sql))
        return tuple(probes)


def _plain(value: Any) -> Any:
    """A whole float as an int (5.0 → 5), so SQL reads as people wrote it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
