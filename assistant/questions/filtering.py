"""Filters: values the data holds (on the main table or a linked one), ids after a table's
name, comparisons in words, time windows, flags ("discontinued", "not shipped", "in
stock"), and values said as written ("email is b@example.com")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from assistant.questions.catalog import Entity, Field
from assistant.questions.plan import Filter, Plan
from assistant.questions.reading import Reading, fields_of, reachable, time_field
from assistant.questions.sql import condition, size_column
from assistant.questions.tagging import Kind
from assistant.source.values import ValueHit
from intents.timewords import Window

__all__ = ["filters"]

_TRUE = {"1", "y", "yes", "true", "t", 1}
_FALSE = {"0", "n", "no", "false", "f", 0}


def filters(r: Reading, plan: Plan) -> str | None:
    steps = (_literals, _value_filters, _id_filters, _comparisons, _equalities, _years, _times,
             _flags)  # fmt: skip
    for step in steps:
        problem = step(r, plan)
        if problem:
            return problem
    return None


def _literals(r: Reading, plan: Plan) -> str | None:
    """ "email is b@example.com", "subject contains refund": a value as written."""
    for k in r.free(Kind.LITERAL):
        op, text = r.items[k].data
        j = k - 1
        while r.kind(j) in (Kind.NEGATION, Kind.CONTAINS):
            j -= 1
        column = r.at(j)
        if column is None or column.kind is not Kind.COLUMN:
            continue
        field = reachable(r, plan.main, column.data)
        if field is None:
            continue
        made = condition(field.column, op, text, dt.datetime.now(dt.UTC), field.table.name)
        if isinstance(made, str):
            return made
        said = f"with {field.said} {'containing' if op == 'contains' else ''} “{text}”"
        said = " ".join(said.split())
        plan.filters.append(Filter(field, "condition", (op, text), said))
        r.take(*range(j, k + 1))
    return None


def _value_filters(r: Reading, plan: Plan) -> str | None:
    """Values the data holds; "Berlin or Hamburg" (one column) is either; "not Germany"."""
    runs: list[list[int]] = []
    for k in r.free(Kind.VALUE):
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    for run in runs:
        chosen = [(k, _choose_hit(r, plan, r.items[k].data, k)) for k in run]
        missing = [r.items[k].text for k, hit in chosen if hit is None]
        if missing:
            tables = ", ".join(sorted({h.table for k in run for h in r.items[k].data}))
            return (f"“{missing[0]}” is in {tables}, which I found no link to from "
                    f"{plan.main.name}.")  # fmt: skip
        columns: dict[tuple[str, str], list[tuple[int, ValueHit]]] = {}
        for k, hit in chosen:
            assert hit is not None
            columns.setdefault((hit.table, hit.column), []).append((k, hit))
        for (table, column), found in columns.items():
            _value_filter(r, plan, table, column, found)
    return None


def _value_filter(
    r: Reading, plan: Plan, table: str, column: str, found: list[tuple[int, ValueHit]]
) -> None:
    entity = r.catalog.by_name[table]
    field = entity.field(column)
    values = tuple(dict.fromkeys(v for _, hit in found for v in hit.values))
    first = found[0][0]
    negated = r.kind(first - 1) is Kind.NEGATION
    shown = " or ".join(f"“{v}”" for v in values)
    said = f"with {field.said} {'not ' if negated else ''}{shown}"
    if len(values) == 1:
        plan.filters.append(Filter(field, "!=" if negated else "=", values[0], said))
    else:
        plan.filters.append(Filter(field, "notin" if negated else "in", values, said))
    for k, hit in found:
        item = r.items[k]
        if hit.how == "exonym" and not fold_eq(item.text, hit.values):
            r.notes.append(f"I read “{item.text}” as “{hit.values[0]}”")
        r.take(k)
        j = k - 1  # "country is not Germany": the column and the negation before it
        while r.kind(j) is Kind.NEGATION:
            j -= 1
        near = r.at(j)
        if j < k - 1 and near is not None and near.kind is Kind.COLUMN and field in near.data:
            r.take(*range(j, k))
        for j in (k - 1, k + 1):  # "the seafood category": the column's table named
            near = r.at(j)
            if near is None:
                continue
            if near.kind is Kind.TABLE and near.data is entity is not plan.main:
                r.take(j)
            if near.kind is Kind.COLUMN and field in near.data:
                r.take(j)
            if near.kind is Kind.NEGATION and j == k - 1:
                r.take(j)


def fold_eq(text: str, values: tuple[object, ...]) -> bool:
    return any(str(v).strip().lower() == text.strip().lower() for v in values)


def _choose_hit(r: Reading, plan: Plan, hits: list[ValueHit], k: int) -> ValueHit | None:
    """The column a value belongs to, in this order: a column or table named next to it;
    a name of the main table's rows; a name of a linked table's rows ("orders of Alfreds
    Futterkiste" → the customer); another column of the main table; the nearest linked
    table. Keys come after everything else."""
    named = [r.items[j].data for j in (k - 1, k - 2, k + 1) if r.kind(j) is Kind.TABLE]
    named_columns = [f for j in (k - 1, k + 1) if r.kind(j) is Kind.COLUMN for f in r.items[j].data]
    hits = sorted(hits, key=lambda h: _key_like(r, h))
    main = plan.main.name
    paths = {h.table: r.catalog.path(main, h.table) for h in hits}
    linked = [h for h in hits if h.table == main or paths[h.table] is not None]
    tests: tuple[Callable[[ValueHit], bool], ...] = (
        lambda h: any(f.table.name == h.table and f.name == h.column for f in named_columns),
        lambda h: any(e.name == h.table and e is not plan.main for e in named),
        lambda h: h.table == main and _label(r, h),
        lambda h: h.table != main and _label(r, h),
        lambda h: h.table == main,
    )
    for test in tests:
        found = [h for h in linked if test(h)]
        if found:
            return found[0]
    if linked:
        return min(linked, key=lambda h: len(paths[h.table] or ()))
    return None


def _label(r: Reading, h: ValueHit) -> bool:
    entity = r.catalog.by_name[h.table]
    return any(f.name == h.column for f in entity.labels)


def _key_like(r: Reading, h: ValueHit) -> bool:
    entity = r.catalog.by_name[h.table]
    f = entity.field(h.column)
    return f is entity.key or f.words[-1] == "id"


def _id_filters(r: Reading, plan: Plan) -> str | None:
    """ "order 10250", "product number 42": a number right after a table's name."""
    for k in r.free(Kind.NUMBER):
        before = r.at(k - 1)
        if before is None or before.kind is not Kind.TABLE:
            continue
        entity: Entity = before.data
        if entity.key is None or not entity.key.numeric or (before.plural and entity is plan.main):
            continue
        if r.items[k].money:
            continue
        value = r.items[k].data
        plan.filters.append(Filter(entity.key, "=", value, f"with {entity.key.said} {value}"))
        r.take(k - 1, k)
    return None


def _comparisons(r: Reading, plan: Plan) -> str | None:
    for k in r.free(Kind.COMPARE) + r.free(Kind.BETWEEN):
        item = r.items[k]
        numbers = [k + 1] if item.kind is Kind.COMPARE else [k + 1, k + 2]
        if any(r.kind(j) is not Kind.NUMBER for j in numbers):
            continue
        after = numbers[-1] + 1
        # "more than 5 customers" with a group: a condition on the count
        if plan.group is not None and r.kind(after) is Kind.TABLE:
            plan.having = (item.data, float(r.items[k + 1].data))
            r.take(k, *numbers, after)
            continue
        money = any(r.items[j].money for j in numbers)
        field, used = _compared_field(r, plan, k, after, money)
        if field is None:
            said = " ".join(r.items[j].text for j in (k, *numbers))
            return f"I could not tell which number “{said}” is about."
        values = [r.items[j].data for j in numbers]
        if item.kind is Kind.BETWEEN:
            low, high = sorted(values)
            plan.filters.append(Filter(field, "between", (low, high),
                                       f"with {field.said} between {low} and {high}"))  # fmt: skip
        else:
            plan.filters.append(Filter(field, item.data, values[0],
                                       f"with {field.said} {item.text} {values[0]}"))  # fmt: skip
        r.take(k, *numbers, *used)
    return None


def _equalities(r: Reading, plan: Plan) -> str | None:
    """ "courses with 5 credits", "students in year 12", "songs that cost 1.99"."""
    for k in r.free(Kind.NUMBER):
        for j in (k + 1, k - 1):
            near = r.at(j)
            if near is None or near.kind is not Kind.COLUMN or j in r.used:
                continue
            numeric = [f for f in near.data if f.numeric and f is not plan.main.key]
            field = reachable(r, plan.main, numeric)
            if field is None or r.kind(k - 1) in (Kind.SUPERLATIVE, Kind.LIMIT):
                continue
            value = r.items[k].data
            plan.filters.append(Filter(field, "=", value, f"with {field.said} {value}"))
            r.take(k, j)
            break
    return None


def _compared_field(
    r: Reading, plan: Plan, k: int, after: int, money: bool
) -> tuple[Field | None, list[int]]:
    for j in (k - 1, after, k - 2):
        near = r.at(j)
        if near is not None and near.kind is Kind.COLUMN:
            numeric = [f for f in near.data if f.numeric]
            field = reachable(r, plan.main, numeric)
            if field is not None:
                return field, [j]
    # "over $50": a price; "over 500": the table's size column (total, amount, price...)
    for role in ("price", "money") if money else ():
        found = plan.main.having(role)
        if found:
            return found[0], []
    size = size_column(plan.main.table)
    return (plan.main.field(size.name), []) if size is not None else (None, [])


def _years(r: Reading, plan: Plan) -> str | None:
    """ "2021 invoices", "sales for 2024": a bare year is a time window."""
    for k in r.free(Kind.NUMBER):
        item = r.items[k]
        year = item.data
        if item.money or not isinstance(year, int) or not 1900 <= year <= 2100:
            continue
        if r.kind(k - 1) in (Kind.LIMIT, Kind.SUPERLATIVE) or r.kind(k + 1) is Kind.SUPERLATIVE:
            continue
        field = time_field(r, plan.main)
        if field is None:
            continue
        window = Window(dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1), (0, 0))
        plan.filters.append(Filter(field, "window", window, f"in {year}"))
        r.take(k)
    return None


