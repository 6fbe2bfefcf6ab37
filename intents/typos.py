"""Typos of format names and command verbs: one edit away (a swap counts as one edit).

Formats: words of four letters or more are compared with ``rapidfuzz`` (OSA distance
1): "exel", "jsno", "parqet", "spreadsheat", "markdwon". The three-letter names (csv,
tsv, pdf, xls) have too many one-edit neighbours that are words ("cv", "pd", "tv",
"is"), so they match only a swap or one added letter ("cvs", "csvv", "pfd"), and a
three-letter token matches a four-letter name only by one dropped letter ("jsn");
two-letter words never match. Where the caller looks (only in a slot such as "as ..."
or a short reply) is decided in :mod:`intents.vocabulary`.

Verbs: "exprot", "dowload", "emial", "sned", "fowrard" (:func:`fuzzy_verb`). Four-letter
verbs (send, mail) match only a swap of two neighbouring letters, longer ones any single
edit. Both kinds are guarded by the common words that sit one edit away ("jason",
"expert", "sent", "spend", "emil"): a guard word is never read as a typo.
"""

from __future__ import annotations

import regex
from rapidfuzz import process
from rapidfuzz.distance import OSA

from exporters.formats import Format


def words(text: str) -> frozenset[str]:
    """A word set written as running text."""
    return frozenset(text.split())


__all__ = ["TOKEN", "fuzzy_format", "fuzzy_verb"]

# Typos: the words worth matching within one edit, and common words near them.
_FUZZY_WORDS: dict[str, Format] = {
    "excel": Format.XLSX, "xlsx": Format.XLSX, "spreadsheet": Format.XLSX,
    "workbook": Format.XLSX, "json": Format.JSON, "jsonl": Format.JSONL,
    "ndjson": Format.JSONL, "parquet": Format.PARQUET, "markdown": Format.MARKDOWN,
    "printable": Format.PDF, "columnar": Format.PARQUET,
}  # fmt: skip
_SHORT_WORDS: dict[str, Format] = {
    "csv": Format.CSV, "tsv": Format.TSV, "pdf": Format.PDF, "xls": Format.XLSX
}  # fmt: skip
_NOT_TYPOS = frozenset(
    {"jason", "expel", "exceed", "works", "worked", "sons", "parquets", "son", "jon", "sun"}
)
_DROPPED_FROM: dict[str, Format] = {"json": Format.JSON, "xlsx": Format.XLSX}
TOKEN = regex.compile(r"(?<![\w@.-])[a-z][a-z]{2,12}(?![\w@])")


def _short_typo(token: str) -> Format | None:
    """A three-letter name with two letters swapped or one letter added ("cvs", "csvv")."""
    for word, fmt in _SHORT_WORDS.items():
        if len(token) == 3 and sorted(token) == sorted(word) and OSA.distance(token, word) == 1:
            return fmt
        if len(token) == 4 and any(token[:i] + token[i + 1 :] == word for i in range(4)):
            return fmt
    for word, fmt in _DROPPED_FROM.items():  # "jsn": one letter of "json" left out
        if len(token) == 3 and any(word[:i] + word[i + 1 :] == token for i in range(4)):
            return fmt
    return None


def fuzzy_format(token: str) -> Format | None:
    """The format ``token`` is one edit away from, or None (also when it is ambiguous).

    >>> fuzzy_format("exel"), fuzzy_format("jsno"), fuzzy_format("cv"), fuzzy_format("csvv")
    (<Format.XLSX: 'xlsx'>, <Format.JSON: 'json'>, None, <Format.CSV: 'csv'>)
    """
    if token in _NOT_TYPOS or len(token) < 3:
        return None
    if len(token) <= 4 and (short := _short_typo(token)) is not None:
        return short
    if len(token) < 4:
        return None
    found = process.extract(token, list(_FUZZY_WORDS), scorer=OSA.distance, score_cutoff=1)
    formats = {_FUZZY_WORDS[word] for word, _, _ in found}
    if len(formats) > 1:  # "jsonn": json plus a letter, rather than jsonl with one changed
        formats = {_FUZZY_WORDS[word] for word, _, _ in found if token.startswith(word)} or {
            _FUZZY_WORDS[word] for word, _, _ in found if len(word) == len(token)
        }  # "jsoln": a swap in jsonl, rather than json with a letter added
    return formats.pop() if len(formats) == 1 else None


# Command verbs, the word each typo stands for, and the common words one edit away.
_VERBS: dict[str, str] = {
    "export": "export", "download": "download", "email": "email", "e-mail": "email",
    "send": "send", "mail": "mail", "forward": "forward", "deliver": "deliver",
}  # fmt: skip
_NOT_VERB_TYPOS = words(
    """expert exports expo exported downloads downloaded emails emailed emil gmail ymail
    mail mails mailed sent sends end sand seed sens lend bend mend tend vend fend rend wend
    spend sane main nail sail rail tail fail hail jail pail wail bail mall maul malt
    maid moil forwards forwarded froward delivers delivered sliver deliverer reporter
    reexport"""
)


def fuzzy_verb(token: str) -> str | None:
    """The command verb ``token`` misspells ("emial" → "email"), or None.

    >>> fuzzy_verb("emial"), fuzzy_verb("sned"), fuzzy_verb("sent"), fuzzy_verb("exprot")
    ('email', 'send', None, 'export')
    """
    if token in _NOT_VERB_TYPOS or token in _VERBS or len(token) < 4:
        return None
    for word, verb in _VERBS.items():
        if len(word) <= 4:
            swapped = sorted(token) == sorted(word) and OSA.distance(token, word) == 1
            if len(token) == len(word) and swapped:
                return verb
        elif abs(len(token) - len(word)) <= 1 and OSA.distance(token, word) == 1:
            return verb
    return None
