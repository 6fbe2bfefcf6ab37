"""Grouping: "per/each/by <column | table | year>", "which <column> has the most <table>",
"discontinued vs active"; grouping by another table follows many-to-one links only."""

from __future__ import annotations

from assistant.questions.catalog import Entity
from assistant.questions.plan import Group, Measure, Plan
from assistant.questions.reading import Reading, reachable, time_field
from assistant.questions.tagging import Item, Kind

__all__ = ["group"]


def group(r: Reading, plan: Plan) -> str | None:
    ranking = bool(r.free(Kind.SUPERLATIVE) or r.free(Kind.SORT))
    for k in r.free(Kind.GROUP):
        target = r.at(k + 1)
        if target is None:
            continue
        if r.items[k].text.lower() == "by" and ranking and plan.measure is None:
            continue  # "top 5 orders by total": the order, read with the ranking
        found = _group_by(r, plan, target, k + 1)
        if found is not None:
            r.take(k, k + 1)
            return found or None
    # "which countries have more than 5 customers", "which city has the most orders",
    # "top 3 countries by number of orders", "which 5 countries have the highest …"
    wants = plan.measure is not None
    for k, item in enumerate(r.items):
        if k in r.used or item.kind not in (Kind.COLUMN, Kind.TABLE) or not wants:
            continue
        if item.kind is Kind.TABLE and item.data is plan.main:
            continue
        before = r.kind(k - 1)
        before2 = r.kind(k - 2)
        if before is Kind.QUESTION or (
            before is Kind.NUMBER and before2 in (Kind.QUESTION, Kind.SUPERLATIVE)
        ):
            found = _group_by(r, plan, item, k)
            if found is not None:
                r.take(k)
                return found or None
    # "discontinued vs still active"
    for k in r.free(Kind.VERSUS):
        side = r.at(k - 1)
        if side is not None and side.kind is Kind.COLUMN:
            found = _group_by(r, plan, side, k - 1)
            if found is not None:
                r.take(*range(k - 1, len(r.items)))
                return found or None
    return None


def _group_by(r: Reading, plan: Plan, target: Item, k: int) -> str | None:
    """Group ``plan`` by what ``target`` names; "" when done, None when it names nothing
    to group by, else the problem."""
    found = _grouping(r, plan, target, k)
    if found == "" and plan.measure is None:
        plan.measure = Measure("count", said="count")
    return found


def _grouping(r: Reading, plan: Plan, target: Item, k: int) -> str | None:
    main = plan.main
    if target.kind is Kind.UNIT:
        time = time_field(r, main)
        if time is None or ("year" in time.roles and target.data != "year"):
            return f"“{main.name}” has no date column to group by {target.data}."
        if time.table is not main.table and r.catalog.up(main.name, time.table.name) is None:
            return f"“{main.name}” has no date column to group by {target.data}."
        plan.group = Group(unit=target.data, time=time)
        r.take(k)
        return ""
    if target.kind is Kind.TABLE:
        other: Entity = target.data
        if other is main:
            averaged = plan.measure is not None and plan.measure.func in ("avg", "min", "max")
            if main.key is None or averaged:  # "average total per invoice": over the rows
                r.take(k)
                return None if main.key is None else ""
            plan.group = Group(fields=(main.key, *main.labels), key=main.key)
            return ""
        path = r.catalog.up(main.name, other.name)
        if path is None or other.key is None:
            return f"I found no link from “{main.name}” to “{other.name}” to group by."
        plan.group = Group(fields=(other.key, *other.labels), key=other.key)
        return ""
    if target.kind is Kind.COLUMN:
        field = reachable(r, main, target.data)
        if field is None:
            return None
        plan.group = Group(fields=(field,))
        return ""
    return None
