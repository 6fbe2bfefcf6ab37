"""Format words: every way people name a file format, the ones we cannot make, and typos.

``find_formats`` reads a lower-cased message and returns one :class:`FormatHit` per
format phrase, left to right. A hit knows *how* the format was named (its ``slot``):
"as csv" or "into a spreadsheet" asks for a format, "how many csv files" or "that
spreadsheet" only mentions one. The parser decides with the slot whether a message is an
export request at all, so words that are also ordinary English ("report", "sheet",
"training data", "md", "word") count only in a slot.

Typos within one edit (see :mod:`intents.typos`) count only for words standing in a
slot or alone: "as exel", "a spreadsheat", a reply "jsno"; never "Jason from sales".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum

import regex

from exporters.formats import Format
from intents.formatwords import ENTRIES as _ENTRIES
from intents.typos import TOKEN, fuzzy_format

__all__ = [
    "FORMAT_LABELS",
    "FORMAT_QUESTION",
    "FormatHit",
    "Slot",
    "find_formats",
    "format_from_label",
    "unsupported_question",
    "words",
]


def words(text: str) -> frozenset[str]:
    """A word set written as running text (long vocabularies read better that way)."""
    return frozenset(text.split())


FORMAT_LABELS: dict[Format, str] = {
    Format.CSV: "CSV",
    Format.XLSX: "Excel",
    Format.JSON: "JSON",
    Format.JSONL: "JSON Lines",
    Format.PARQUET: "Parquet",
    Format.PDF: "PDF",
    Format.MARKDOWN: "Markdown",
    Format.TSV: "TSV",
}
"""How a format is named to the user, in the order a question offers them."""

_ALL_LABELS = ", ".join(list(FORMAT_LABELS.values())[:-1]) + " or TSV"
FORMAT_QUESTION = f"Which format would you like: {_ALL_LABELS}?"


class Slot(IntEnum):
    """How firmly a format phrase asks for that format (higher: firmer)."""

    MENTION = 0  # "how many csv files", "that spreadsheet": a word, not a request
    ARTICLE = 1  # "a csv", "csv file", ".csv": a thing being asked for
    PREP = 2  # "as csv", "to excel", "into a workbook", "in parquet"
    INHERENT = 3  # "for fine-tuning", "comma-separated": only ever a format


@dataclass(frozen=True)
class FormatHit:
    """One format phrase in a message. ``format`` is None for a format we cannot make."""

    format: Format | None
    name: str  # how to name it back: "a Word document", "XML"
    span: tuple[int, int]
    slot: Slot
    fuzzy: bool = False
    negated: bool = False  # "not csv", "instead of excel"
    options: tuple[tuple[str, str | bool], ...] = ()  # e.g. (("delimiter", ";"),)
    suggestion: str = ""  # for unsupported formats: the closest ones we make


_FORMAT_RE = regex.compile(
    "|".join(
        rf"(?P<g{i}>(?<![\w@-])(?:{pattern})(?![\w@]|-(?!\s)))"
        for i, (pattern, *_) in enumerate(_ENTRIES)
    )
)

# What stands before a format named in a slot ("as a", "into an", "to", "in"), with up
# to two words between ("as a daily csv", "a gzipped tsv").
_BEFORE_PREP = regex.compile(
    r"(?:^|\W)(?:as|into|to|in|via|per|like)\s+(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,2}$"
)
_BEFORE_ARTICLE = regex.compile(r"(?:^|\W)(?:an?|one|some|\.)\s*(?:[\w-]+\s+){0,2}$")
_BEFORE_DETERMINER = regex.compile(
    r"(?:^|\W)(?:the|this|that|these|those|my|our|your|their|his|her|its|many|which|what"
    r"|how|any|no|each|every|of)\s+$"
)
_OPENING_AFTER = regex.compile(
    r"\s*(?:$|[,.!?;:/]|(?:with|please|pls|plz|of|for|containing|including|but|and|or|only"
    r"|without|except|zipped|gzipped|compressed|to\s+(?:me|us)|by\s+e-?mail)\b)"
)
_BEFORE_BUNDLE = regex.compile(
    r"\b(?:zip|zipfile|archive|bundle|folder|tarball|gz|gzip)\s+(?:files?\s+)?(?:of|with|containing"
    r"|full\s+of)\s+(?:(?:the|separate|individual|single|several|multiple)\s+)?$"
)
_BEFORE_WANT = regex.compile(
    r"\b(?:want|need|prefer|like|gimme|give\s+me|get\s+me|mak(?:e|ing)\s+it|send\s+me|do)\s+"
    r"(?:it\s+|this\s+)?$"
)
_BETWEEN_COMMAS = regex.compile(r"[,;:(]\s*$")  # "..., csv": a format named on its own
_AFTER_ARTICLE = regex.compile(
    r"\s*(?:files?|format|versions?|exports?|copy|copies|docs?|documents?|attachments?"
    r"|output|dump|sheets?|reports?|tables?)\b"
)
_NEGATION = regex.compile(
    r"(?:^|\W)(?:not|no|never|instead\s+of|rather\s+than|except|but\s+not)\s+(?:(?:an?|as|in|to)\s+)?$"
)


def _slot(low: str, start: int, end: int, kind: str) -> Slot:
    if kind == "inherent":
        return Slot.INHERENT
    if kind == "article":
        return Slot.ARTICLE
    before = low[max(0, start - 40) : start]
    if not low[:start].strip() and _OPENING_AFTER.match(low, end):
        return Slot.ARTICLE  # "json with name, then email", "csv, please": it opens the ask
    if _BEFORE_WANT.search(before):
        return Slot.ARTICLE  # "gimme xlsx", "i'd prefer parquet": what is wanted
    if _BEFORE_BUNDLE.search(before):
        return Slot.PREP  # "a zip of csvs", "an archive with json files"
    if _BEFORE_DETERMINER.search(before):
        return Slot.MENTION
    if _BEFORE_PREP.search(before):
        return Slot.PREP
    if (
        _BEFORE_ARTICLE.search(before)
        or _AFTER_ARTICLE.match(low, end)
        or _BETWEEN_COMMAS.search(before)
    ):
        return Slot.ARTICLE
    return Slot.MENTION


def _alone(low: str) -> bool:
    """A message of a few words only ("exel", "csv please"): its words may be formats."""
    return len(low.split()) <= 3


def find_formats(low: str) -> list[FormatHit]:
    """Every format phrase in ``low`` (a lower-cased message), left to right.

    >>> [(h.format, h.slot.name) for h in find_formats("how many csv files? export as exel")]
    [(<Format.CSV: 'csv'>, 'MENTION'), (<Format.XLSX: 'xlsx'>, 'PREP')]
    """
    hits: list[FormatHit] = []
    taken: list[tuple[int, int]] = []
    alone = _alone(low)
    for match in _FORMAT_RE.finditer(low):
        index = int(match.lastgroup[1:]) if match.lastgroup else 0
        _, fmt, name, kind, extra = _ENTRIES[index]
        start, end = match.span()
        slot = _slot(low, start, end, kind)
        if kind == "guarded" and slot < Slot.ARTICLE and not (alone and fmt is not None):
            continue
        if kind == "guarded" and fmt is None and slot < Slot.PREP:
            continue  # "a chart of sales", "the text column": words, not formats
        options: tuple[tuple[str, str | bool], ...] = ()
        if fmt is not None and extra:
            key, _, value = extra.partition("=")
            options = ((key, value == "true" if value in ("true", "false") else value),)
        negated = bool(_NEGATION.search(low[max(0, start - 20) : start]))
        hits.append(
            FormatHit(fmt, name, (start, end), slot, negated=negated, options=options,
                      suggestion=extra if fmt is None else "")
        )  # fmt: skip
        taken.append((start, end))
    for match in TOKEN.finditer(low):
        start, end = match.span()
        if any(a <= start < b for a, b in taken):
            continue
        fmt = fuzzy_format(match.group())
        if fmt is None:
            continue
        slot = _slot(low, start, end, "plain")
        if slot < Slot.ARTICLE and _BEFORE_WANT.search(low[max(0, start - 30) : start]):
            slot = Slot.ARTICLE  # "i want exel": what is wanted
        if slot >= Slot.ARTICLE or alone:
            hits.append(FormatHit(fmt, FORMAT_LABELS[fmt], (start, end), slot, fuzzy=True))
    hits.sort(key=lambda hit: hit.span)
    return _share_slots(low, hits)


_ALTERNATIVE = regex.compile(
    r"(?:\s+(?:files?|format|copy|version|table|array|workbook|document))?\s*,?\s*"
    r"(?:or|and|and\s+also|or\s+maybe|or\s+perhaps|or\s+even|or\s+else|/|\+|&|vs\.?|versus)"
    r"\s*(?:(?:as|in|to|into)\s+)?(?:an?\s+)?"
)


def _share_slots(low: str, hits: list[FormatHit]) -> list[FormatHit]:
    """ "as csv, or maybe json": a format joined to a slotted one shares its slot."""
    shared = hits[:1]
    for hit in hits[1:]:
        before = shared[-1]
        if _ALTERNATIVE.fullmatch(low, before.span[1], hit.span[0]):
            if before.slot > hit.slot:
                hit = replace(hit, slot=before.slot)
            elif hit.slot > before.slot:  # "pdf/xlsx": the later one named in a slot
                shared[-1] = replace(before, slot=hit.slot)
        shared.append(hit)
    return shared


_LABEL_LOOKUP = {label.lower(): fmt for fmt, label in FORMAT_LABELS.items()}


def format_from_label(text: str) -> Format | None:
    """The format a label or a short answer names ("Excel", "json lines", "pdf please")."""
    low = text.strip().lower()
    if low in _LABEL_LOOKUP:
        return _LABEL_LOOKUP[low]
    wanted = {hit.format for hit in find_formats(low) if hit.format and not hit.negated}
    return wanted.pop() if len(wanted) == 1 else None


def unsupported_question(hit: FormatHit) -> str:
    """The clarifying question for a format we cannot make: it names the ones we can."""
    closest = f" {hit.suggestion} would come closest." if hit.suggestion else ""
    return f"I can't export {hit.name}.{closest} {FORMAT_QUESTION}"
