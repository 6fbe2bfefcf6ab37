"""Options of the other formats, and the title and metadata every format can show.

JSON: "pretty-printed", "indented", "minified" → ``pretty``; "omit nulls" → ``nulls``;
"nested by customer" → ``nest_by``; "decimals as strings" → ``decimals``. Excel: "sheet
named Orders" → ``sheet_name``; "don't freeze the header" → ``freeze_header``; "no
autofilter" → ``autofilter``; "with a title row" → ``title_row``. PDF: "landscape" →
``orientation``; "A4", "US letter" → ``page_size``. Parquet: "snappy compression" → its
``compression`` codec. Any format: 'titled "Q3 sales"' → ``title``; "with metadata" →
``metadata``.

Asks no format can do (a password on the file, 7z or bzip2 archives, A3 pages) are kept
as unsupported, so the reply says so.
"""

from __future__ import annotations

import regex

from exporters.formats import Format
from intents.option_words.found import Reading, name_words, typo, value_at

__all__ = ["find_layout"]

_FLAGS: list[tuple[dict[str, object], Format | None, regex.Pattern[str]]] = [
    (
        {"pretty": False},
        None,
        regex.compile(
            r"\b(?:minified|minimi[sz]ed)\b|\bcompact(?=\s+(?:json|format|output|file)\b)|\bon\s+(?:one|a\s+single)\s+line\b"
            r"|\b(?:no|without)\s+(?:indentation|pretty[- ]printing)\b"
        ),
    ),
    (
        {"pretty": True},
        None,
        regex.compile(
            r"\bpretty[- ]?print(?:ed|ing)?\b|\bprettif(?:y|ied)\b|\bpretty\s+format(?:ted)?\b"
            r"|(?:\bwith\s+)?\bindent(?:ed|ation)\b|\bhuman[- ]readable\b|\bnicely\s+formatted\b"
        ),
    ),
    (
        {"nulls": "omit"},
        None,
        regex.compile(
            r"\b(?:omit(?:ting)?|drop(?:ping)?|skip(?:ping)?|remov(?:e|ing)|without|leave\s+out"
            r"|exclud(?:e|ing)|no)\s+(?:the\s+|any\s+)?(?:nulls|null\s+(?:values|fields|keys))\b"
            r"|\bnull(?:s|\s+(?:values|fields|keys))\s+(?:omitted|dropped|removed|left\s+out|skipped)\b"
        ),
    ),
    (
        {"nulls": "include"},
        None,
        regex.compile(
            r"\b(?:keep|include|with)\s+(?:the\s+)?(?:nulls|null\s+(?:values|fields|keys))\b"
        ),
    ),
    (
        {"decimals": "string"},
        None,
        regex.compile(r"\b(?:decimals|numbers|amounts)\s+as\s+(?:strings|text)\b"),
    ),
    (
        {"freeze_header": False},
        Format.XLSX,
        regex.compile(
            r"\b(?:don'?t|do\s+not|no|without|never)\s+(?:freeze|frozen|freezing)\s+(?:the\s+)?"
            r"(?:header|top\s+row|first\s+row)(?:\s+row)?\b|\bunfrozen\s+header\b"
        ),
    ),
    (
        {"freeze_header": True},
        Format.XLSX,
        regex.compile(r"\b(?:freeze|frozen)\s+(?:the\s+)?(?:header|top\s+row)(?:\s+row)?\b"),
    ),
    (
        {"autofilter": False},
        Format.XLSX,
        regex.compile(r"\b(?:no|without|(?:don'?t|do\s+not)\s+add)\s+(?:an?\s+)?auto-?filters?\b"),
    ),
    (
        {"autofilter": True},
        Format.XLSX,
        regex.compile(r"\b(?:with|add)\s+(?:an?\s+)?auto-?filters?\b"),
    ),
    (
        {"title_row": False},
        Format.XLSX,
        regex.compile(r"\b(?:no|without)\s+(?:a\s+|the\s+)?title\s+row\b"),
    ),
    ({"title_row": True}, Format.XLSX, regex.compile(r"\bwith\s+(?:a\s+|the\s+)?title\s+row\b")),
    (
        {"orientation": "landscape"},
        Format.PDF,
        regex.compile(
            rf"\b(?:in\s+)?{typo('landscape')}(?:\s+(?:mode|orientation|format|layout|pages?))?\b"
        ),
    ),
    (
        {"orientation": "portrait"},
        Format.PDF,
        regex.compile(r"\b(?:in\s+)?portrait\s*(?:mode|orientation|format|layout|pages?)?\b"),
    ),
    (
        {"page_size": "A4"},
        Format.PDF,
        regex.compile(
            r"\b(?:on\s+|in\s+)?(?:din\s+)?a4(?:[- ](?:paper|pages?|size[d]?|format))?"
            r"(?:\s+(?:paper|pages?))?\b"
        ),
    ),
    (
        {"page_size": "letter"},
        Format.PDF,
        regex.compile(
            r"\b(?:on\s+|in\s+)?(?:us\s+)?letter[- ](?:size[d]?|paper|format|pages?)"
            r"(?:\s+(?:paper|pages?))?\b"
            r"|\b(?:on\s+|in\s+)?us\s+letter\b"
        ),
    ),
    (
        {"metadata": True},
        None,
        regex.compile(
            r"\b(?:with|include|including|plus|add|and)\s+(?:the\s+)?metadata\b"
            r"|\bmetadata\s+(?:included|on|header)\b"
        ),
    ),
    ({"metadata": False}, None, regex.compile(r"\b(?:without|no)\s+(?:the\s+)?metadata\b")),
    (
        {"compression": "zstd"},
        Format.PARQUET,
        regex.compile(
            r"\b(?:zstd|zstandard)(?:[- ]compress(?:ion|ed))?\b|\bcompressed\s+with\s+zstd\b"
        ),
    ),
    (
        {"compression": "snappy"},
        Format.PARQUET,
        regex.compile(r"\bsnappy(?:[- ]compress(?:ion|ed))?\b|\bcompressed\s+with\s+snappy\b"),
    ),
]
_UNSUPPORTED: list[tuple[str, regex.Pattern[str]]] = [
    (
        "a password (files are not encrypted; send them to a trusted address instead)",
        regex.compile(
            r"\b(?:with|and|plus)\s+a\s+password\b|\bpassword[- ]protect(?:ed|ion)?\b"
            r"|\bencrypt(?:ed)?\s+(?:zip"
            r"|file|it|the\s+file|archive)\b"
        ),
    ),
    (
        "{0} (I can zip or gzip the file)",
        regex.compile(
            r"\b(?:as\s+an?\s+|in\s+an?\s+)?(?:7z|7-?zip|rar|bzip2?|bz2|xz|lzma|tar(?!\.?gz))(?:\s+(?:archive"
            r"|file))?\b|\b(?:7z|bz2|xz)-?(?:compressed|zipped)\b"
        ),
    ),
    (
        "{0} pages (I can make A4 or letter)",
        regex.compile(r"\b(?:on\s+)?(?:a3|a5|legal|tabloid)(?:[- ](?:paper|size|pages?))\b"),
    ),
]
_SHEET = regex.compile(
    r"\b(?:(?:sheet|tab|worksheet)\s+(?:named|called|titled|name(?:d)?\s*[:=]?)"
    r"|(?:name|call|title)\s+the\s+(?:sheet|tab|worksheet))\s+"
)
_TITLE = regex.compile(
    r"\b(?:titled|entitled|with\s+(?:the\s+)?(?:title|heading)|title\s*[:=]|title\s+it"
    r"|give\s+it\s+the\s+title)\s+"
)
_NEST = regex.compile(r"\bnest(?:ed|ing)?\s+(?:by|under|per)\s+")


