"""Typos of format names: one edit away (a swap of two letters counts as one edit).

Only words of four letters or more are compared with ``rapidfuzz`` (OSA distance 1):
"exel", "jsno", "parqet", "spreadsheat", "markdwon". The three-letter names (csv, tsv,
pdf, xls) have too many one-edit neighbours that are words ("cv", "pd", "tv", "is"), so
they match only a swap or one added letter ("cvs", "csvv", "pfd"); two-letter words never
match. Where the caller looks (only in a slot such as "as ..." or a short reply) is
decided in :mod:`intents.vocabulary`.
"""

from __future__ import annotations

import regex
from rapidfuzz import process
from rapidfuzz.distance import OSA

from exporters.formats import Format

__all__ = ["TOKEN", "fuzzy_format"]

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
_NOT_TYPOS = frozenset({"jason", "expel", "exceed", "works", "worked", "sons", "parquets"})
TOKEN = regex.compile(r"(?<![\w@.-])[a-z][a-z]{2,12}(?![\w@])")


def _short_typo(token: str) -> Format | None:
    """A three-letter name with two letters swapped or one letter added ("cvs", "csvv")."""
    for word, fmt in _SHORT_WORDS.items():
        if len(token) == 3 and sorted(token) == sorted(word) and OSA.distance(token, word) == 1:
            return fmt
        if len(token) == 4 and any(token[:i] + token[i + 1 :] == word for i in range(4)):
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
        formats = {_FUZZY_WORDS[word] for word, _, _ in found if token.startswith(word)}
    return formats.pop() if len(formats) == 1 else None
