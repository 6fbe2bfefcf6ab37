"""From tagged words to a query plan: what is counted, filtered, grouped and ranked.

The reading, in order (each step takes the items it uses, so no word counts twice):

1. words still unknown stop it: it asks about them (:class:`Unread`), never guesses;
2. the *measure*: "how many" a table (count) or a number column (sum), "total/average/
   highest <column>", "sales" (price × quantity on a line table);
3. the *main table*: the measure's, the counted one, else the first named, else the
   table of the first column named;
4. the *group*: "per/each/by <column | table | year>", "which <column> has the most
   <table>", "discontinued vs active";
5. *filters*: values the data holds, on the main table or a table linked to it ("orders
   from customers in Germany"), ids after a table's name ("order 10250"), comparisons
   ("over $50", "at least 100 units in stock"), flags ("discontinued", "not shipped",
   "in stock", "with a discount"), time windows;
6. *ranking*: superlatives ("the 3 cheapest", "most recent", "oldest") and "sorted by".
"""

from __future__ import annotations

from assistant.questions import lexicon as lx
from assistant.questions.catalog import Catalog, Entity, Field
from assistant.questions.filtering import filters
from assistant.questions.grouping import group
from assistant.questions.plan import Measure, Plan
from assistant.questions.ranking import ranking
from assistant.questions.reading import Reading, Unread, entity_of, prefer_named
from assistant.questions.sql import size_column, time_column
from assistant.questions.tagging import Item, Kind
from assistant.source.values import ValueHit, ValueIndex

__all__ = ["Unread", "understand"]


def understand(items: list[Item], catalog: Catalog, values: ValueIndex) -> Plan | Unread:
    """The plan ``items`` ask for, or why they cannot be read."""
    items = _other_side(items)
    unknown = tuple(i for i in items if i.kind is Kind.UNKNOWN)
    if unknown:
        return Unread("unknown", unknown)
    r = Reading(items, catalog, values)
    _merge_columns(r)
    _sales_as_rows(r)
    measure, measured = _measure(r)
    if measure is None and measured is None:
        measured = _counted(r)
        measure = Measure("count", said="count") if measured is not None else None
    main = _main(r, measure, measured)
    if main is None:
        return Unread("I could not tell which table that question is about.")
    plan = Plan(main, measure=measure, notes=r.notes, noun=_noun(r, main))
    problem = group(r, plan) or filters(r, plan) or ranking(r, plan)
    problem = problem or _shown(r, plan) or _left_over(r, plan)
    if problem:
        return Unread(problem)
    return plan


# Items that say something a plan must use; any of them left over means the question
# said more than the plan does, and the reader asks instead of answering less.
_MEANINGFUL = {
    Kind.COLUMN, Kind.VALUE, Kind.NUMBER, Kind.COMPARE, Kind.BETWEEN, Kind.LITERAL,
    Kind.SUPERLATIVE, Kind.UNIT, Kind.TRUTH, Kind.EMPTY, Kind.CONTAINS, Kind.MEASURE,
    Kind.AGGREGATE, Kind.NEGATION, Kind.GROUP, Kind.SORT, Kind.TIME, Kind.DIRECTION,
    Kind.LIMIT, Kind.COUNT,
}  # fmt: skip


def _shown(r: Reading, plan: Plan) -> str | None:
    """ "grades of student 17": a column of another table asked for by rows of this one
    makes that table the main one (the filters stay where they are)."""
    if plan.measure is not None or plan.group is not None or plan.order is not None:
        return None
    for k in r.free(Kind.COLUMN):
        item = r.items[k]
        if item.extra.get("weak") or any(f.table is plan.main.table for f in item.data):
            continue
        for f in item.data:
            if r.catalog.path(f.table.name, plan.main.name) is not None and not f.table.view:
                plan.main = entity_of(r, f)
                r.take(k)
                return None
    return None


