"""Export options in words: what a message says about *how* the file is written.

:func:`find_option_words` reads a message and returns the options it names, in the
exporter's keys (docs/exporters-cli.md), and the character spans those words took, so
the rules can blank them: they are no format, no column list and no data question.

>>> found = find_option_words("export this as CSV with semicolons, sorted by total descending")
>>> found.options
{'delimiter': ';', 'sort': [{'column': 'total', 'descending': True}]}
>>> [found.implies, found.spans]
[<Format.CSV: 'csv'>, ((19, 34), (36, 62))]

Besides exporter options, ``options`` may hold two keys of
:data:`intents.models.REQUEST_OPTIONS`: ``sort`` (applied by the assistant to the query,
since the exporter streams rows as they come) and ``unsupported`` (asks understood but
not possible, "single quotes", "windows-1252", said back in the reply, never dropped).

The grammars, each in its own module, run in this order and never read the same words
twice: the date format (:mod:`.clock`), CSV/TSV writing (:mod:`.delimited`), other
formats' options, titles and metadata (:mod:`.layout`), renames (:mod:`.order`), the
time zone (:mod:`.clock`), and last the sort order (:mod:`.order`), whose lists of
columns stop at words the others took. Row limits, compression and column lists are read
by the rules themselves (:mod:`intents.columns`, :mod:`intents.delivery`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exporters.formats import Format
from intents.option_words.clock import find_date_format, find_zone
from intents.option_words.delimited import find_delimited
from intents.option_words.found import Reading
from intents.option_words.layout import find_layout
from intents.option_words.order import find_rename, find_sort

__all__ = ["FORMAT_FREE", "OptionWords", "carry_options", "find_option_words"]

Span = tuple[int, int]

#: Options that mean the same for every format: kept when a follow-up changes the format.
FORMAT_FREE = frozenset(
    {"sort", "rename", "timezone", "datetime_format", "null", "title", "metadata", "unsupported"}
)


@dataclass(frozen=True)
class OptionWords:
    """The options one message names, and where it names them."""

    options: dict[str, Any] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    implies: Format | None = None  # the format these words alone ask for ("with a BOM": CSV)
    formatless: tuple[Span, ...] = ()  # where a format word is no format: "for German Excel"

    def covers(self, span: Span) -> bool:
        """Whether ``span`` (a format word) lies in option words, so names no file format
        ("Excel" in "for German Excel", "text" in "numbers as text")."""
        return any(start <= span[0] and span[1] <= end for start, end in self.formatless)

    @property
    def writes_file(self) -> bool:
        """Whether anything but a sort order was said: words only a file has.

        "sorted by name" alone may refine the data question; "with semicolons" may not."""
        return any(key != "sort" for key in self.options)


def find_option_words(text: str, work: str | None = None, *, zone: str = "UTC") -> OptionWords:
    """The export options ``text`` names (see the module docstring).

    ``work`` is ``text`` lower-cased with parts already understood blanked by spaces
    (positions kept), which are not read again; ``zone`` is the user's zone, for "in my
    local time".
    """
    reading = Reading(text, work, zone)
    find_date_format(reading)  # first: "excel with European dates" is no German Excel
    find_delimited(reading)
    find_layout(reading)
    find_rename(reading)  # before zones: "rename created_at to Created (UTC)"
    find_zone(reading)
    find_sort(reading)  # last: a list of sort keys stops at words the others took
    found = sorted(reading.found, key=lambda item: item.span)
    options: dict[str, Any] = {}
    for item in found:
        _merge(options, item.options)
        if item.unsupported:
            options.setdefault("unsupported", []).append(item.unsupported)
    implies = next((item.implies for item in found if item.implies is not None), None)
    if options.get("delimiter") == "\t":
        implies = Format.TSV  # "unquoted, delimiter: tab" is a TSV file
    return OptionWords(
        options=options,
        spans=tuple(item.span for item in found),
        implies=implies,
        formatless=tuple(item.span for item in found if not item.names_format),
    )


def _merge(options: dict[str, Any], new: Mapping[str, Any]) -> None:
    """Later words win, except that sort keys and renames add up."""
    for key, value in new.items():
        if key == "sort" and key in options:
            said = {entry["column"] for entry in options[key]}
            options[key] = options[key] + [entry for entry in value if entry["column"] not in said]
        elif key == "rename" and key in options:
            options[key] = {**options[key], **value}
        else:
            options[key] = value


def carry_options(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The options of a changed request: ``before``'s format-free ones, then ``after``.

    >>> carry_options({"delimiter": ";", "sort": []}, {"pretty": True})
    {'sort': [], 'pretty': True}
    """
    return {**{key: value for key, value in before.items() if key in FORMAT_FREE}, **after}
