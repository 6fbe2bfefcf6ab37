"""Export options in words, read by the rules: a generated corpus, traps and follow-ups."""

from __future__ import annotations

from typing import Any

import pytest

from intents import Context, ExportRequest, Format, Intent, Target, parse
from intents.option_words import carry_options, find_option_words
from tests.intents.option_phrasings import ASKS, LEADS, UNSUPPORTED, Case, cases

CONTEXT = Context.at("2026-11-18T15:30:00", "America/Chicago")


def _read(message: str, context: Context = CONTEXT) -> ExportRequest:
    return parse(message, context, mode="rules")


def _wrong(case: Case) -> str | None:
    """What the rules got wrong about ``case`` (None: all of it right)."""
    request = _read(case.message)
    problems = []
    if request.intent is not Intent.EXPORT or request.clarify is not None:
        problems.append(f"{request.intent.value}, clarify={request.clarify!r}")
    if request.format is None or request.format.value != case.format:
        problems.append(f"format {request.format}")
    if request.target is not Target.LAST_RESULT or request.query:
        problems.append(f"target {request.target} query={request.query!r}")
    if request.options != case.options:
        problems.append(f"options {request.options} != {case.options}")
    if request.columns or request.exclude_columns or request.email:
        problems.append(f"columns {request.columns} exclude {request.exclude_columns}")
    return "; ".join(problems) or None


def test_every_option_is_asked_for_in_the_corpus() -> None:
    said = {key for ask in ASKS for key in ask.options}
    assert said >= {"delimiter", "decimal_separator", "bom", "encoding", "quoting", "header",
                    "line_terminator", "null", "pretty", "nulls", "decimals", "sheet_name",
                    "autofilter", "freeze_header", "orientation", "page_size", "title",
                    "metadata", "sort", "rename", "timezone", "datetime_format"}  # fmt: skip


def test_generated_corpus_reads_every_option() -> None:
    corpus = list(cases())
    assert len(corpus) >= 700
    failures = [f"{case.message!r}: {wrong}" for case in corpus if (wrong := _wrong(case))]
    rate = 1 - len(failures) / len(corpus)
    assert not failures, f"{rate:.3f} of {len(corpus)} right:\n" + "\n".join(failures[:40])


# Written apart from the generator, in other words: subjects ("fields are separated by"),
# "instead of", "my Excel is German", "change the header", "day/month/year".
WRITTEN: list[tuple[str, str, dict[str, Any]]] = [
    ("csv please, but use semicolons instead of commas", "csv", {"delimiter": ";"}),
    ("export as csv; columns separated with a pipe", "csv", {"delimiter": "|"}),
    ("I need a CSV where fields are separated by semicolons", "csv", {"delimiter": ";"}),
    (
        "export this as csv, my Excel is German",
        "csv",
        {"delimiter": ";", "decimal_separator": ",", "bom": True},
    ),
    (
        "give me a csv that works with Excel in Germany",
        "csv",
        {"delimiter": ";", "decimal_separator": ",", "bom": True},
    ),
    ("csv with utf-8 bom please", "csv", {"bom": True}),
    ("export it as csv, encoding latin1", "csv", {"encoding": "latin-1"}),
    ("export as csv in iso-8859-1", "csv", {"encoding": "latin-1"}),
    (
        "export to csv, sort by the total column from largest to smallest",
        "csv",
        {"sort": [{"column": "total", "descending": True}]},
    ),
    (
        "export this as excel, ordered by city",
        "xlsx",
        {"sort": [{"column": "city", "descending": False}]},
    ),
    ("csv sorted by date descending", "csv", {"sort": [{"column": "date", "descending": True}]}),
    (
        "csv, most recent orders at the top",
        "csv",
        {"sort": [{"column": None, "descending": True, "pick": "date"}]},
    ),
    (
        "export this as json sorted on name",
        "json",
        {"sort": [{"column": "name", "descending": False}]},
    ),
    (
        "export as csv and change the header email to E-mail address",
        "csv",
        {"rename": {"email": "E-mail address"}},
    ),
    ("export as xlsx, rename column total to Revenue", "xlsx", {"rename": {"total": "Revenue"}}),
    ("export as csv, show times in Central European Time", "csv", {"timezone": "CET"}),
    ("csv with all timestamps converted to Sydney time", "csv", {"timezone": "Australia/Sydney"}),
    ("export as csv with timestamps in Pacific time", "csv", {"timezone": "America/Los_Angeles"}),
    ("export this as csv with the dates in day/month/year", "csv", {"datetime_format": "%d/%m/%Y"}),
    ("csv, date format yyyy/mm/dd", "csv", {"datetime_format": "%Y/%m/%d"}),
    ("export this as a csv, gzipped, with a BOM", "csv", {"bom": True}),
    ("export as csv where every field is quoted", "csv", {"quoting": "all"}),
    ("export as csv but don't write a header", "csv", {"header": False}),
    ("a pdf in landscape please", "pdf", {"orientation": "landscape"}),
    ("export as json, pretty print it", "json", {"pretty": True}),
    ("export to excel and call the sheet Orders", "xlsx", {"sheet_name": "Orders"}),
    (
        "export as csv with semicolon separators and decimal commas",
        "csv",
        {"delimiter": ";", "decimal_separator": ","},
    ),
    ("tsv with Windows line endings", "tsv", {"line_terminator": "crlf"}),
    (
        "export as csv sorted by total (highest first) and then by name",
        "csv",
        {
            "sort": [
                {"column": "total", "descending": True},
                {"column": "name", "descending": False},
            ]
        },
    ),
    (
        "export as CSV ordered by signup date newest first",
        "csv",
        {"sort": [{"column": "signup_date", "descending": True}]},
    ),
]


