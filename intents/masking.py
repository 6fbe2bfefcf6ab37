"""Masking in words: "mask the emails", "pseudonymise the names", "only the year of birth".

Each finder takes the lower-cased message with already-understood parts blanked out and
returns the columns as said (to be matched to the result by the assistant: "emails" is
the ``email`` column) with their :class:`~exporters.masking.MaskKind`, and the spans it
used, so the caller can blank them.

- partial: mask, hide, redact, blur, obfuscate, censor, star out, black out ("hide" only
  for values said in the plural, "hide phone numbers"; "hide the phone column" and
  "hide phone" leave a column out, as before);
- hash: hash, pseudonymise, anonymise, tokenise, scramble (either spelling);
- year: "only the year of birth", "just the birth year", "birth dates as years",
  "truncate the birth dates to the year";
- none: "unmask the emails", "show the emails unmasked", "don't mask the emails" (a
  policy's mask stays: the assistant says so).

Participles after the names work too: "with the emails masked", "names hashed".
Misspelt verbs one or two edits away ("pseudonymize", "anonimise", "obfusacte") count.

>>> find_masks("export customers as csv but mask the emails and phone numbers").kinds
{'emails': <MaskKind.PARTIAL: 'partial'>, 'phone_numbers': <MaskKind.PARTIAL: 'partial'>}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from exporters.masking import MaskKind
from intents.columns import parse_names

__all__ = ["Masks", "find_masks"]


@dataclass
class Masks:
    kinds: dict[str, MaskKind] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)


_VERBS: dict[str, MaskKind] = {
    "mask": MaskKind.PARTIAL, "hide": MaskKind.PARTIAL, "redact": MaskKind.PARTIAL,
    "blur": MaskKind.PARTIAL, "obfuscate": MaskKind.PARTIAL, "censor": MaskKind.PARTIAL,
    "hash": MaskKind.HASH, "pseudonymise": MaskKind.HASH, "pseudonymize": MaskKind.HASH,
    "anonymise": MaskKind.HASH, "anonymize": MaskKind.HASH, "tokenise": MaskKind.HASH,
    "tokenize": MaskKind.HASH, "scramble": MaskKind.HASH, "unmask": MaskKind.NONE,
}  # fmt: skip
_PARTICIPLES: dict[str, MaskKind] = {
    "masked": MaskKind.PARTIAL, "hidden": MaskKind.PARTIAL, "redacted": MaskKind.PARTIAL,
    "blurred": MaskKind.PARTIAL, "obfuscated": MaskKind.PARTIAL, "censored": MaskKind.PARTIAL,
    "starred": MaskKind.PARTIAL, "hashed": MaskKind.HASH, "pseudonymised": MaskKind.HASH,
    "pseudonymized": MaskKind.HASH, "anonymised": MaskKind.HASH, "anonymized": MaskKind.HASH,
    "tokenised": MaskKind.HASH, "tokenized": MaskKind.HASH, "scrambled": MaskKind.HASH,
    "unmasked": MaskKind.NONE, "unredacted": MaskKind.NONE,
}  # fmt: skip
# Misspellings of the long verbs are read too ("pseudonymize", "anonimise", "obfusacte").
_FUZZY = [word for word in (*_VERBS, *_PARTICIPLES) if len(word) >= 7]
_PHRASES = {"star out": MaskKind.PARTIAL, "black out": MaskKind.PARTIAL,
            "x out": MaskKind.PARTIAL, "blank out": MaskKind.PARTIAL}  # fmt: skip
_NEGATED = regex.compile(r"(?:\b(?:don'?t|do\s+not|never|no\s+need\s+to)\s+)$")
_WORD = regex.compile(r"[a-z][a-z'-]*")
_LIST_LEAD = regex.compile(
    r"\s*(?:out\s+)?(?:(?:the|teh|hte|th)\s+|all\s+(?:the\s+)?|any\s+|their\s+)?"
)
_COLUMN_AFTER = regex.compile(r"\s*(?:columns?|fields?|cols?)\b")
_COLUMN_WORD = regex.compile(r"\s*(?:columns?|fields?|cols?|values?|data)\b")
_CLAUSE = regex.compile(
    r"(?:\b(?:with|but|having|get|keep|leave|make|show|truncate|round|cut|reduce|trim"
    r"|shorten)\b|[,;:(]|^)\s*"
)
_YEAR_RES = (
    # "only the year of birth", "year of the birth dates"
    regex.compile(r"\b(?:only|just)?\s*(?:show\s+|keep\s+|give\s+)?(?:the\s+)?years?\s+of\s+"
                  r"(?P<birth>birth)\b"),
    regex.compile(r"\b(?:the\s+)?years?\s+(?:only\s+)?(?:of|for)\s+(?:the\s+)?(?P<list>)"),
    # "just the birth year", "birth year only"
    regex.compile(r"\b(?:(?:only|just)\s+(?:show\s+)?(?:the\s+)?)?(?P<birth>birth)\s+years?"
                  r"(?:\s+only)?\b"),
)  # fmt: skip
_TO_YEAR = regex.compile(r"\s*(?:down\s+)?(?:to|as|into)\s+(?:the\s+|just\s+the\s+)?years?"
                         r"(?:\s+only)?\b")  # fmt: skip


def find_masks(work: str) -> Masks | None:
    """The masks said in ``work`` (see the module docstring), or None."""
    found = Masks()
    _verbs(work, found)
    _participles(work, found)
    _years(work, found)
    return found if found.kinds else None


def _kind_of(word: str) -> MaskKind | None:
    if word in _VERBS:
        return _VERBS[word]
    if len(word) >= 7:
        best = process.extractOne(word, _FUZZY, scorer=Levenshtein.distance, score_cutoff=2)
        if best is not None and best[0] in _VERBS:
            return _VERBS[best[0]]
    return None


def _participle(word: str) -> MaskKind | None:
    if word in _PARTICIPLES:
        return _PARTICIPLES[word]
    if len(word) >= 8:
        best = process.extractOne(word, _FUZZY, scorer=Levenshtein.distance, score_cutoff=2)
        if best is not None and best[0] in _PARTICIPLES:
            return _PARTICIPLES[best[0]]
    return None


def _verbs(work: str, found: Masks) -> None:
    for token in _WORD.finditer(work):
        word = token.group()
        following = work[token.end() : token.end() + 6]
        phrase = f"{word} {following.split()[0]}" if following.split() else word
        kind = _PHRASES.get(phrase) or _kind_of(word)
        if kind is None:
            continue
        negated = _NEGATED.search(work[max(0, token.start() - 20) : token.start()])
        lead = _LIST_LEAD.match(work, token.end())
        start = lead.end() if lead else token.end()
        parsed = parse_names(work, start)
        if parsed is None:
            continue
        names, end = parsed
        column = _COLUMN_AFTER.match(work, end)
        if word == "hide" and (column or not all(name.endswith("s") for name in names)):
            continue  # "hide the ssn column", "hide phone": a column left out (columns.py)
        if kind is MaskKind.HASH and start == token.end() + 1 and not names[-1].endswith("s"):
            continue  # "hash join", "a hash index": a noun; "hash the names", "hash emails"
        end = column.end() if column else end
        if negated:
            kind, begin = MaskKind.NONE, token.start() - len(negated.group())
        else:
            begin = token.start()
        _add(found, names, kind, (begin, end))


def _participles(work: str, found: Masks) -> None:
    for token in _WORD.finditer(work):
        kind = _participle(token.group())
        if kind is None:
            continue
        clause = _last_clause(work, token.start(), 80)
        if clause is None:
            continue
        before = work[: token.start()]  # the names end where the participle starts
        parsed = parse_names(before, _list_start(before, clause[1]))
        if parsed is None:
            continue
        names, end = parsed
        column = _COLUMN_WORD.match(work, end)
        end = column.end() if column else end
        if work[end : token.start()].strip():
            continue  # the names must stand right before the participle
        _add(found, names, kind, (clause[0], token.end()))


def _years(work: str, found: Masks) -> None:
    for pattern in _YEAR_RES:
        for match in pattern.finditer(work):
            if "birth" in match.groupdict() and match.group("birth"):
                _add(found, ["birth"], MaskKind.YEAR, match.span())
                continue
            lead = _LIST_LEAD.match(work, match.end())
            parsed = parse_names(work, lead.end() if lead else match.end())
            if parsed is None:
                continue
            names, end = parsed
            _add(found, names, MaskKind.YEAR, (match.start(), end))
    # "birth dates as years only", "truncate the birth dates to the year": names, "to year".
    for to_year in _TO_YEAR.finditer(work):
        clause = _last_clause(work, to_year.start(), 60)
        if clause is None:
            continue
        before = work[: to_year.start()]
        parsed = parse_names(before, _list_start(before, clause[1]))
        if parsed and not work[parsed[1] : to_year.start()].strip():
            _add(found, parsed[0], MaskKind.YEAR, (clause[0], to_year.end()))


def _last_clause(work: str, end: int, reach: int) -> tuple[int, int] | None:
    """The words opening the clause holding ``end`` ("with", "but", a comma...), within
    ``reach``: where they start (blanked with the masks) and where the names may start."""
    spans = [found.span() for found in _CLAUSE.finditer(work, max(0, end - reach), end)]
    return spans[-1] if spans else None


def _list_start(work: str, start: int) -> int:
    lead = _LIST_LEAD.match(work, start)
    return lead.end() if lead else start


def _add(found: Masks, names: list[str], kind: MaskKind, span: tuple[int, int]) -> None:
    if any(start < span[1] and span[0] < end for start, end in found.spans):
        return  # already read by an earlier finder
    for name in names:
        found.kinds[name] = kind
    found.spans.append(span)