def _harmless(r: Reading, plan: Plan, k: int) -> bool:
    """Words that add nothing here: "in total" after a count, "by" before a name ("orders
    handled by Nancy") or a count ("top 3 countries by number of orders")."""
    item = r.items[k]
    if item.kind is Kind.AGGREGATE:
        return item.data == "sum" and plan.measure is not None
    if item.kind is Kind.NUMBER:  # "quick one:", "the one with …"
        return item.text.lower() == "one"
    if item.kind is Kind.NEGATION:  # "not delivered yet": the negation was read
        return item.text.lower() in ("yet", "still") and len(r.free(Kind.NEGATION)) < len(
            [i for i in r.items if i.kind is Kind.NEGATION]
        )
    if item.kind is Kind.GROUP:
        return item.text.lower() == "by" and r.kind(k + 1) not in (Kind.COLUMN, Kind.UNIT)
    if item.kind is Kind.COLUMN:  # a word shared with a column ("line", "teach"), or a
        # column of the rows shown ("the price of chai")
        clause = r.kind(k - 1) in (Kind.HAVING, Kind.SORT, Kind.GROUP, Kind.WHERE)
        mine = any(f.table is plan.main.table for f in item.data)
        return not clause and (bool(item.extra.get("weak")) or (mine and plan.measure is None))
    return False


def _left_over(r: Reading, plan: Plan) -> str | None:
    left = [
        i
        for k, i in enumerate(r.items)
        if k not in r.used and i.kind in _MEANINGFUL and not _harmless(r, plan, k)
    ]
    if not left:
        return None
    said = " ".join(f"“{i.text}”" for i in left)
    return (
        f"I read the question as about “{plan.main.name}”, but not what {said} should do "
        "there. Could you say it another way?"
    )


def _other_side(items: list[Item]) -> list[Item]:
    """ "discontinued vs still active": the words after "vs" name the other side of a
    flag, whatever they are."""
    content = [i for i in items if i.kind is not Kind.FILLER]
    for k, item in enumerate(content[1:], 1):
        if item.kind is Kind.VERSUS and content[k - 1].kind is Kind.COLUMN:
            return [i for i in items if i.start <= item.start or i.kind is not Kind.UNKNOWN]
    return items


def _sales_as_rows(r: Reading) -> None:
    """ "the 3 newest sales", "sales over $5": sales as rows (the orders or invoices), not
    as money; "total sales", "sales per category" stay money."""
    for k, item in enumerate(r.items):
        if item.kind is not Kind.MEASURE or item.text.lower() not in ("sale", "sales"):
            continue
        if r.kind(k - 1) in (Kind.AGGREGATE, Kind.COUNT) or r.free(Kind.GROUP):
            continue
        tables = [e for w in lx.related("sale") for e in r.catalog.entities
                  if e.words[-1:] == (w,) and not e.table.view]  # fmt: skip
        if len({e.name for e in tables}) == 1:
            item.kind, item.data, item.plural = Kind.TABLE, tables[0], True
            r.notes.append(f"I read “{item.text}” as “{tables[0].said.lower()}”")


def _merge_columns(r: Reading) -> None:
    """Two column words close together that name one column: "units … in stock"."""
    k = 0
    while k < len(r.items) - 1:
        a = r.items[k]
        gap = 1 if r.kind(k + 1) is Kind.HAVING and r.kind(k + 2) is Kind.COLUMN else 0
        b = r.items[k + 1 + gap]
        if a.kind is Kind.COLUMN and b.kind is Kind.COLUMN:
            both = [f for f in a.data if f in b.data]
            if both:
                a.data, a.end, a.text = both, b.end, f"{a.text} {b.text}"
                del r.items[k + 1 : k + 2 + gap]
                continue
        k += 1