def _sort(column: str, descending: bool = False) -> dict[str, Any]:
    return {"sort": [{"column": column, "descending": descending}]}


# A second batch written apart, in the Berlin zone: example dates, "sort order:", presets.
WRITTEN_AGAIN: list[tuple[str, str, dict[str, Any]]] = [
    ("Can I get that as a CSV but with semicolons pls", "csv", {"delimiter": ";"}),
    ("export to csv — semicolon as delimiter", "csv", {"delimiter": ";"}),
    ("csv file, pipe separated please", "csv", {"delimiter": "|"}),
    ("excel-compatible csv please", "csv", {"bom": True}),
    ("export as a csv that Excel on my Mac can open", "csv", {"bom": True}),
    (
        "export it as csv and make it work in Austrian Excel",
        "csv",
        {"delimiter": ";", "decimal_separator": ",", "bom": True},
    ),
    ("csv encoded in UTF16 please", "csv", {"encoding": "utf-16"}),
    (
        "export this as csv, windows-1252 please",
        "csv",
        {
            "unsupported": [
                "windows-1252 encoding (I can write UTF-8, UTF-16 or Latin-1; "
                "Latin-1 comes closest)"
            ]
        },
    ),
    ("export to csv ordered by total, biggest first", "csv", _sort("total", True)),
    ("export it as csv, sort order: city ascending", "csv", _sort("city")),
    ("json sorted by created_at desc", "json", _sort("created_at", True)),
    ("export the results as csv sorted by name, z to a", "csv", _sort("name", True)),
    (
        "excel file with the oldest entries at the top",
        "xlsx",
        {"sort": [{"column": None, "descending": False, "pick": "date"}]},
    ),
    (
        "export as csv and rename the column customer_id to Customer",
        "csv",
        {"rename": {"customer_id": "Customer"}},
    ),
    ("export as csv, call the total column 'Amount'", "csv", {"rename": {"total": "Amount"}}),
    ("csv, times in Asia/Kolkata", "csv", {"timezone": "Asia/Kolkata"}),
    ("export as csv using UTC timestamps", "csv", {"timezone": "UTC"}),
    ("export as csv, all times in London time", "csv", {"timezone": "Europe/London"}),
    ("export to csv with dates in mm/dd/yyyy", "csv", {"datetime_format": "%m/%d/%Y"}),
    ("export as excel, landscape", "xlsx", {"orientation": "landscape"}),
    ("pdf, landscape, A4", "pdf", {"orientation": "landscape", "page_size": "A4"}),
    ("export as json without pretty printing", "json", {"pretty": False}),
    ("export as csv, no quotes around values", "csv", {"quoting": "none"}),
    ("export as csv, and skip the header line", "csv", {"header": False}),
    ("export the rows as csv, empty cells as n/a", "csv", {"null": "n/a"}),
    ("csv with a pipe as separator and a BOM", "csv", {"delimiter": "|", "bom": True}),
    (
        "export as csv, semicolon-delimited, ordered by city then total desc",
        "csv",
        {
            "delimiter": ";",
            "sort": [
                {"column": "city", "descending": False},
                {"column": "total", "descending": True},
            ],
        },
    ),
    (
        "export to csv with timestamps in Berlin time and sorted newest first",
        "csv",
        {
            "timezone": "Europe/Berlin",
            "sort": [{"column": None, "descending": True, "pick": "date"}],
        },
    ),
    ("csv with the date column formatted like 2026-12-31", "csv", {"datetime_format": "%Y-%m-%d"}),
]


