"""Ranking: superlatives ("the 3 cheapest", "most recent", "oldest"), "sorted by", limits."""

from __future__ import annotations

from assistant.questions.catalog import Field
from assistant.questions.plan import Order, Plan
from assistant.questions.reading import Reading, reachable, time_field
from assistant.questions.sql import size_column
from assistant.questions.tagging import Kind

__all__ = ["ranking"]


def ranking(r: Reading, plan: Plan) -> str | None:
    limit = None
    for k in r.free(Kind.LIMIT):
        if r.kind(k + 1) is Kind.NUMBER:
            limit = int(r.items[k + 1].data)
            r.take(k, k + 1)
    for k in r.free(Kind.NUMBER):
        after = r.kind(k + 1)
        before = r.kind(k - 1)
        if after in (Kind.SUPERLATIVE, Kind.TABLE, Kind.COLUMN) or before is Kind.SUPERLATIVE:
            limit = int(r.items[k].data)
            r.take(k)
            break
    for k in r.free(Kind.GROUP):  # "top 5 orders by total"
        target = r.at(k + 1)
        if r.items[k].text.lower() == "by" and target is not None and target.kind is Kind.COLUMN:
            r.items[k].kind = Kind.SORT
    for k in r.free(Kind.SORT):
        target = r.at(k + 1)
        if target is not None and target.kind is Kind.COLUMN:
            field = reachable(r, plan.main, target.data)
            if field is not None and field.table is plan.main.table:
                descending = field.numeric or "time" in field.roles
                direction = r.at(k + 2)
                if direction is not None and direction.kind is Kind.DIRECTION:
                    descending = direction.data
                    r.take(k + 2)
                plan.order = Order(field, descending)
                r.take(k, k + 1)
    for k in r.free(Kind.SUPERLATIVE):
        direction, role = r.items[k].data
        descending = direction == "desc"
        if role == "duration" and not plan.main.having("duration") and plan.main.having("tenure"):
            role, descending = "tenure", not descending  # "the longest" with no duration: tenure
        r.take(k)
        if plan.group is not None or (plan.measure is not None and plan.measure.func != "count"):
            if plan.group is not None:
                plan.order = Order(None, descending)
                plan.limit = limit or (1 if _singular_group(r) else None)
            continue
        field = _ranked_field(r, plan, k, role)
        if field is None:
            what = r.items[k].text
            return f"I could not tell what “{what}” is about in “{plan.main.name}”."
        plan.order = Order(field, descending)
        plan.limit = limit or (1 if _singular(r, plan) or _the_one(r, k) else 10)
    if plan.limit is None and limit is not None:
        plan.limit = limit
    return None


def _the_one(r: Reading, k: int) -> bool:
    """ "the youngest of our students", "the cheapest": one row, unless a plural table
    follows at once ("the cheapest products")."""
    after = r.at(k + 1)
    plural_after = after is not None and after.kind is Kind.TABLE and after.plural
    return bool(r.items[k].extra.get("the")) and not plural_after


def _singular(r: Reading, plan: Plan) -> bool:
    for item in r.items:
        if item.kind is Kind.TABLE and item.data is plan.main:
            return not item.plural
    return True


def _singular_group(r: Reading) -> bool:
    for item in r.items:
        if item.kind in (Kind.COLUMN, Kind.TABLE):
            return not item.text.lower().endswith("s")
    return False


def _ranked_field(r: Reading, plan: Plan, k: int, role: str | None) -> Field | None:
    main = plan.main
    for j in (k + 1, k + 2, k - 1):
        near = r.at(j)
        if near is not None and near.kind is Kind.COLUMN and j not in r.used:
            fields = [f for f in near.data if f.numeric or "time" in f.roles]
            if role in ("time", "age", "tenure"):
                fields = [f for f in fields if "time" in f.roles] or fields
            field = reachable(r, main, fields)
            if field is not None and field.table is main.table:
                r.take(j)
                return field
    if role == "price":
        found = main.having("price") or main.having("cost") or main.having("money")
        return found[0] if found else None
    if role == "duration":
        found = main.having("duration")
        return found[0] if found else None
    if role in ("age", "tenure"):
        found = main.having(role)
        if found:
            r.notes.append(f"I read “{r.items[k].text}” by {found[0].said}")
            return found[0]
    if role in ("time", "age", "tenure"):
        time = time_field(r, main)
        return time if time is not None and time.table is main.table else None
    size = size_column(main.table)
    return main.field(size.name) if size else None
