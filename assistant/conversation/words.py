"""The engine's own words: saved-format phrases, format names, and the help text.

Kept apart from :mod:`assistant.conversation.engine` so the flow reads without the vocabulary.

>>> preferred_format("always give me Excel"), preferred_format("my default is csv")
(<Format.XLSX: 'xlsx'>, <Format.CSV: 'csv'>)
>>> preferred_format("export this as csv") is None
True
"""

from __future__ import annotations

import re

from assistant.source.schema import Schema
from intents import Format

__all__ = ["LABELS", "format_named", "help_text", "preference", "preferred_format"]

_FORMAT_WORDS: dict[str, Format] = {
    "csv": Format.CSV,
    "tsv": Format.TSV,
    "json lines": Format.JSONL,
    "jsonl": Format.JSONL,
    "json": Format.JSON,
    "parquet": Format.PARQUET,
    "excel": Format.XLSX,
    "xlsx": Format.XLSX,
    "spreadsheet": Format.XLSX,
    "workbook": Format.XLSX,
    "pdf": Format.PDF,
    "markdown": Format.MARKDOWN,
}
_PREFERENCE = re.compile(
    r"\b(?:always|by default|from now on|default (?:format )?(?:is|to|should be)|"
    r"set (?:my )?default|prefer)\b",
    re.I,
)
_FORMAT = re.compile(r"\b(" + "|".join(map(re.escape, _FORMAT_WORDS)) + r")\b", re.I)
LABELS = {  # the names people know the formats by, in the order choices are offered
    Format.CSV: "CSV",
    Format.TSV: "TSV",
    Format.JSON: "JSON",
    Format.JSONL: "JSON Lines",
    Format.PARQUET: "Parquet",
    Format.XLSX: "Excel",
    Format.PDF: "PDF",
    Format.MARKDOWN: "Markdown",
}


def preference(message: str) -> re.Match[str] | None:
    """The format word of a message that saves a default ("always give me Excel"), else None.

    A message that also asks for an export ("always export as csv") is left to the intent
    parser: acting on it matters more than remembering it.
    """
    found = _FORMAT.search(message)
    if not _PREFERENCE.search(message) or found is None or "export" in message.lower():
        return None
    return found


def preferred_format(message: str) -> Format | None:
    """The format a message saves as the default, else None."""
    found = preference(message)
    return None if found is None else format_named(found[1])


def format_named(word: str) -> Format:
    """The format a word of :func:`preference` names."""
    return _FORMAT_WORDS[word.lower()]


def help_text(schema: Schema) -> str:
    """What the assistant can do, with the source's real tables."""
    tables = ", ".join(t.name for t in schema.tables) or "none"
    first = schema.tables[0].name if schema.tables else "orders"
    return "\n".join(
        [
            "I answer questions about your data and export the results as files.",
            f"Tables: {tables}.",
            "Try for example:",
            f"- “show {first}” or “{first} from today”",
            f"- “what's in {first}?”, “how many {first}”",
            "- “export this as a spreadsheet”, “only name and email as csv”",
            f"- “export all {first} from this week as json”",
            "- “my default is csv” to stop me asking for a format",
            "- “export everything from today as csv”, “export this conversation for fine-tuning”",
            "- “save this as template NAME”, then “export with template NAME”",
            "You can also type a SQL SELECT query.",
        ]
    )