@pytest.mark.parametrize(("message", "format", "options"), WRITTEN_AGAIN)
def test_phrasings_written_apart_again(message: str, format: str, options: dict[str, Any]) -> None:
    request = _read(message, Context.at("2026-11-18T15:30:00", "Europe/Berlin"))
    assert request.format is not None and request.format.value == format
    assert request.target is Target.LAST_RESULT and not request.query
    assert request.options == options


@pytest.mark.parametrize(("message", "format", "options"), WRITTEN)
def test_phrasings_written_apart(message: str, format: str, options: dict[str, Any]) -> None:
    request = _read(message)
    assert request.format is not None and request.format.value == format
    assert request.target is Target.LAST_RESULT and not request.query
    assert request.options == options


@pytest.mark.parametrize(("words", "named"), UNSUPPORTED)
@pytest.mark.parametrize("lead", LEADS[:3])
def test_an_ask_that_cannot_be_done_is_kept_and_named(words: str, named: str, lead: str) -> None:
    request = _read(f"{lead} as csv {words}")
    assert request.format is Format.CSV and request.target is Target.LAST_RESULT
    assert not request.query
    unsupported = request.options.get("unsupported")
    assert unsupported and len(unsupported) == 1, request.options
    assert named in unsupported[0].lower()


@pytest.mark.parametrize(
    ("message", "intent", "query"),
    [
        ("export orders from Berlin as csv", Intent.EXPORT, "orders from Berlin"),
        ("export orders placed in Tokyo as csv", Intent.EXPORT, "orders placed in Tokyo"),
        ("export revenue by region as csv", Intent.EXPORT, "revenue by region"),
        ("export the 10 newest orders as csv", Intent.EXPORT, "10 newest orders"),
        ("export customers named Smith as csv", Intent.EXPORT, "customers named Smith"),
        ("export the pipeline report as csv", Intent.EXPORT, "pipeline report"),
        ("export orders with a total over 100 as json", Intent.EXPORT, None),
        ("show me the latest orders", Intent.QUERY, None),
        ("show orders sorted by total", Intent.QUERY, "orders sorted by total"),
        ("what time is it in Berlin?", Intent.QUERY, None),
        ("don't export yet, just sort by date", Intent.QUERY, "sort by date"),
        ("how many exports used semicolons last week?", Intent.QUERY, None),
    ],
)
def test_words_that_are_data_stay_data(message: str, intent: Intent, query: str | None) -> None:
    request = _read(message)
    assert request.intent is intent
    if query is not None:
        assert request.query == query
    assert not {"sort", "timezone", "rename", "datetime_format", "delimiter"} & set(
        request.options
    ), request.options