def _sold(r: Reading) -> tuple[Measure | None, Entity | None]:
    """ "how many standing desks have we sold", "total units sold", "which genre sells the
    most units": the sum of the quantity on the line table (the one with a quantity and
    links to two or more tables)."""
    sold = r.free(Kind.SOLD)
    if not sold:
        return None, None
    lines = [
        e for e in r.catalog.entities
        if not e.table.view and e.having("quantity")
        and sum(link.source == e.name for link in r.catalog.links) >= 2
    ]  # fmt: skip
    if len(lines) != 1:
        return None, None
    line = lines[0]
    quantity = line.having("quantity")[0]
    r.take(*sold)
    measured = any(i.kind in (Kind.COUNT, Kind.AGGREGATE, Kind.SUPERLATIVE) for i in r.items)
    if not measured:  # "what did customer 42 buy": the lines themselves
        return None, line
    for k, item in enumerate(r.items):
        if item.kind is Kind.COUNT or (item.kind is Kind.AGGREGATE and item.data == "sum"):
            r.take(k)
            if r.kind(k + 1) is Kind.TABLE:  # "how many tracks sold": units of tracks
                r.take(k + 1)
        if item.kind is Kind.COLUMN and "quantity" in {role for f in item.data for role in f.roles}:
            r.take(k)  # "units"
    return Measure("sum", quantity, said="units sold"), line


def _measure(r: Reading) -> tuple[Measure | None, Entity | None]:
    """The measure and the table it is measured on (None: the main table, found later)."""
    sold = _sold(r)
    if sold[1] is not None:
        return sold
    for k, item in enumerate(r.items):
        nxt = r.at(k + 1)
        if item.kind is Kind.COUNT:
            r.take(k)
            if nxt and nxt.kind is Kind.COLUMN:
                numeric = [f for f in nxt.data if f.numeric and "id" not in f.words[-1:]]
                if numeric:  # "how many units in stock": a sum
                    r.take(k + 1)
                    f = prefer_named(r, numeric)[0]
                    return Measure("sum", f, said=f"total {f.said}"), entity_of(r, f)
            if nxt and nxt.kind is Kind.TABLE:
                r.take(k + 1)
                return Measure("count", said="count"), nxt.data
            return Measure("count", said="count"), None
        if item.kind is Kind.AGGREGATE or (item.kind is Kind.MEASURE):
            func = item.data if item.kind is Kind.AGGREGATE else "sum"
            target_k = k + 1 if item.kind is Kind.AGGREGATE else k
            target = r.at(target_k)
            if target and target.kind is Kind.MEASURE:
                revenue = _revenue(r.catalog)
                if revenue is None:
                    return None, None
                r.take(k, target_k)
                price = revenue[0]
                return Measure(func, revenue=revenue, said=f"{_func_said(func)} sales"), entity_of(
                    r, price
                )
            if target and target.kind is Kind.TABLE and r.kind(target_k + 1) is Kind.COLUMN:
                on = [f for f in r.items[target_k + 1].data if f.table is target.data.table]
                if on:  # "average invoice total"
                    r.take(target_k)
                    target_k, target = target_k + 1, r.items[target_k + 1]
            if target and target.kind is Kind.TABLE and item.kind is Kind.AGGREGATE:
                size = size_column(target.data.table)  # "mean invoice (amount)": its size
                if size is not None and r.kind(target_k + 1) is not Kind.COLUMN:
                    f = target.data.field(size.name)
                    r.take(k, target_k)
                    return Measure(func, f, said=f"{_func_said(func)} {f.said}"), target.data
            if target and target.kind is Kind.COLUMN:
                numeric = [f for f in target.data if f.numeric] or list(target.data)
                numeric = prefer_named(r, numeric)
                r.take(k, target_k)
                f = numeric[0]
                return Measure(func, f, said=f"{_func_said(func)} {f.said}"), entity_of(r, f)
    # "what is the highest unit price", "lowest product price?": a superlative on a column
    asks_rows = any(i.kind is Kind.QUESTION and i.text.lower() in ("which", "who") for i in r.items)
    for k, item in enumerate(r.items):
        nxt = r.at(k + 1)
        if (
            item.kind is Kind.SUPERLATIVE
            and item.data[1] is None
            and nxt is not None
            and nxt.kind is Kind.COLUMN
            and not asks_rows
            and not r.free(Kind.GROUP)
            and not any(i.kind in (Kind.NUMBER, Kind.TABLE) for i in r.items[:k])
        ):
            numeric = prefer_named(r, [f for f in nxt.data if f.numeric])
            if numeric:
                func = "max" if item.data[0] == "desc" else "min"
                r.take(k, k + 1)
                f = numeric[0]
                return Measure(func, f, said=f"{_func_said(func)} {f.said}"), entity_of(r, f)
    # "when did we get our first order": the earliest time
    if r.items and r.items[0].kind is Kind.QUESTION and r.items[0].text.lower() == "when":
        for k, item in enumerate(r.items):
            nxt = r.at(k + 1)
            if item.kind is Kind.SUPERLATIVE and nxt is not None and nxt.kind is Kind.TABLE:
                time = time_column(nxt.data.table)
                if time is not None:
                    f = nxt.data.field(time.name)
                    func = "max" if item.data[0] == "desc" else "min"
                    r.take(0, k, k + 1)
                    return Measure(func, f, said=f"{_func_said(func)} {f.said}"), nxt.data
    return None, None


