"""A schema as words: what each table and column is called, what it is for, how tables link.

Built once per schema (cached) from names and declared types only, in any naming style:
``Customers.CompanyName``, ``order_items.unit_price``, ``"Order Details"``. For each table
it finds

- its *words* (canonical stems, singular: "Order Details" → ``order detail``),
- its *key* (the declared single-column primary key, else ``id`` or ``<table>_id``),
- its *labels*, the columns that name a row for people (``ProductName``, ``name``,
  ``FirstName`` + ``LastName``, ``CompanyName``),
- its *links* to other tables: declared foreign keys, and the naming conventions people
  use without declaring them (``customer_id`` → ``customers.id``, ``CustomerId`` →
  ``Customer.CustomerId``);

and for each column its words and *roles*: time, price, quantity, age (a birth date),
tenure (a hire date), place, key. Views are kept out of joins and matched only by their
whole name.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from assistant.questions.lexicon import canonical, split_name
from assistant.questions.sql import is_time
from assistant.source.schema import Column, Schema, Table

__all__ = ["Catalog", "Entity", "Field", "Link", "Step"]

NUMBERS = ("integer", "decimal", "float")
_PLACES = {
    canonical(w) for w in ("city", "country", "region", "state", "province", "location", "town")
}
_PRICES = {
    canonical(w) for w in ("price", "cost", "amount", "total", "value", "revenue", "sum", "fee")
}
_NAMING = {  # "<word> name" columns that name a row: CompanyName, full_name
    canonical(w)
    for w in ("company", "full", "display", "business", "legal", "trade", "brand", "user")
}
_QUANTITIES = {canonical(w) for w in ["quantity", "units", "count", "qty"]}


@dataclass(frozen=True)
class Field:
    """One column as words, and the roles it can play in a question."""

    table: Table
    column: Column
    words: tuple[str, ...]  # canonical stems of the name: UnitPrice → (unit, price)
    own: tuple[str, ...]  # without the table's own words: ProductName in Products → (name,)
    roles: frozenset[str]

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def numeric(self) -> bool:
        return self.column.kind in NUMBERS

    @property
    def said(self) -> str:
        """The column as people say it: "unit price"."""
        return " ".join(split_name(self.column.name))


@dataclass(frozen=True)
class Link:
    """``columns`` of ``source`` hold the ``references`` (the key) of ``target``."""

    source: str
    columns: tuple[str, ...]
    target: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One hop of a join path: from ``table`` (its ``columns``) to ``to`` (its ``keys``)."""

    table: str
    columns: tuple[str, ...]
    to: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Entity:
    """One table as words."""

    table: Table
    words: tuple[str, ...]
    fields: tuple[Field, ...]
    key: Field | None
    labels: tuple[Field, ...]

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def said(self) -> str:
        return " ".join(split_name(self.table.name))

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def having(self, role: str) -> list[Field]:
        return [f for f in self.fields if role in f.roles]