@pytest.mark.parametrize(
    ("message", "format"),
    [
        ("export this for excel", Format.XLSX),
        ("export it to Excel on Windows", Format.XLSX),
        ("export this as xlsx for German Excel", Format.XLSX),
        ("email it to me as csv", Format.CSV),
        ("send us the dates as csv", Format.CSV),
        ("export the email column as csv", Format.CSV),
        ("export everything from today as csv files in a zip", Format.CSV),
    ],
)
def test_no_options_where_none_were_said(message: str, format: Format) -> None:
    request = _read(message)
    assert request.format is format
    assert request.export_options().keys() <= {"columns", "compression"}, request.options


def test_options_alone_after_a_result_export_it() -> None:
    request = _read("with semicolons and a BOM please")
    assert (request.intent, request.format, request.target) == (
        Intent.EXPORT,
        Format.CSV,
        Target.LAST_RESULT,
    )
    assert request.options == {"delimiter": ";", "bom": True}


def test_a_sort_alone_is_no_file() -> None:
    assert _read("sorted by total descending").intent is not Intent.EXPORT


def test_follow_ups_change_options_and_keep_the_rest() -> None:
    first = _read("export this as csv with semicolons, sorted by total descending")
    context = Context.at("2026-11-18T15:30:00", "America/Chicago", last_request=first)
    renamed = _read("same but with email as E-Mail", context)
    assert renamed.format is Format.CSV
    assert renamed.options == {**first.options, "rename": {"email": "E-Mail"}}
    context = Context.at("2026-11-18T15:30:00", "America/Chicago", last_request=renamed)
    excel = _read("now as excel", context)
    assert excel.format is Format.XLSX
    assert excel.options == {"sort": first.options["sort"], "rename": {"email": "E-Mail"}}


def test_an_answer_to_the_format_question_keeps_the_options() -> None:
    asked = _read("export this sorted by name, in Berlin time")
    assert asked.clarify is not None and asked.format is None
    context = Context.at("2026-11-18T15:30:00", "America/Chicago", pending=asked)
    for answer in ("csv", "the first one", "Excel"):
        request = _read(answer, context)
        assert request.clarify is None and request.format is not None, answer
        assert request.options == {
            "sort": [{"column": "name", "descending": False}],
            "timezone": "Europe/Berlin",
        }


def test_spans_cover_the_option_words_only() -> None:
    message = "Export this as CSV for German Excel, sorted by total descending, thanks"
    found = find_option_words(message)
    taken = [message[start:end] for start, end in found.spans]
    assert taken == ["for German Excel", "sorted by total descending"]
    assert found.covers((message.index("Excel"), message.index("Excel") + 5))
    assert not found.covers((message.index("CSV"), message.index("CSV") + 3))
    assert found.implies is Format.CSV and found.writes_file


def test_new_names_keep_their_spelling() -> None:
    found = find_option_words('rename total to "Amount (€)" and email to E-Mail-Adresse')
    assert found.options == {"rename": {"total": "Amount (€)", "email": "E-Mail-Adresse"}}


@pytest.mark.parametrize(
    ("said", "pattern"),
    [
        ("dates as dd.mm.yyyy hh:mm", "%d.%m.%Y %H:%M"),
        ("dates as d/m/yy", "%-d/%-m/%y"),
        ("dates like yyyy-mm-ddThh:mm:ss", "%Y-%m-%dT%H:%M:%S"),
        ("dates as DD-MMM-YYYY", "%d-%b-%Y"),
        ("timestamps as MM/dd/yyyy hh:mm am/pm", "%m/%d/%Y %I:%M %p"),
        ("US timestamps", "%m/%d/%Y %I:%M %p"),
        ("dates formatted as '%Y%m%d'", "%Y%m%d"),
    ],
)
def test_date_shapes_become_strftime_patterns(said: str, pattern: str) -> None:
    assert find_option_words(f"export as csv with {said}").options == {"datetime_format": pattern}


def test_options_without_a_format_carry_over_a_format_change() -> None:
    before: dict[str, Any] = {"delimiter": ";", "bom": True, "timezone": "UTC", "sort": []}
    assert carry_options(before, {"pretty": True}) == {
        "timezone": "UTC",
        "sort": [],
        "pretty": True,
    }