def _find_values(reading: Reading) -> None:
    for found in reading.each(_SHEET):
        value = value_at(reading, found.end(), cased=True)
        if value is not None:
            name, end = value
            reading.take((found.start(), end), options={"sheet_name": name[:31]})
    for found in reading.each(_TITLE):
        value = value_at(reading, found.end(), words=8)
        if value is not None:
            title, end = value
            reading.take((found.start(), end), options={"title": title})
    for found in reading.each(_NEST):
        names: list[str] = []
        end = last = found.end()
        while (column := name_words(reading.work, end)) is not None:
            names.append(column[0])
            last = column[1]
            joiner = regex.match(r"\s*(?:,|and)\s*", reading.work[last:])
            if joiner is None:
                break
            end = last + joiner.end()
        if names:
            reading.take((found.start(), last), options={"nest_by": names})


def find_layout(reading: Reading) -> None:
    """Read the options of JSON, Excel, PDF and Parquet files, titles and metadata."""
    for what, pattern in _UNSUPPORTED:
        for found in reading.each(pattern):
            reading.take(found.span(), unsupported=what.format(found.group().strip()))
    _find_values(reading)
    for options, implies, pattern in _FLAGS:
        for found in reading.each(pattern):
            reading.take(found.span(), options=options, implies=implies)
