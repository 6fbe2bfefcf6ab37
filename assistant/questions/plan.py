"""The query plan a question is read into: small, typed, and independent of SQL dialects.

A plan is about one *main* table (the rows counted, summed or shown). Filters may sit on
other tables, reached along the catalog's links; grouping by another table follows
many-to-one links only, so no row is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.questions.catalog import Entity, Field

__all__ = ["Filter", "Group", "Measure", "Order", "Plan"]


@dataclass(frozen=True)
class Filter:
    """``field op value``; ``op`` is one of = != > >= < <= in between window null
    notnull positive nonpositive. ``said`` is the filter in words as it follows a noun,
    for replies: "with city “Berlin”", "this week", "that are discontinued"."""

    field: Field
    op: str
    value: Any
    said: str


@dataclass(frozen=True)
class Measure:
    """count (of rows, ``field`` None), sum, avg, min or max of ``field``, or of the
    revenue of a line table (``revenue``: price, quantity and discount fields)."""

    func: str
    field: Field | None = None
    revenue: tuple[Field, Field, Field | None] | None = None
    said: str = ""


@dataclass(frozen=True)
class Group:
    """Rows grouped by ``fields`` (and ``key``, when grouping by another table's rows), or
    by a time ``unit`` of the ``time`` field."""

    fields: tuple[Field, ...] = ()
    key: Field | None = None
    unit: str | None = None
    time: Field | None = None


@dataclass(frozen=True)
class Order:
    """Sorted by ``field`` (or by the measure when ``field`` is None)."""

    field: Field | None
    descending: bool


@dataclass
class Plan:
    main: Entity
    filters: list[Filter] = field(default_factory=list)
    measure: Measure | None = None
    group: Group | None = None
    order: Order | None = None
    limit: int | None = None
    having: tuple[str, float] | None = None  # on the measure: (">", 5)
    notes: list[str] = field(default_factory=list)
    noun: str = ""  # the main table as the question said it: "clients"
