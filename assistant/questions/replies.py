"""What the translator answers, and its replies in words: help, tables, one table's columns.

Every reply names the source's real tables and columns and suggests questions that work on
them, so a person who asked something the rules cannot read learns what they can ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from assistant.questions.sql import STATUS_COLUMNS, size_column, time_column
from assistant.source.schema import Schema, Table


@dataclass(frozen=True)
class Probe:
    """One filter of a question, for saying which one emptied a result: ``said`` in words
    ("in “Brazil”"), ``sql`` counting the rows that pass this filter and every one before
    it (one row, one column)."""

    said: str
    sql: str


@dataclass(frozen=True)
class Translation:
    """SQL to run (through the exporter's guard) and a few words for its result.

    ``said`` answers a one-value result in words, with ``{}`` where the value goes ("There
    are {} customers."); ``notes`` say what the reader assumed or left out ("“germny” read
    as “Germany”"), so nothing it guessed is silent; ``probes`` are its filters in order,
    to say which one emptied an empty result.
    """

    sql: str
    title: str  # "Orders from today"
    said: str | None = None
    notes: tuple[str, ...] = ()
    probes: tuple[Probe, ...] = ()


@dataclass(frozen=True)
class CannotAnswer:
    """What could not be read, what can be asked instead, and the real table names."""

    reply: str


@dataclass(frozen=True)
class DidYouMean:
    """A question that could not be read as said, and the questions it may have meant.

    "No customers in “Brazl”; did you mean Brazil?" with ``choices`` ("customers in
    Brazil",): each is a whole question, sent as the next message when chosen.
    """

    reply: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class SchemaAnswer:
    """An answer about the schema itself: the tables, or one table's columns."""

    reply: str


Answer = Translation | CannotAnswer | DidYouMean | SchemaAnswer

_KIND_WORDS = {
    "integer": "whole number", "decimal": "decimal number", "float": "number", "text": "text",
    "date": "date", "datetime": "date and time", "boolean": "yes/no",
}  # fmt: skip
_SHOWN_COLUMNS = 8


def cannot(schema: Schema, problem: str) -> CannotAnswer:
    """``problem``, then example questions that work on ``schema`` and its table names."""
    lines = [problem, "", "Without an AI model I understand questions like:"]
    lines += [f"- “{example}”" for example in _examples(schema)]
    lines += ["", f"Tables: {', '.join(t.name for t in schema.tables)}."]
    lines.append("You can also type a SQL SELECT query.")
    return CannotAnswer("\n".join(lines))


def no_table(words: list[str], schema: Schema) -> str:
    """Why no table was found: a near miss ("did you mean orders?") or the unknown words."""
    names = [t.name for t in schema.tables]
    for word in words:
        guess = process.extractOne(word, names, scorer=fuzz.ratio, score_cutoff=70)
        if guess is not None and len(word) > 3:
            return f"I found no table called “{word}”; did you mean “{guess[0]}”?"
    if 0 < len(words) <= 2:
        return f"I found no table called “{' '.join(words)}”."
    return "I could not tell which table that question is about."


def tables_reply(schema: Schema) -> SchemaAnswer:
    count = len(schema.tables)
    lines = [f"There {'is 1 table' if count == 1 else f'are {count} tables'}:"]
    for table in schema.tables:
        names = [c.name for c in table.columns]
        more = len(names) - _SHOWN_COLUMNS
        shown = ", ".join(names[:_SHOWN_COLUMNS]) + (f", and {more} more" if more > 0 else "")
        lines.append(f"- {table.name}: {shown}")
    name = schema.tables[0].name
    lines += ["", f"Ask “what's in {name}?” for a table's columns, or “show {name}”."]
    return SchemaAnswer("\n".join(lines))


def columns_reply(table: Table) -> SchemaAnswer:
    lines = [f"“{table.name}” has {len(table.columns)} columns:"]
    lines += [
        f"- {c.name} ({_KIND_WORDS.get(c.kind, c.type or 'any value')})" for c in table.columns
    ]
    tries = [f"show {table.name}", f"how many {table.name}"]
    if time_column(table):
        tries.append(f"{table.name} from this week")
    size = size_column(table)
    if size:
        tries.append(f"top 5 {table.name} by {size.name}")
    lines += ["", "Try " + ", ".join(f"“{t}”" for t in tries) + "."]
    return SchemaAnswer("\n".join(lines))


def title(original: str) -> str:
    """The question without its request words: "show me orders from today" → "Orders from
    today"."""
    cut = _LEADING.match(original.lower())
    text = original[cut.end() :] if cut and len(original) == len(original.lower()) else original
    text = text.strip() or original
    return (text[:1].upper() + text[1:])[:80]


_LEADING = re.compile(
    r"^(?:(?:please|can|could|would|you|show|list|display|give|get|find|fetch|pull|select|me|us"
    r"|i|want|need|like|to|see|'d|the)\s+)+"
)


def _examples(schema: Schema) -> list[str]:
    """Questions that work on ``schema``, about its main table, with its own names."""
    table = max(schema.tables, key=_richness)
    examples = [f"show {table.name}"]
    if time_column(table):
        examples.append(f"{table.name} from today (or yesterday, this week, since Monday)")
    texts = [c for c in table.columns if c.kind == "text"]
    if texts:
        column = next((c for c in texts if c.name in STATUS_COLUMNS), texts[0])
        examples.append(f"{table.name} where {column.name} is <value>")
    size = size_column(table)
    if size:
        examples.append(f"top 5 {table.name} by {size.name}")
    return [*examples, f"how many {table.name}", "what tables are there?",
            f"what's in {table.name}?"]  # fmt: skip


def _richness(table: Table) -> int:
    """How many kinds of question a table supports; facts (orders) beat dimensions."""
    keys = sum(c.name.lower().endswith("_id") for c in table.columns)
    statuses = any(c.name in STATUS_COLUMNS for c in table.columns)
    return 2 * bool(time_column(table)) + 2 * bool(size_column(table)) + statuses + min(keys, 2)
