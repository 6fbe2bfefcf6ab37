"""A generated corpus of export requests that say options in words.

Each option is said in many ways (:data:`ASKS`), put into requests with different leads,
format words, joiners, politeness and order, sometimes two or three at once, with typos
in long words and changes of case; every message knows the options and format it asks
for. A fixed seed keeps the corpus the same from run to run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

CSV, TSV, JSON, XLSX, PDF = "csv", "tsv", "json", "xlsx", "pdf"


@dataclass(frozen=True)
class Ask:
    """One way to say an option: the words, what they set, the formats they fit."""

    words: str
    options: dict[str, Any]
    formats: tuple[str, ...] = (CSV,)
    implies: str | None = None  # the format asked for when no format is named
    named: bool = False  # only with a format word ("so it opens in Excel" needs "csv")


@dataclass(frozen=True)
class Case:
    message: str
    options: dict[str, Any]
    format: str
    asks: list[Ask] = field(default_factory=list)


def _kind(
    phrasings: list[str],
    options: dict[str, Any],
    formats: tuple[str, ...],
    implies: str | None,
    named: bool = False,
) -> list[Ask]:
    return [Ask(words, options, formats, implies, named) for words in phrasings]


SEMI = {"delimiter": ";"}
PIPE = {"delimiter": "|"}
GERMAN = {"delimiter": ";", "decimal_separator": ",", "bom": True}
ANY = (CSV, TSV, JSON, XLSX, PDF)


def _sort(column: str | None, descending: bool, pick: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"column": column, "descending": descending}
    if pick:
        entry["pick"] = pick
    return {"sort": [entry]}


ASKS: list[Ask] = [
    *_kind(
        ["with semicolons", "using semicolons", "separated by semicolons", "separated by ;",
         "delimited by semi-colons", "split by semicolons", "with semicolons as the delimiter",
         "using a semicolon as separator", "; as the separator", "semicolon-separated",
         "semicolon delimited", "delimiter ;", "delimiter: semicolon", "with a semicolon delimiter",
         "separator = ;", "use ';' as the field separator", "with semi colons"],
        SEMI, (CSV,), CSV,
    ),
    *_kind(
        ["with pipes", "separated by pipes", "pipe-delimited", "| separated", "delimiter |",
         "separated by the pipe character", "using pipes as separators", "with a pipe delimiter"],
        PIPE, (CSV,), CSV,
    ),
    *_kind(
        ["tab-separated", "tab delimited", "separated by tabs", "with tabs as the delimiter",
         "delimiter: tab"],
        {"delimiter": "\t"}, (CSV, TSV), TSV,
    ),
    *_kind(
        ["for German Excel", "so it opens in German Excel", "for a European Excel",
         "for Excel with a German locale", "for French Excel", "that opens in Dutch Excel",
         "for German-language Excel", "for Excel set to German"],
        GERMAN, (CSV,), CSV,
    ),
    *_kind(
        ["with decimal commas", "with a decimal comma", "comma as the decimal separator",
         "commas for decimals", "using a comma as decimal point", "decimal separator: comma",
         "in German number format", "with European number formatting"],
        {"decimal_separator": ","}, (CSV, TSV), None,
    ),
    *_kind(["with a decimal point", "dot as the decimal separator"], {"decimal_separator": "."},
           (CSV, TSV), None),
    *_kind(
        ["with BOM", "with a BOM", "with a byte order mark", "including the UTF-8 BOM",
         "add a BOM", "plus BOM", "with byte-order mark"],
        {"bom": True}, (CSV, TSV), CSV,
    ),
    *_kind(["without BOM", "no BOM", "without a byte order mark", "don't add a BOM", "BOM-less"],
           {"bom": False}, (CSV, TSV), CSV),
    *_kind(["for Excel on Windows", "so it opens in Excel", "that opens correctly in Excel",
            "for Windows Excel", "to open in Excel"], {"bom": True}, (CSV,), None, named=True),
    *_kind(["in latin-1", "encoded as latin1", "with ISO-8859-1 encoding", "latin-1 encoded",
            "in Western European encoding"], {"encoding": "latin-1"}, (CSV, TSV), CSV),
    *_kind(["encoding: utf-16", "in UTF-16", "as utf16", "utf-16 encoded"],
           {"encoding": "utf-16"}, (CSV, TSV), CSV),
    *_kind(["utf-8 encoded", "in UTF-8", "with utf-8 encoding"], {"encoding": "utf-8"},
           (CSV, TSV), CSV),
    *_kind(["in utf-8-sig"], {"encoding": "utf-8", "bom": True}, (CSV, TSV), CSV),
    *_kind(
        ["with double quotes everywhere", "quote all fields", "quote every value",
         "with all values quoted", "everything in double quotes", "always quoted",
         "wrap every field in quotes", "quoting=all", "with quotes around everything"],
        {"quoting": "all"}, (CSV, TSV), CSV,
    ),
    *_kind(["quote only text fields", "quote non-numeric values", "text values quoted"],
           {"quoting": "nonnumeric"}, (CSV, TSV), CSV),
    *_kind(["without quotes", "no quoting", "never quote anything", "unquoted"],
           {"quoting": "none"}, (CSV, TSV), CSV),
    *_kind(["only quote when needed", "minimal quoting"], {"quoting": "minimal"}, (CSV, TSV), CSV),
    *_kind(["without a header row", "no header", "skip the header", "headerless",
            "without column names", "don't include the header row"], {"header": False},
           (CSV, TSV), None),
    *_kind(["with headers", "include the header row"], {"header": True}, (CSV, TSV), None),
    *_kind(["with unix line endings", "LF line endings", "linux newlines"],
           {"line_terminator": "lf"}, (CSV, TSV), None),
    *_kind(["windows line endings", "CRLF line breaks"], {"line_terminator": "crlf"}, (CSV, TSV),
           None),
    *_kind(['with nulls as "N/A"', "nulls as N/A", "write N/A for missing values"],
           {"null": "N/A"}, (CSV, TSV), None),
    *_kind(["nulls as NULL", "empty values as NULL"], {"null": "NULL"}, (CSV, TSV), None),
    *_kind(["pretty-printed", "pretty printed", "indented", "human-readable",
            "nicely formatted"], {"pretty": True}, (JSON,), None),
    *_kind(["minified"], {"pretty": False}, (JSON,), None),
    *_kind(["omit nulls", "without null fields", "drop null values", "nulls omitted"],
           {"nulls": "omit"}, (JSON,), None),
    *_kind(["decimals as strings", "numbers as text"], {"decimals": "string"}, (JSON,), None),
    *_kind(['with the sheet named "Q3"', "with a sheet called Q3", "name the sheet Q3"],
           {"sheet_name": "Q3"}, (XLSX,), None),
    *_kind(["no autofilter", "without autofilters"], {"autofilter": False}, (XLSX,), None),
    *_kind(["don't freeze the header row", "no frozen header"], {"freeze_header": False},
           (XLSX,), None),
    *_kind(["in landscape", "landscape mode", "in landscape orientation"],
           {"orientation": "landscape"}, (PDF,), None),
    *_kind(["portrait orientation", "in portrait"], {"orientation": "portrait"}, (PDF,), None),
    *_kind(["on A4", "A4 paper", "in A4 format"], {"page_size": "A4"}, (PDF,), None),
    *_kind(["on US letter", "letter-size paper", "on letter paper"], {"page_size": "letter"},
           (PDF,), None),
    *_kind(['titled "Q3 revenue"', "with the title Q3 revenue", 'title: "Q3 revenue"'],
           {"title": "Q3 revenue"}, ANY, None),
    *_kind(["with metadata", "include metadata"], {"metadata": True}, ANY, None),
    *_kind(["without metadata"], {"metadata": False}, ANY, None),
    *_kind(["sorted by total", "ordered by total", "sorted by total ascending",
            "sorted by total, lowest first", "sorted on total (asc)", "by total ascending",
            "in ascending order of total", "lowest total first", "sorted by total low to high"],
           _sort("total", False), ANY, None),
    *_kind(["sorted by total descending", "sorted by total in descending order",
            "sorted by total, highest first", "ordered by total desc", "sorted on total (desc)",
            "by total descending", "by total, largest first", "in descending order of total",
            "highest total first", "sorted descending by total", "ranked by total",
            "sorted by total from highest to lowest", "biggest total first"],
           _sort("total", True), ANY, None),
    *_kind(["sorted by name", "alphabetically by name", "sorted by name A-Z",
            "ordered by name ascending"], _sort("name", False), ANY, None),
    *_kind(["sorted by name Z-A", "sorted by name in reverse order"], _sort("name", True),
           ANY, None),
    *_kind(["sorted by signup date", "ordered by the signup date column"],
           _sort("signup_date", False), ANY, None),
    *_kind(["sorted by last name descending"], _sort("last_name", True), ANY, None),
    *_kind(["newest first", "latest first", "most recent first", "from newest to oldest",
            "in reverse chronological order", "newest orders first", "with the latest on top"],
           _sort(None, True, "date"), ANY, None),
    *_kind(["oldest first", "earliest first", "in chronological order", "from oldest to newest"],
           _sort(None, False, "date"), ANY, None),
    *_kind(["alphabetically", "in alphabetical order", "sorted alphabetically"],
           _sort(None, False, "text"), ANY, None),
    *_kind(["sorted by country then city", "ordered by country, then by city",
            "sorted by country and then city"],
           {"sort": [{"column": "country", "descending": False},
                     {"column": "city", "descending": False}]}, ANY, None),
    *_kind(["sorted by country, then by total descending"],
           {"sort": [{"column": "country", "descending": False},
                     {"column": "total", "descending": True}]}, ANY, None),
    *_kind(["rename email to E-Mail", "rename the email column to E-Mail",
            "rename email as E-Mail", "with email renamed to E-Mail",
            "call the email column E-Mail", "email -> E-Mail", "with email as E-Mail",
            "label email as E-Mail", "rename email to 'E-Mail'"],
           {"rename": {"email": "E-Mail"}}, ANY, None),
    *_kind(["rename name to Full Name", "with name renamed to Full Name"],
           {"rename": {"name": "Full Name"}}, ANY, None),
    *_kind(["rename total to Amount (EUR)"], {"rename": {"total": "Amount (EUR)"}}, ANY, None),
    *_kind(["rename email to E-Mail and name to Full Name"],
           {"rename": {"email": "E-Mail", "name": "Full Name"}}, ANY, None),
    *_kind(["in Berlin time", "with times in Europe/Berlin", "timestamps in Berlin time",
            "timezone Europe/Berlin", "converted to Berlin time", "in the Berlin time zone",
            "in German time"], {"timezone": "Europe/Berlin"}, ANY, None),
    *_kind(["with times in UTC", "in UTC", "timezone: UTC", "in UTC time"],
           {"timezone": "UTC"}, ANY, None),
    *_kind(["in New York time", "in Eastern time", "times in America/New_York"],
           {"timezone": "America/New_York"}, ANY, None),
    *_kind(["in Tokyo time", "time zone: Asia/Tokyo"], {"timezone": "Asia/Tokyo"}, ANY, None),
    *_kind(["in my local time", "in local time", "in my time zone"],
           {"timezone": "America/Chicago"}, ANY, None),
    *_kind(["with dates as dd.mm.yyyy", "dates as DD.MM.YYYY", "in dd.mm.yyyy format",
            "date format dd.mm.yyyy", "with European dates", "German date format"],
           {"datetime_format": "%d.%m.%Y"}, ANY, None),
    *_kind(["with dates as DD/MM/YYYY", "UK dates", "with British dates"],
           {"datetime_format": "%d/%m/%Y"}, ANY, None),
    *_kind(["with US dates", "American date format", "dates like MM/DD/YYYY"],
           {"datetime_format": "%m/%d/%Y"}, ANY, None),
    *_kind(["with ISO dates", "ISO 8601 timestamps", "dates in ISO format"],
           {"datetime_format": "iso"}, ANY, None),
    *_kind(["timestamps as yyyy-mm-dd hh:mm", "dates like YYYY-MM-DD HH:mm"],
           {"datetime_format": "%Y-%m-%d %H:%M"}, ANY, None),
    *_kind(["unix timestamps", "dates as epoch seconds"], {"datetime_format": "%s"}, ANY, None),
    *_kind(["dates formatted as %d/%m/%Y"], {"datetime_format": "%d/%m/%Y"}, ANY, None),
]  # fmt: skip

# Asks that cannot be done: the options say so under "unsupported", naming the ask.
UNSUPPORTED: list[tuple[str, str]] = [
    ("with single quotes", "single quotes"),
    ("separated by colons", "colons"),
    ("separated by spaces", "spaces"),
    ("encoded in windows-1252", "windows-1252"),
    ("in shift-jis encoding", "shift-jis"),
    ("password-protected", "password"),
    ("as a 7z archive", "7z"),
    ("timezone Mars/Olympus", "mars/olympus"),
]

FORMAT_WORDS: dict[str, list[str]] = {
    CSV: ["as csv", "as a CSV", "to csv", "as a .csv file", "in CSV format", "as a csv file"],
    TSV: ["as tsv", "as a TSV file"],
    JSON: ["as json", "as JSON", "to a json file", "in json format"],
    XLSX: ["as excel", "as an xlsx", "to a spreadsheet", "as an Excel file"],
    PDF: ["as a pdf", "as PDF", "to pdf"],
}
LEADS = ["export this", "export the results", "please export this", "can you export it",
         "download this", "save the result", "export these rows", "could you export this",
         "export it"]  # fmt: skip
POLITE = ["", " please", " thanks", "!", ", thank you", " pls"]
TYPO_WORDS = ("semicolons", "semicolon", "separated", "delimited", "delimiter", "separator",
              "descending", "ascending", "alphabetically", "chronological", "encoding",
              "encoded", "landscape")  # fmt: skip


def typo(words: str, rng: random.Random) -> str:
    """``words`` with one long word misspelt (a letter dropped, doubled or two swapped)."""
    for word in TYPO_WORDS:
        at = words.lower().find(word)
        if at < 0:
            continue
        i = rng.randrange(2, len(word) - 2)
        original = words[at : at + len(word)]
        kind = rng.choice(("drop", "swap", "double"))
        if kind == "drop":
            wrong = original[:i] + original[i + 1 :]
        elif kind == "swap":
            wrong = original[:i] + original[i + 1] + original[i] + original[i + 2 :]
        else:
            wrong = original[:i] + original[i] + original[i:]
        return words[:at] + wrong + words[at + len(word) :]
    return words


def _merged(asks: list[Ask]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for ask in asks:
        for key, value in ask.options.items():
            if key == "sort" and key in options:
                options[key] = options[key] + value
            elif key == "rename" and key in options:
                options[key] = {**options[key], **value}
            else:
                options[key] = value
    return options


def _compatible(asks: list[Ask]) -> bool:
    keys = [key for ask in asks for key in ask.options]
    formats = set(asks[0].formats).intersection(*(ask.formats for ask in asks[1:]))
    return len(keys) == len(set(keys)) and bool(formats)


def cases(seed: int = 16) -> Iterator[Case]:
    """Every ask alone in a few shapes, then random pairs and triples of asks."""
    rng = random.Random(seed)
    for ask in ASKS:
        for shape in range(3):
            yield _case([ask], rng, shape)
    made = 0
    while made < 400:
        picked = rng.sample(ASKS, rng.choice((2, 2, 3)))
        if _compatible(picked):
            made += 1
            yield _case(picked, rng, rng.randrange(4))


def _case(asks: list[Ask], rng: random.Random, shape: int) -> Case:
    formats = [f for f in asks[0].formats if all(f in ask.formats for ask in asks)]
    implied = next((ask.implies for ask in asks if ask.implies in formats), None)
    if any(ask.implies == TSV for ask in asks) and TSV in formats:
        implied = TSV  # "tab-separated" names the TSV format
    named = shape != 2 or implied is None or any(ask.named for ask in asks)
    fmt = rng.choice(formats) if named else implied
    assert fmt is not None
    words = [typo(ask.words, rng) if rng.random() < 0.3 else ask.words for ask in asks]
    joined = words[0]
    for word in words[1:]:
        joined += rng.choice((", ", " and ", ", and ", " ")) + word
    lead = rng.choice(LEADS)
    format_words = rng.choice(FORMAT_WORDS[fmt]) if named else ""
    if shape == 1 and named:
        message = f"{lead} {joined} {format_words}"
    elif shape == 3 and named:
        message = f"{format_words.removeprefix('as ').removeprefix('to ')}, {joined}"
    else:
        message = f"{lead} {format_words} {joined}".replace("  ", " ")
    message += rng.choice(POLITE)
    if rng.random() < 0.2:
        message = message[0].upper() + message[1:]
    return Case(message, _merged(asks), fmt, asks)