class Catalog:
    """Every table of a schema as an :class:`Entity`, and the links between them."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.entities = tuple(_entity(t) for t in schema.tables)
        self.by_name = {e.name: e for e in self.entities}
        self.links = _links(self.entities)

    @staticmethod
    @functools.lru_cache(maxsize=8)
    def of(schema: Schema) -> Catalog:
        return Catalog(schema)

    def path(self, start: str, goal: str, *, hops: int = 3) -> list[Step] | None:
        """The shortest join path from ``start`` to ``goal`` along links (either way)."""
        if start == goal:
            return []
        seen = {start}
        queue: deque[tuple[str, list[Step]]] = deque([(start, [])])
        while queue:
            here, steps = queue.popleft()
            if len(steps) >= hops:
                continue
            for step in self._steps(here):
                if step.to in seen:
                    continue
                if step.to == goal:
                    return [*steps, step]
                seen.add(step.to)
                queue.append((step.to, [*steps, step]))
        return None

    def up(self, start: str, goal: str, *, hops: int = 3) -> list[Step] | None:
        """A path from ``start`` to ``goal`` only along many-to-one links (no fan-out):
        each row of ``start`` meets at most one row of ``goal``."""
        path = self.path(start, goal, hops=hops)
        if path is None or any(not self._many_to_one(step) for step in path):
            return None
        return path

    def _steps(self, table: str) -> list[Step]:
        steps = []
        for link in self.links:
            if link.source == table and link.target != table:
                steps.append(Step(table, link.columns, link.target, link.references))
            elif link.target == table and link.source != table:
                steps.append(Step(table, link.references, link.source, link.columns))
        return steps

    def _many_to_one(self, step: Step) -> bool:
        return any(
            link.source == step.table and link.target == step.to and link.columns == step.columns
            for link in self.links
        )


def _entity(table: Table) -> Entity:
    words = tuple(canonical(w) for w in split_name(table.name))
    fields = tuple(_field(table, column, words) for column in table.columns)
    key = _key(table, fields, words)
    return Entity(table, words, fields, key, _labels(fields, words, key))


def _field(table: Table, column: Column, table_words: tuple[str, ...]) -> Field:
    words = tuple(canonical(w) for w in split_name(column.name))
    own = tuple(w for w in words if w not in table_words) or words
    roles = set()
    numeric = column.kind in NUMBERS
    if is_time(column):
        roles.add("time")
        if canonical("birth") in words:
            roles.add("age")
        if canonical("hire") in words:
            roles.add("tenure")
    raw = split_name(column.name)
    if numeric and words[-1] != "id" and words[-1] in _PRICES | {canonical("freight")}:
        # a selling price ranks "expensive" before a cost, a tuition or a fee
        priced = "price" in raw or "prices" in raw
        roles.add("price" if priced else "cost" if words[-1] == canonical("price") else "money")
    if numeric and canonical("duration") in words:
        roles.add("duration")
    if column.kind == "integer" and "year" in raw and len(raw) > 1:
        roles.add("year")  # ReleaseYear, year_founded: a year as a number
    if numeric and words[-1] != "id" and set(words) & _QUANTITIES:
        roles.add("quantity")
    if numeric and canonical("discount") in words:
        roles.add("discount")
    if words[-1] in _PLACES and not numeric:
        roles.add("place")
    return Field(table, column, words, own, frozenset(roles))


def _key(table: Table, fields: tuple[Field, ...], words: tuple[str, ...]) -> Field | None:
    if len(table.primary_key) == 1:
        return next(f for f in fields if f.name == table.primary_key[0])
    for field in fields:
        if field.words == ("id",) or field.words == (*words, "id"):
            return field
    return None


def _labels(
    fields: tuple[Field, ...], words: tuple[str, ...], key: Field | None
) -> tuple[Field, ...]:
    texts = [f for f in fields if f.column.kind in ("text", "other") and f is not key]
    first = [f for f in texts if f.words[-2:] == (canonical("first"), "name")]
    last = [f for f in texts if f.words[-2:] == (canonical("last"), "name")]
    if first and last:
        return (first[0], last[0])
    name = canonical("name")
    tests: tuple[Callable[[Field], bool], ...] = (
        lambda f: f.own == (name,),
        lambda f: f.words == (*words, name),
        lambda f: f.words[-1] == name and f.words[0] in _NAMING,
        lambda f: f.words[-1] == name and f.words[0] in words,  # "Item Name" in Catalog Items
        lambda f: f.words[-1] in (canonical("title"), canonical("description")),
    )
    for test in tests:
        found = [f for f in texts if test(f)]
        if found:
            return (found[0],)
    return ()


def _links(entities: tuple[Entity, ...]) -> tuple[Link, ...]:
    """Declared foreign keys, then columns named after another table's key."""
    links: list[Link] = []
    tables = [e for e in entities if not e.table.view]
    declared: set[tuple[str, str]] = set()
    for entity in tables:
        for fk in entity.table.foreign_keys:
            links.append(Link(entity.name, fk.columns, fk.table, fk.references))
            declared.update((entity.name, c) for c in fk.columns)
    for entity in tables:
        for field in entity.fields:
            if (entity.name, field.name) in declared or field is entity.key:
                continue
            target = _named_key(field, entity, tables)
            if target is not None and target.key is not None:
                links.append(Link(entity.name, (field.name,), target.name, (target.key.name,)))
    return tuple(links)


def _named_key(field: Field, entity: Entity, tables: list[Entity]) -> Entity | None:
    """The table ``field`` refers to by name: ``customer_id`` → customers (key ``id`` or
    ``customer_id``), ``CustomerID`` → Customers (key ``CustomerID``)."""
    if len(field.words) < 2 or field.words[-1] != "id":
        return None
    stem = field.words[:-1]
    for other in tables:
        if other is entity or other.key is None:
            continue
        same_key = other.key.name.lower() == field.name.lower()
        if same_key or other.words == stem or other.words[-1:] == stem:
            return other
    return None