def _func_said(func: str) -> str:
    return {"sum": "total", "avg": "average", "max": "highest", "min": "lowest"}.get(func, func)


def _revenue(catalog: Catalog) -> tuple[Field, Field, Field | None] | None:
    """Price × quantity (× (1 − discount)) on the one table that has both, else None."""
    for entity in catalog.entities:
        if entity.table.view:
            continue
        prices = entity.having("price")
        quantities = [f for f in entity.having("quantity") if f not in prices]
        if prices and quantities:
            discounts = entity.having("discount")
            return prices[0], quantities[0], discounts[0] if discounts else None
    return None


def _main(r: Reading, measure: Measure | None, measured: Entity | None) -> Entity | None:
    """The table whose rows are counted, measured or shown."""
    if measured is not None:
        return measured
    tables = r.free(Kind.TABLE)
    grouped = {k + 1 for k in r.free(Kind.GROUP)}
    for k in tables:
        if k not in grouped:
            return r.entity_at(k)
    if tables:
        return r.entity_at(tables[0])
    for k in r.free(Kind.COLUMN):
        fields = prefer_named(r, [f for f in r.items[k].data if not f.table.view])
        if fields:
            return entity_of(r, fields[0])
    for k in r.free(Kind.SUPERLATIVE):  # "who has been with the company the longest"
        role = r.items[k].data[1]
        having = [e for e in r.catalog.entities if role and e.having(role) and not e.table.view]
        if having:
            return having[0]
    for k in r.free(Kind.VALUE):
        hits: list[ValueHit] = r.items[k].data
        return r.catalog.by_name[hits[0].table]
    return None


def _counted(r: Reading) -> Entity | None:
    """ "which shipping company carried the most orders": the table after "the most";
    "which towns have more than 40 students": the table after a number, grouped."""
    tables = r.free(Kind.TABLE)
    for k in r.free(Kind.COMPARE):
        if r.kind(k + 1) is Kind.NUMBER and r.kind(k + 2) is Kind.TABLE:
            grouped = [j for j in r.free(Kind.COLUMN) if j < k] + [j for j in tables if j < k]
            if grouped and r.kind(grouped[0] - 1) is Kind.QUESTION:
                return r.entity_at(k + 2)
    for k in r.free(Kind.SUPERLATIVE):
        nxt = r.at(k + 1)
        counts = len(tables) > 1 or bool(r.free(Kind.COLUMN))  # something else is grouped
        if r.items[k].data[1] is None and nxt and nxt.kind is Kind.TABLE and counts:
            r.take(k + 1)
            return r.entity_at(k + 1)
    return None


def _noun(r: Reading, main: Entity) -> str:
    for item in r.items:
        if item.kind is Kind.TABLE and item.data is main:
            return item.fixed or item.text.lower()
    return main.said.lower()
