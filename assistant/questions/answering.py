"""One question, read end to end: tagged, understood into a plan, written as SQL.

Unknown words never become filters: a word one or two letters from something the
reader knows gets "did you mean …?" with the rewritten questions as choices; a word
nothing resembles gets a plain "I don't know “salary”" with what can be asked instead.
"""

from __future__ import annotations

import datetime as dt

from rapidfuzz import fuzz, process

from assistant.questions.catalog import Catalog
from assistant.questions.replies import Answer, DidYouMean, Translation, cannot, title
from assistant.questions.tagging import Item, Kind, tag
from assistant.questions.understanding import Unread, understand
from assistant.questions.writing import write
from assistant.source.schema import Schema
from assistant.source.values import ValueIndex

__all__ = ["answer"]


def answer(
    question: str, schema: Schema, now: dt.datetime, dialect: str, values: ValueIndex
) -> Answer:
    catalog = Catalog.of(schema)
    items = tag(question, catalog, values, now)
    plan = understand(items, catalog, values)
    if isinstance(plan, Unread):
        return _unread(question, plan, catalog)
    written = write(plan, catalog, dialect, now)
    named = question
    for item in items:  # the title spells words right: "show custmers" → "Customers"
        fixes = item.extra.get("fixes", [])
        if item.fixed is not None:
            right = item.data.said.lower() if item.kind is Kind.TABLE else item.fixed
            fixes = [(item.text, right)]
        for wrong, right in fixes:
            named = named.replace(wrong, right, 1)
    return Translation(
        written.sql,
        title(named.strip().rstrip("?!. ")),
        said=written.said,
        notes=tuple(dict.fromkeys(plan.notes)),
        probes=written.probes,
    )


def _unread(question: str, unread: Unread, catalog: Catalog) -> Answer:
    if not unread.unknown:
        return cannot(catalog.schema, unread.problem)
    first: dict[str, tuple[Item, str]] = {}  # a word said many times is guessed once
    for item, guess in _guesses(unread.unknown, catalog):
        first.setdefault(item.text, (item, guess))
    guesses = list(first.values())
    if guesses:
        choices = []
        for item, guess in guesses:
            choices.append(question.replace(item.text, guess, 1))
        said = _listed([g for _, g in guesses])
        unknown = _listed([item.text for item, _ in guesses])
        return DidYouMean(f"I don't know {unknown}: did you mean {said}?", tuple(choices[:3]))
    listed = _listed([i.text for i in unread.unknown])
    return cannot(
        catalog.schema,
        f"I don't know {listed}: no table, column or value in the data is called that.",
    )


def _listed(words: list[str], most: int = 5) -> str:
    """“a”, “b”, “c”: each word once, the first ``most`` of them ("and 3 more" after)."""
    distinct = list(dict.fromkeys(words))
    listed = ", ".join(f"“{w}”" for w in distinct[:most])
    return listed + (f" and {len(distinct) - most} more" if len(distinct) > most else "")


def _guesses(unknown: tuple[Item, ...], catalog: Catalog) -> list[tuple[Item, str]]:
    """Close names for unknown words: tables and columns, two edits at most."""
    names = {e.said.lower() for e in catalog.entities if not e.table.view}
    names |= {f.said.lower() for e in catalog.entities for f in e.fields if not e.table.view}
    found = []
    for item in unknown:
        if item.kind is not Kind.UNKNOWN or len(item.text) < 4:
            continue
        guess = process.extractOne(item.text.lower(), names, scorer=fuzz.ratio, score_cutoff=70)
        if guess is not None:
            found.append((item, guess[0]))
    return found
