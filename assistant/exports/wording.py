"""A request's options stated back in words, and what of it could not be done.

What was said in chat about the file ("csv with semicolons and a BOM, only name, email
and city") is said back with the file: "CSV, semicolon-separated, with BOM, 3 columns".
Nothing said is dropped in silence: asks that cannot be done (``options["unsupported"]``)
and options the format does not take (a delimiter for an Excel file, which
:meth:`ExportRequest.export_options` leaves out) are named as not done.

>>> from intents.models import ExportRequest
>>> request = ExportRequest(intent="export", format="csv", target="last_result",
...     columns=["name", "email", "city"], options={"delimiter": ";", "bom": True})
>>> said_in_words(request)
'CSV, semicolon-separated, with BOM, 3 columns'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import regex

from exporters import get_format
from intents.models import REQUEST_OPTIONS, Compression, ExportRequest
from intents.vocabulary import FORMAT_LABELS

__all__ = ["not_done", "said_back", "said_in_words", "titled"]

_ASKING = regex.compile(
    r"^(?:please\s+)?(?:(?:show|list|give|get|find|display|export)(?:\s+me)?"
    r"|what\s+(?:are|were|is)|which)\s+(?:all\s+(?:the\s+)?|the\s+)?",
    regex.I,
)
_SQL = regex.compile(r"^\s*(?:select|with|values|table)\b", regex.I)
_NOT_IN_SHEET_NAMES = regex.compile(r"[\[\]:*?/\\]")
#: Formats whose file shows a title (PDF's heading, Excel's sheet tab and title row).
_TITLED = frozenset({"pdf", "xlsx"})

_SAMPLE = dt.datetime(2026, 12, 31, 23, 45)  # shows a date format by example
_CHOICES: dict[str, dict[Any, str]] = {
    "delimiter": {
        ";": "semicolon-separated",
        ",": "comma-separated",
        "\t": "tab-separated",
        "|": "pipe-separated",
    },
    "decimal_separator": {",": "decimal comma", ".": "decimal point"},
    "bom": {True: "with BOM", False: "without BOM"},
    "encoding": {"utf-8": "UTF-8", "utf-16": "UTF-16", "latin-1": "Latin-1"},
    "quoting": {
        "all": "every field quoted",
        "nonnumeric": "text fields quoted",
        "none": "no quotes",
        "minimal": "quotes only where needed",
    },
    "header": {True: "with a header row", False: "no header row"},
    "line_terminator": {"lf": "LF line endings", "crlf": "CRLF line endings"},
    "nulls": {"omit": "nulls left out", "include": "nulls kept"},
    "pretty": {True: "pretty-printed", False: "compact"},
    "decimals": {"string": "decimals as strings", "number": "decimals as numbers"},
    "metadata": {True: "with metadata", False: "without metadata"},
    "freeze_header": {True: "header row frozen", False: "header row not frozen"},
    "autofilter": {True: "with autofilter", False: "no autofilter"},
    "title_row": {True: "with a title row", False: "no title row"},
}
_COMPRESSION = {Compression.ZIP: "zipped", Compression.GZIP: "gzipped"}


def _date_format(pattern: str) -> str:
    if pattern == "iso":
        return "ISO dates"
    if "%s" in pattern:
        return "dates as Unix seconds"
    try:
        return f"dates like {_SAMPLE.strftime(pattern)}"
    except ValueError:
        return f"dates as {pattern}"


def _sort(sort: list[Mapping[str, Any]]) -> str:
    words: list[str] = []
    for entry in sort:
        descending = bool(entry.get("descending"))
        if entry.get("column"):
            words.append(f"{entry['column']}{' descending' if descending else ''}")
        elif entry.get("pick") == "text":
            words.append("reverse alphabetical" if descending else "alphabetical")
        else:
            words.append("newest first" if descending else "oldest first")
    text = ", then ".join(words)
    return f"sorted by {text}" if sort[0].get("column") else text


_VALUES: dict[str, Callable[[Any], str]] = {
    "null": lambda value: f'NULL as "{value}"' if value else "NULL as empty",
    "nest_by": lambda value: "nested by " + ", ".join(value),
    "title": lambda value: f'titled "{value}"',
    "sheet_name": lambda value: f'sheet "{value}"',
    "orientation": str,
    "page_size": str,
    "compression": lambda value: f"{value} compression",
    "timezone": lambda value: f"times in {value}",
    "datetime_format": _date_format,
    "rename": lambda value: ", ".join(f"{old} renamed to {new}" for old, new in value.items()),
    "sort": _sort,
}


def _words(key: str, value: Any) -> str:
    if key in _CHOICES and value in _CHOICES[key]:
        return _CHOICES[key][value]
    if key in _VALUES and value not in (None, "", [], {}):
        return _VALUES[key](value)
    return f"{key} {value!r}"


def _taken(request: ExportRequest) -> set[str]:
    if request.format is None:
        return set()
    return set(get_format(request.format).options.model_fields)


def said_in_words(request: ExportRequest, *, sorted_rows: bool = True) -> str:
    """The request's format and every option it carries, in words ('' for none).

    Options the format does not take are left to :func:`not_done`, and so is the sort
    order when the rows are not sorted (``sorted_rows=False``: a bundle of past results)."""
    taken = _taken(request)
    parts = [FORMAT_LABELS[request.format]] if request.format is not None else []
    for key, value in request.options.items():
        if key == "sort" and value and sorted_rows:
            parts.append(_sort(value))
        elif key not in REQUEST_OPTIONS and key in taken:
            parts.append(_words(key, value))
    if request.columns:
        count = len(request.columns)
        parts.append("1 column" if count == 1 else f"{count} columns")
    if request.exclude_columns:
        parts.append("without " + ", ".join(request.exclude_columns))
    if request.limit is not None:
        parts.append("first row" if request.limit == 1 else f"first {request.limit:,} rows")
    if request.compression is not None:
        parts.append(_COMPRESSION[request.compression])
    return ", ".join(parts) if len(parts) > 1 else ""


def not_done(request: ExportRequest, *, sorted_rows: bool = True) -> list[str]:
    """What was asked for the file and is not in it: impossible asks, options the format
    does not take ("semicolon-separated: Excel files have no such option"), a sort order
    a bundle of past results does not apply (``sorted_rows=False``)."""
    missing = [str(ask) for ask in request.options.get("unsupported") or []]
    if not sorted_rows and request.options.get("sort"):
        missing.append(f"{_sort(request.options['sort'])} (each query keeps its own order)")
    taken = _taken(request)
    label = FORMAT_LABELS.get(request.format) if request.format is not None else None
    for key, value in request.options.items():
        if key not in REQUEST_OPTIONS and key not in taken and label is not None:
            missing.append(f"{_words(key, value)} ({label} files have no such option)")
    return missing


def said_back(request: ExportRequest, *, sorted_rows: bool = True) -> str:
    """ " As asked: CSV, semicolon-separated. Not done: single quotes (...)." or ''."""
    said = said_in_words(request, sorted_rows=sorted_rows)
    missing = not_done(request, sorted_rows=sorted_rows)
    text = f" As asked: {said}." if said else ""
    return text + (" Not done: " + "; ".join(missing) + "." if missing else "")


def title_of(question: str) -> str:
    """A file's title from the question its rows answer: "show orders from today" is
    "Orders from today".

    >>> title_of("show me all the customers in Germany"), title_of("What are my top products?")
    ('Customers in Germany', 'My top products')
    """
    words = _ASKING.sub("", question.strip()).rstrip("?.! ") or question.strip()
    return words[:1].upper() + words[1:]


def titled(options: Mapping[str, Any], format: str, question: str | None) -> dict[str, Any]:
    """``options`` with a PDF or Excel title and Excel sheet name from ``question`` when none
    was said (a typed SQL query keeps the exporter's own, from its tables).

    >>> titled({}, "xlsx", "show orders from today")
    {'title': 'Orders from today', 'sheet_name': 'Orders from today'}
    """
    if format not in _TITLED or not question or _SQL.match(question):
        return dict(options)
    title = title_of(question)
    out = {"title": title, **{key: value for key, value in options.items() if value is not None}}
    if format == "xlsx" and "sheet_name" not in options:
        sheet = _NOT_IN_SHEET_NAMES.sub(" ", title).strip(" '")[:31].strip(" '")
        if sheet:
            out["sheet_name"] = sheet
    return out