def _times(r: Reading, plan: Plan) -> str | None:
    for k in r.free(Kind.TIME):
        field = None
        for j in (k - 1, k - 2):
            near = r.at(j)
            if near is not None and near.kind is Kind.COLUMN:
                times = [f for f in near.data if "time" in f.roles]
                field = reachable(r, plan.main, times)
                if field is not None:
                    r.take(j)
                    break
        field = field or time_field(r, plan.main)
        if field is None:
            return f"“{plan.main.name}” has no date or time column to filter by time."
        plan.filters.append(Filter(field, "window", r.items[k].data, r.items[k].text))
        r.take(k)
    return None


def _flags(r: Reading, plan: Plan) -> str | None:
    """Columns named as a condition: "discontinued", "not shipped", "in stock"."""
    for k in r.free(Kind.COLUMN):
        item = r.items[k]
        if r.kind(k - 1) in (Kind.SUPERLATIVE, Kind.SORT):
            continue  # "the most recently hired": a ranking, not a condition
        if r.kind(k + 1) is Kind.EMPTY or (
            r.kind(k + 1) is Kind.NEGATION and r.kind(k + 2) is Kind.EMPTY
        ):  # "email is null", "email is not empty"
            field = reachable(r, plan.main, item.data)
            if field is not None:
                empty = r.kind(k + 1) is Kind.EMPTY
                said = f"with {'no' if empty else 'a'} {field.said}"
                plan.filters.append(Filter(field, "null" if empty else "notnull", None, said))
                r.take(k, k + 1, *((k + 2,) if not empty else ()))
                continue
        truth = r.at(k + 1) if r.kind(k + 1) is Kind.TRUTH else None
        negated = r.kind(k - 1) is Kind.NEGATION or r.kind(k + 1) is Kind.NEGATION
        negated = negated != bool(item.extra.get("negated"))  # "inactive", "undelivered"
        if truth is not None:
            negated = truth.data is False
        present = r.kind(k - 1) is Kind.HAVING or item.text.lower().startswith("in ")
        for f in fields_of(item, plan.main) or fields_of(item):
            made = _flag(r, f, negated, present, item.text)
            if made is not None:
                if (
                    f.table is not plan.main.table
                    and r.catalog.path(plan.main.name, f.table.name) is None
                ):
                    continue
                plan.filters.append(made)
                around = (Kind.NEGATION, Kind.HAVING, Kind.TRUTH)
                r.take(k, *(j for j in (k - 1, k + 1) if r.kind(j) in around))
                break
    return None


