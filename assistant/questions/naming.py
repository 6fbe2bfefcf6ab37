"""Tables and columns named in a question: up to four words, in any naming style, by stem,
synonym or phrase ("shipping companies" → Shippers, "product price" → Products.UnitPrice,
"shipped" → the columns it is one word of)."""

from __future__ import annotations

from collections.abc import Callable

from assistant.questions import lexicon as lx
from assistant.questions.catalog import Catalog, Entity, Field
from assistant.questions.grammar import Item, Kind

__all__ = ["Vocabulary", "fields_of", "named_at", "stems", "vocabulary"]

Vocabulary = dict[str, set[int]]


def vocabulary(catalog: Catalog) -> Vocabulary:
    """Canonical word → the indexes of the fields (in ``_fields``) it can help name."""
    index: dict[str, set[int]] = {}
    for k, f in enumerate(fields_of(catalog)):
        for word in set(f.words):
            index.setdefault(word, set()).add(k)
    return index


def fields_of(catalog: Catalog) -> list[Field]:
    return [f for e in catalog.entities for f in e.fields]


def stems(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The canonical stems of ``words``: as said, then with phrases read as one thing
    ("shipping company" → shipper) when that differs."""
    stems = tuple(lx.stem(p) for w in words for p in lx.split_name(w))
    readings = [stems]
    for n in range(len(stems), 0, -1):
        for k in range(len(stems) - n + 1):
            if stems[k : k + n] in lx.PHRASES:
                readings.append(stems[:k] + lx.PHRASES[stems[k : k + n]] + stems[k + n :])
    return [tuple(lx.canonical_stem(s) for s in reading) for reading in readings]


def named_at(
    low: list[str],
    i: int,
    said_at: Callable[[int, int], str],
    catalog: Catalog,
    vocabulary: Vocabulary,
) -> Item | None:
    """A table or column named by the words at ``i`` (up to four of them)."""
    fields = fields_of(catalog)
    for n in range(min(4, len(low) - i), 0, -1):
        raw = tuple(low[i : i + n])
        if n > 1 and raw[-1] in lx.FILLER and raw[-1] not in lx.GENERIC:
            continue
        if not all(any(ch.isalpha() for ch in w) for w in raw):
            continue  # "total >": a name is words only
        # "total", "type", "list price": words that are filler elsewhere name a column only
        # with its whole name
        exact = raw[0] in lx.FILLER
        if n > 1 and raw[-1] in lx.GENERIC:
            raw = raw[:-1]  # "freight charge" names Freight
        said = said_at(i, i + n)
        readings = stems(raw)
        for tables_only in (True, False):  # any reading naming a table, then columns
            for words in readings:
                item = _named(words, raw, said, (i, i + n), catalog, vocabulary, fields,
                              tables_only=tables_only, exact=exact)  # fmt: skip
                if item is not None:
                    return item
    return None


def _named(
    words: tuple[str, ...],
    raw: tuple[str, ...],
    said: str,
    span: tuple[int, int],
    catalog: Catalog,
    vocabulary: Vocabulary,
    fields: list[Field],
    *,
    tables_only: bool,
    exact: bool = False,
) -> Item | None:
    """The table, else (unless ``tables_only``) the columns, that ``words`` name."""
    start, end = span
    tables = [e for e in catalog.entities if e.words == words and not _yields(e, catalog)]
    weak = not tables  # named by part of its name, a neighbour or a verb: a value beats it
    tables = tables or _agents(raw, catalog)
    if not tables and not exact:  # "orders" for "Sales Orders", "catalog" for Catalog Items,
        # when no other table ends (or starts) so; "teach" for teachers
        for part in (slice(-1, None), slice(0, 1)):
            ends = [e for e in catalog.entities if len(words) == 1 and e.words[part] == words
                    and not e.table.view]  # fmt: skip
            if len(ends) == 1:
                tables = ends
                break
        if not tables and _related(words, catalog):  # said back: "invoices" read as orders
            tables = _related(words, catalog)
            note = f"I read “{said}” as “{tables[0].said.lower()}”"
            return Item(Kind.TABLE, start, end, said, tables[0], plural=_plural(raw[-1]),
                        extra={"weak": True, "note": note})  # fmt: skip
    if tables:
        tables.sort(key=lambda e: e.table.view)  # a table before a view of the same name
        return Item(Kind.TABLE, start, end, said, tables[0], plural=_plural(raw[-1]),
                    extra={"weak": weak})  # fmt: skip
    if tables_only or not all(w in vocabulary or _table_word(w, catalog) for w in words):
        return None
    if exact:
        found = [f for f in fields if f.words == words and not f.table.view]
        return Item(Kind.COLUMN, start, end, said, found) if found else None
    found = [f for f in fields if _names(words, f) and not f.table.view]
    found.sort(key=lambda f: (len(set(f.words) - set(words)), len(f.words)))
    weak = not found
    if len(words) == 1:  # then columns it is one word of: "shipped" → ShippedDate, ShipCity…
        found += [f for f in fields if words[0] in f.own and not f.table.view
                  and f not in found]  # fmt: skip
    if found:
        return Item(Kind.COLUMN, start, end, said, found, extra={"weak": weak})
    return None


def _yields(entity: Entity, catalog: Catalog) -> bool:
    """A view whose name ends like a base table's ("Open Orders" and "Sales Orders") yields:
    "open orders" reads as a value and the base table, which filters and joins can use."""
    if not entity.table.view:
        return False
    return any(e.words[-1:] == entity.words[-1:] for e in catalog.entities if not e.table.view)


def _related(words: tuple[str, ...], catalog: Catalog) -> list[Entity]:
    """ "orders" where there are invoices and no orders (one word, one table)."""
    if len(words) != 1:
        return []
    found = [e for w in lx.related(words[0]) for e in catalog.entities
             if e.words[-1:] == (w,) and not e.table.view]  # fmt: skip
    return found[:1] if len({e.name for e in found}) == 1 else []


def _agents(raw: tuple[str, ...], catalog: Catalog) -> list[Entity]:
    """ "who teaches": the table of those who do it (teachers, suppliers, instructors)."""
    if len(raw) != 1 or raw[0].endswith(("er", "ers", "or", "ors")):
        return []
    base = lx.stem(raw[0])
    found = []
    for ending in ("er", "or", "r"):
        agent = lx.canonical(base + ending)
        found += [e for e in catalog.entities if e.words == (agent,) and not e.table.view]
    return found[:1]


def _plural(word: str) -> bool:
    return (word.endswith("s") and not word.endswith("ss")) or word in lx.PLURALS


def _table_word(word: str, catalog: Catalog) -> bool:
    return any(word in e.words for e in catalog.entities)


def _names(words: tuple[str, ...], f: Field) -> bool:
    """Whether ``words`` name column ``f``: its own words, or some of its words with its
    last one, optionally with its table's words ("product price" → Products.UnitPrice)."""
    mine = set(f.words)
    table = set(_entity_words(f))
    said = set(words)
    if not said & mine or not said <= mine | table:
        return False
    if words == f.own or words == f.words:
        return True
    return f.words[-1] in said or (len(said & mine) >= 1 and len(f.own) >= 1 and f.own[-1] in said)


def _entity_words(f: Field) -> tuple[str, ...]:
    return tuple(lx.canonical(w) for w in lx.split_name(f.table.name))
