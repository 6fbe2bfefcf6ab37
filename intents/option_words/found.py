"""What the option grammars share: one message being read, and what one phrase found.

A :class:`Reading` holds the message twice: ``text`` as typed (values such as a new
column name keep their spelling there) and ``work``, lower-cased, where every phrase a
grammar understood is blanked with spaces, so positions never move and no two grammars
read the same words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

from exporters.formats import Format
from intents.vocabulary import words

__all__ = ["STOP", "Found", "Reading", "name_words", "typo", "value_at"]

Span = tuple[int, int]


def typo(word: str, *, plural: bool = False) -> str:
    """``word`` as a pattern that also takes a typo after its first letter.

    Only long words get the allowance: "seperated", "delimted", "semicolns" are still
    themselves, while short words ("order", "sort") have too many real neighbours. The
    first letter must be right; after it two edits are allowed, so two swapped letters
    ("seaprator", "encdoed") count, and the match is a whole word (``plural``: with an
    optional "s").

    >>> bool(regex.fullmatch(typo("separator"), "seaprator"))
    True
    """
    rest = regex.escape(word[1:]) + ("s?" if plural else "")
    if len(word) < 7:
        return f"(?:(?<![a-z]){word[0]}{rest}(?![a-z]))"
    return f"(?:(?<![a-z]){word[0]}(?:{rest}){{e<=2}}(?![a-z]))"


@dataclass(frozen=True)
class Found:
    """One phrase understood: the options it sets, or the ask that cannot be done."""

    span: Span
    options: Mapping[str, Any] = field(default_factory=dict)
    unsupported: str | None = None  # "single quotes (CSV quotes with double quotes)"
    implies: Format | None = None  # "with semicolons" asks for a CSV file
    names_format: bool = False  # "tab-separated" alone: its format word is the file's format


class Reading:
    """One message being read for options (see the module docstring)."""

    def __init__(self, text: str, work: str | None = None, zone: str = "UTC") -> None:
        low = text.lower()
        self.text = text if len(low) == len(text) else low
        self.low = low
        self.work = low if work is None or len(work) != len(low) else work
        self.zone = zone
        self.found: list[Found] = []

    def take(self, span: Span, **found: Any) -> None:
        """Record a phrase at ``span`` and blank it so no later grammar reads it again.

        A "with", "using" or "plus" just before belongs to it ("the results with all
        values quoted"): left behind, it would read as a filter on the data."""
        start, end = span
        lead = _LEAD.search(self.work[max(0, start - 20) : start])
        start -= len(lead.group()) if lead else 0
        self.found.append(Found((start, end), **found))
        self.work = self.work[:start] + " " * (end - start) + self.work[end:]

    def each(self, pattern: regex.Pattern[str]) -> Iterator[regex.Match[str]]:
        """Matches of ``pattern`` in what is still unread, left to right."""
        position = 0
        while (found := pattern.search(self.work, position)) is not None:
            position = max(found.end(), found.start() + 1)
            if found.group().strip():
                yield found


_LEAD = regex.compile(r"\b(?:with|using|plus|where)\s+(?:(?:the|an?)\s+)?$")

# Words that end an unquoted value or a column name: they start the next part of a request.
STOP = words(
    """as in into with without and or but then sorted ordered sort order please pls for to by
    zipped gzipped zip gzip compressed format file files csv tsv json jsonl excel xlsx pdf
    parquet markdown sheet also only plus using so the a an it this that them these those
    rows row columns column from descending ascending desc asc first last each every too
    thanks thank now send email export download save where which who is are was be
    separated delimited semicolons semicolon commas tabs pipes bom encoded encoding dates
    date times timezone time newest latest oldest earliest highest lowest largest smallest
    biggest alphabetically ranked arranged sorting ordering"""
)
_VALUE_TOKEN = regex.compile(r"[^\s,;\"']+")
_QUOTED = regex.compile(r"\"([^\"]+)\"|'([^']+)'|`([^`]+)`")


def value_at(
    reading: Reading, start: int, *, words: int = 4, cased: bool = False
) -> tuple[str, int] | None:
    """The value written at ``start`` (a new column name, a title) and where it ends.

    Quoted, it is what the quotes hold; unquoted, up to ``words`` words in the user's
    spelling, stopping at a word that starts the next part ("as csv", "and", a comma);
    ``cased``: a name that starts with a capital ends before a lower-case word ("E-Mail
    newest first").
    """
    text, work = reading.text, reading.work
    while start < len(text) and text[start] == " ":
        start += 1
    quoted = _QUOTED.match(text, start)
    if quoted and not work[start : quoted.end()].isspace():
        value = next(group for group in quoted.groups() if group is not None).strip()
        return (value, quoted.end()) if value else None
    taken: list[str] = []
    end = start
    for token in _VALUE_TOKEN.finditer(text, start):
        if text[end : token.start()].strip() or work[token.start() : token.end()].isspace():
            break  # punctuation between, or another grammar's words
        word = token.group()
        clean = word.rstrip(".!?")  # "... to E-Mail." ends the sentence
        if not clean or clean.rstrip(":)").lower() in STOP or len(taken) == words:
            break
        if cased and taken and taken[0][:1].isupper() and clean[:1].islower():
            break  # "E-Mail newest first": a capitalised name ends at a lower-case word
        taken.append(clean)
        end = token.start() + len(clean)
        if clean != word:
            break
    return (" ".join(taken), end) if taken else None


_NAME_TOKEN = regex.compile(r"[a-z0-9_][a-z0-9_.#-]*")


def name_words(
    work: str,
    start: int,
    stop: frozenset[str] = STOP,
    stop_pattern: regex.Pattern[str] | None = None,
) -> tuple[str, int] | None:
    """A column named at ``start`` in one to three words ("total", "signup date"), normalised
    the way request columns are (lower case, spaces → ``_``), and where it ends. A word in
    ``stop`` or matching ``stop_pattern`` (a misspelt "descending") ends the name."""
    names: list[str] = []
    end = start
    for token in _NAME_TOKEN.finditer(work, start):
        gap = work[end : token.start()]
        if gap.strip() or len(names) == 3 or (names and len(gap) > 1):
            break  # punctuation, a fourth word, or words another grammar took between
        word = token.group().rstrip(".")
        if word in stop or not word or (stop_pattern and stop_pattern.fullmatch(word)):
            break
        names.append(word)
        end = token.start() + len(word)
    if not names:
        return None
    return "_".join(names), end