def _flag(r: Reading, f: Field, negated: bool, present: bool, said: str) -> Filter | None:
    distinct = r.values.distinct(f.table.name, f.name)
    if f.column.kind == "boolean" or (
        distinct and set(distinct) <= _TRUE | _FALSE | {str(v).upper() for v in _TRUE | _FALSE}
    ):
        wanted = _FALSE if negated else _TRUE
        stored = [v for v in (distinct or (True, False)) if _truth(v) in wanted]
        value = stored[0] if stored else (not negated)
        return Filter(f, "=", value, f"that are {'not ' if negated else ''}{f.said}")
    if "time" in f.roles and (negated or said.lower().endswith("ed")):
        return Filter(f, "null" if negated else "notnull", None,
                      f"with {'no' if negated else 'a'} {f.said}")  # fmt: skip
    if f.numeric and (present or negated):
        return Filter(f, "nonpositive" if negated else "positive", None,
                      f"with {'no' if negated else 'some'} {f.said}")  # fmt: skip
    if present or negated:  # "customers without a company", "tracks with a composer"
        return Filter(f, "null" if negated else "notnull", None,
                      f"with {'no' if negated else 'a'} {f.said}")  # fmt: skip
    return None


def _truth(value: object) -> bool | None:
    if isinstance(value, str):
        value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None
