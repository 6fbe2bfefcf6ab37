"""The state of one reading: the question's items (filler dropped), which are used, notes.

Each step of :mod:`~assistant.questions.understanding` takes the items it reads, so no
word counts twice and what is left over can be asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.questions.catalog import Catalog, Entity, Field
from assistant.questions.sql import time_column
from assistant.questions.tagging import Item, Kind
from assistant.source.values import ValueIndex

__all__ = [
    "Reading",
    "Unread",
    "entity_of",
    "fields_of",
    "prefer_named",
    "reachable",
    "time_field",
]


@dataclass(frozen=True)
class Unread:
    """What stopped the reading, in words, and the words it did not know."""

    problem: str
    unknown: tuple[Item, ...] = ()


class Reading:
    def __init__(self, items: list[Item], catalog: Catalog, values: ValueIndex) -> None:
        self.items = [i for i in items if i.kind is not Kind.FILLER]
        self.catalog, self.values = catalog, values
        self.used: set[int] = set()
        self.notes: list[str] = [
            f"I read “{i.text}” as “{i.fixed}”" for i in items if i.fixed is not None
        ]
        self.notes += [i.extra["note"] for i in items if "note" in i.extra]

    # -- helpers over the items
    def at(self, k: int) -> Item | None:
        return self.items[k] if 0 <= k < len(self.items) else None

    def kind(self, k: int) -> Kind | None:
        item = self.at(k)
        return item.kind if item else None

    def take(self, *ks: int) -> None:
        self.used.update(ks)

    def free(self, kind: Kind) -> list[int]:
        return [k for k, i in enumerate(self.items) if i.kind is kind and k not in self.used]

    def entity_at(self, k: int) -> Entity:
        """The table item ``k`` names."""
        entity: Entity = self.items[k].data
        return entity

    def first(self, kind: Kind) -> int | None:
        found = self.free(kind)
        return found[0] if found else None


def fields_of(item: Item, entity: Entity | None = None) -> list[Field]:
    fields: list[Field] = item.data
    if entity is not None:
        return [f for f in fields if f.table is entity.table]
    return fields


def entity_of(r: Reading, f: Field) -> Entity:
    return r.catalog.by_name[f.table.name]


def prefer_named(r: Reading, fields: list[Field]) -> list[Field]:
    """``fields`` on tables the question names first ("the average price of products")."""
    named = {i.data.name for i in r.items if i.kind is Kind.TABLE}
    return sorted(fields, key=lambda f: f.table.name not in named)


def reachable(r: Reading, main: Entity, fields: list[Field]) -> Field | None:
    """The first of ``fields`` on the main table, else on a table it links up to."""
    own = [f for f in fields if f.table is main.table]
    if own:
        return own[0]
    for f in fields:
        if r.catalog.up(main.name, f.table.name) is not None:
            return f
    return None


def time_field(r: Reading, entity: Entity) -> Field | None:
    """The time a table's rows are filtered, grouped and ranked by: its time column, else a
    year kept as a number (ReleaseYear), else the time of a table it links up to (an
    invoice line's invoice date)."""
    column = time_column(entity.table)
    if column is not None:
        return entity.field(column.name)
    years = entity.having("year")
    if years:
        return years[0]
    linked = []
    for other in r.catalog.entities:
        path = None if other is entity else r.catalog.up(entity.name, other.name)
        column = time_column(other.table)
        if path is not None and column is not None and not other.table.view:
            linked.append((len(path), other.field(column.name)))
    return min(linked, key=lambda t: t[0])[1] if linked else None
