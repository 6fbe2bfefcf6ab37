"""Which column holds a phrase, and the exact values it means: an index of short values.

People ask for "customers in munich" while the data says ``'München'``, "suppliers in
germny", "sales reps" for ``'Sales Representative'``. An offline question reader cannot
OR every text column of every table to find out, so :meth:`ValueIndex.build` reads the
distinct values of each short text column once (at most ``max_distinct`` of them, each at
most ``MAX_VALUE_CHARS`` long) and keeps them *folded*: any case, no accents, punctuation
as spaces (:func:`fold`). The reader then asks, in this order:

- :meth:`~ValueIndex.find`: values equal to the phrase folded, or to another name of the
  same place (:mod:`assistant.source.exonyms`: "munich" finds ``'München'``);
- :meth:`~ValueIndex.near`: a typo away ("germny" finds ``'Germany'``);
- :meth:`~ValueIndex.prefixed`: the value's words start with the phrase's ("sales reps");
- :meth:`~ValueIndex.distinct`: every value of a column with at most three, of any kind,
  so flag columns (Northwind's ``Discontinued`` holds the *text* ``'0'``/``'1'``) are
  compared with what they hold.

Every hit names the stored values exactly as stored (``'Sweden'`` and ``'Sweden '`` both,
when both exist), for an ``IN (...)`` that matches what the data says.

The build reads through a short-lived read-only connection, like
:func:`assistant.source.schema.introspect`, and stays cheap on big tables: a column
stops being read once it shows more than ``max_distinct`` values (``SELECT DISTINCT ...
LIMIT``; on PostgreSQL, whose hashed DISTINCT reads the whole table first, a sample of the
first rows is looked at before). A memory cap (``max_bytes``) and a time budget end it
early; the index says so (``complete``) and which columns it left out (``skipped``).
How the database is read is :mod:`assistant.source.value_reader`; keeping a source's
index fresh, :mod:`assistant.source.value_cache`.

    >>> fold("  México D.F. ")
    'mexico d f'
    >>> index = ValueIndex.from_values({("customers", "city"): ["München", "Berlin"]})
    >>> [(h.column, h.values, h.how) for h in index.find("Munich")]
    [('city', ('München',), 'exonym')]
    >>> [(h.values, h.distance) for h in index.near("Berlni")]
    [(('Berlin',), 1)]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.source.exonyms import exonyms_of, names_around
from assistant.source.folding import fold
from assistant.source.schema import Schema, Table
from assistant.source.value_reader import (
    FLAG_VALUES,
    MAX_VALUE_CHARS,
    Failed,
    Reader,
    Stopped,
    open_reader,
    text_like,
)

__all__ = [
    "MAX_BYTES",
    "MAX_DISTINCT",
    "MAX_VALUE_CHARS",
    "ValueHit",
    "ValueIndex",
    "exonyms_of",
    "fold",
]

MAX_DISTINCT = 2_000
"""A column with more distinct values than this holds names, e-mails or notes: not indexed."""
MAX_BYTES = 64 << 20
"""The default memory cap of an index (its own estimate of what it holds)."""
BUDGET_SECONDS = 60.0
"""The default time a build may take; what it has not read by then is left out."""


@dataclass(frozen=True)
class ValueHit:
    """A column holding values a phrase means, and how it means them.

    ``how`` is ``"exact"`` (equal folded), ``"exonym"`` (another name of the place),
    ``"typo"`` (``distance`` edits away), ``"words"`` (the phrase is the value's first
    words, up to a plural: "dairy" for ``'Dairy Products'``) or ``"prefix"`` (the
    phrase's words start the value's: "sales reps" for ``'Sales Representative'``).
    ``distance`` is 0 for all but typos.
    """

    table: str
    column: str
    values: tuple[Any, ...]  # exactly as stored, every spelling that folds the same
    distance: int
    how: str


_Entry = tuple[int, Any]  # (column number, a value as stored)


class ValueIndex:
    """The short values of a source's text columns, folded, and its flag columns."""

    def __init__(
        self,
        columns: tuple[tuple[str, str], ...],
        entries: Mapping[str, tuple[_Entry, ...]],
        flags: Mapping[tuple[str, str], tuple[Any, ...]],
        *,
        nbytes: int = 0,
        complete: bool = True,
        skipped: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self._columns = columns
        self._entries = dict(entries)
        self._flags = dict(flags)
        self._nbytes = nbytes
        self._complete = complete
        self._skipped = skipped
        # near() looks only at values as long as the phrase give or take its distance;
        # prefixed() only at values whose first word starts like the phrase's.
        self._by_length: dict[int, list[str]] = {}
        self._by_start: dict[str, list[str]] = {}
        for key in self._entries:
            self._by_length.setdefault(len(key), []).append(key)
            self._by_start.setdefault(key[:3], []).append(key)

    @classmethod
    def build(
        cls,
        url: str,
        schema: Schema,
        *,
        max_distinct: int = MAX_DISTINCT,
        max_bytes: int = MAX_BYTES,
        db_schema: str | None = None,
        budget: float = BUDGET_SECONDS,
    ) -> ValueIndex:
        """The index of the base tables of ``schema`` in the database at ``url``.

        ``db_schema`` is the PostgreSQL schema ``schema`` was read from (default: the
        connection's current one). Raises BadInput when the database cannot be reached;
        a table that cannot be read is left out (listed in ``skipped``).
        """
        builder = _Builder(max_distinct, max_bytes)
        deadline = time.monotonic() + budget
        with open_reader(url, db_schema, budget) as reader:
            tables = [t for t in schema.tables if not t.view]
            for number, table in enumerate(tables):
                if time.monotonic() > deadline:
                    builder.leave_out(tables[number:])
                    break
                try:
                    builder.read(reader, table)
                except Stopped:
                    builder.leave_out(tables[number:])
                    break
        return builder.index()

    @classmethod
    def empty(cls) -> ValueIndex:
        """An index that knows no value (while the real one is being built)."""
        return cls((), {}, {}, complete=False)

    @classmethod
    def from_values(cls, columns: Mapping[tuple[str, str], Iterable[Any]]) -> ValueIndex:
        """An index of the given ``(table, column)`` values, for tests and examples."""
        builder = _Builder(MAX_DISTINCT, MAX_BYTES)
        for (table, column), values in columns.items():
            builder.add(table, column, True, set(values))
        return builder.index()

    def find(self, phrase: str) -> list[ValueHit]:
        """Columns holding a value equal to ``phrase`` after folding, or through the exonym
        table (munich → München, united kingdom → UK, deutschland → Germany, cologne →
        Köln). One hit per (table, column), exact ones first."""
        key = fold(phrase)
        if not key:
            return []
        found = _Found()
        found.add(self._entries.get(key, ()), 0, "exact")
        for other in exonyms_of(key):
            found.add(self._entries.get(other, ()), 0, "exonym")
        return found.hits(self._columns)

    def near(self, phrase: str) -> list[ValueHit]:
        """Typos: values within OSA edit distance 1 (folded phrase of 4-7 chars) or 2
        (8+ chars); nothing for shorter phrases; best distance first. A typo of another
        name of a place counts too ("deutchland" finds ``'Germany'``). Meant for when
        :meth:`find` has nothing; each column's hit holds its values nearest the phrase."""
        key = fold(phrase)
        if len(key) < 4:
            return []
        most = 1 if len(key) <= 7 else 2
        found = _Found()
        for other, distance in _nearest(key, self._keys_around(len(key), most), most):
            found.add(self._entries[other], distance, "typo")
        for name, distance in _nearest(key, names_around(len(key), most), most):
            for other in (name, *exonyms_of(name)):
                found.add(self._entries.get(other, ()), distance, "typo")
        return found.hits(self._columns)

    def prefixed(self, phrase: str) -> list[ValueHit]:
        """Values whose folded words start with the phrase's words in order, each phrase
        word (3+ letters, a trailing plural 's' dropped) a prefix of its value word and the
        value having no more words than the phrase + 1: 'sales reps' → 'Sales
        Representative', 'dairy' → 'Dairy Products', 'beverage' → 'Beverages'.

        Hits whose words are the phrase's, up to a plural ("words"), come before the
        others ("prefix"); each kind is sorted by how much the value adds to the phrase.
        """
        words = fold(phrase).split()
        stems = [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words]
        if not stems or any(len(stem) < 3 for stem in stems):
            return []
        ranked: list[tuple[int, int, str]] = []
        for key in self._by_start.get(stems[0][:3], ()):
            value_words = key.split()
            if not len(stems) <= len(value_words) <= len(stems) + 1:
                continue
            pairs = list(zip(words, stems, value_words, strict=False))
            if all(v.startswith(stem) for _, stem, v in pairs):
                whole = all(v in (word, stem, stem + "s") for word, stem, v in pairs)
                ranked.append((0 if whole else 1, len(key) - len(" ".join(words)), key))
        found = _Found()
        for rank, _, key in sorted(ranked):
            found.add(self._entries[key], 0, "words" if rank == 0 else "prefix")
        return found.hits(self._columns, keep_order=True)

    def distinct(self, table: str, column: str) -> tuple[Any, ...] | None:
        """Every distinct non-null value of a column with at most 3 of them, of ANY kind
        (integer, text '0'/'1', 'Y'/'N', booleans), so the reader can tell flag columns
        (Northwind's Products.Discontinued is TEXT '0'/'1'); None when the column has more
        or was not looked at."""
        return self._flags.get((table, column))

    @property
    def nbytes(self) -> int:
        """The memory the index holds, estimated as it was built (within about 2×)."""
        return self._nbytes

    @property
    def complete(self) -> bool:
        """False when the memory cap or the time budget stopped the build early."""
        return self._complete

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """The (table, column) pairs left out because of the memory cap or time budget."""
        return self._skipped

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        state = "complete" if self._complete else f"incomplete, {len(self._skipped)} skipped"
        return f"<ValueIndex {len(self._entries)} values, {self._nbytes} bytes, {state}>"

    def _keys_around(self, length: int, most: int) -> list[str]:
        return [
            k for n in range(length - most, length + most + 1) for k in self._by_length.get(n, ())
        ]


def _nearest(key: str, choices: list[str], most: int) -> list[tuple[str, int]]:
    if not choices:
        return []
    found = process.extract(key, choices, scorer=OSA.distance, score_cutoff=most, limit=None)
    return [(choice, int(distance)) for choice, distance, _ in found]


class _Found:
    """Hits gathered column by column: a column keeps its values at its best distance."""

    def __init__(self) -> None:
        self._by_column: dict[int, tuple[int, str, dict[Any, None]]] = {}

    def add(self, entries: Iterable[_Entry], distance: int, how: str) -> None:
        for column, value in entries:
            best = self._by_column.get(column)
            if best is None or distance < best[0]:
                self._by_column[column] = (distance, how, {value: None})
            elif distance == best[0]:
                best[2][value] = None

    def hits(
        self, columns: tuple[tuple[str, str], ...], *, keep_order: bool = False
    ) -> list[ValueHit]:
        order = list(self._by_column.items())
        if not keep_order:
            order.sort(key=lambda item: (item[1][0], item[1][1] != "exact", item[0]))
        return [
            ValueHit(*columns[column], _sorted(values), distance, how)
            for column, (distance, how, values) in order
        ]


def _sorted(values: Iterable[Any]) -> tuple[Any, ...]:
    try:
        return tuple(sorted(values, key=lambda v: (type(v).__name__, v)))
    except TypeError:
        return tuple(values)


class _Builder:
    """Gathers columns while they fit under the memory cap."""

    def __init__(self, max_distinct: int, max_bytes: int) -> None:
        self.max_distinct = max_distinct
        self.max_bytes = max_bytes
        self.columns: list[tuple[str, str]] = []
        self.entries: dict[str, list[_Entry]] = {}
        self.flags: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.skipped: list[tuple[str, str]] = []
        self.nbytes = sys.getsizeof(self.entries)

    def read(self, reader: Reader, table: Table) -> None:
        text = [c for c in table.columns if text_like(c)]
        flags = [c for c in table.columns if not text_like(c) and reader.comparable(c)]
        try:
            found = reader.distinct_values(table.name, text, flags, self.max_distinct)
        except Failed:
            self.skipped.extend((table.name, c.name) for c in text)
            return
        for column in [*text, *flags]:
            values = found.get(column.name)
            if values is not None:
                self.add(table.name, column.name, column in text, values)

    def add(self, table: str, column: str, text: bool, values: set[Any]) -> None:
        """Index the distinct non-null ``values`` of a column (more than max_distinct: a
        column that was cut short, indexed only for its flags if it has so few)."""
        if len(values) <= FLAG_VALUES and not any(_long(v) for v in values):
            self.flags[(table, column)] = _sorted(values)
            self.nbytes += 200
        if not text or len(values) > self.max_distinct:
            return
        short = [v for v in values if isinstance(v, str) and len(v) <= MAX_VALUE_CHARS]
        folded = [(fold(v), v) for v in short]
        cost = sum(self._cost(key, value) for key, value in folded)
        if self.nbytes + cost > self.max_bytes:
            self.skipped.append((table, column))
            return
        number = len(self.columns)
        self.columns.append((table, column))
        for key, value in folded:
            if key:
                self.entries.setdefault(key, []).append((number, value))
        self.nbytes += cost

    def leave_out(self, tables: list[Table]) -> None:
        self.skipped.extend((t.name, c.name) for t in tables for c in t.columns if text_like(c))

    def index(self) -> ValueIndex:
        entries = {key: tuple(found) for key, found in self.entries.items()}
        return ValueIndex(
            tuple(self.columns),
            entries,
            self.flags,
            nbytes=self.nbytes,
            complete=not self.skipped,
            skipped=tuple(self.skipped),
        )

    def _cost(self, key: str, value: str) -> int:
        # an (int, value) tuple in a list, the value itself; a new key adds its string,
        # its dict slot, the tuple that holds its entries and two list slots (near, prefix)
        cost = 72 + sys.getsizeof(value)
        if key not in self.entries:
            cost += sys.getsizeof(key) + 150
        return cost


def _long(value: Any) -> bool:
    return isinstance(value, str | bytes) and len(value) > MAX_VALUE_CHARS
