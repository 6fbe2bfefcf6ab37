"""The rules parser on phrasings of our own (not the dev corpus), one category at a time.

The clock is Wednesday 2026-11-18 15:30 UTC unless a test says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest

from intents.context import Context
from intents.models import Intent, Preferences
from intents.rules import parse_rules

NOW = Context.at("2026-11-18T15:30:00", "UTC")
ALL_CHOICES = ["CSV", "Excel", "JSON", "JSON Lines", "Parquet", "PDF", "Markdown", "TSV"]


def read(message: str, context: Context = NOW) -> dict[str, Any]:
    return parse_rules(message, context).request.contract_json()


def check(message: str, expected: dict[str, Any], context: Context = NOW) -> None:
    output = read(message, context)
    wrong = {key: output[key] for key, value in expected.items() if output[key] != value}
    assert not wrong, f"{message!r}: got {wrong}, expected {expected}"


def export(fmt: str | None, target: str | None = "last_result", **more: Any) -> dict[str, Any]:
    """An export of ``target`` as ``fmt`` that can go ahead (no question)."""
    return {"intent": "export", "format": fmt, "target": target, "clarify": None, **more}


FORMAT_WORDS = [
    ("export this to csv", "csv"),
    ("download it as comma separated values", "csv"),
    ("save these rows as a comma-delimited file", "csv"),
    ("could you export the results as a tab-separated file?", "tsv"),
    ("export as tab delimited values", "tsv"),
    ("save it as a tsv", "tsv"),
    ("export this to an Excel workbook", "xlsx"),
    ("download as .xlsx", "xlsx"),
    ("I'd like this as an xls file", "xlsx"),
    ("turn this into a spreadsheet", "xlsx"),
    ("put these rows in a workbook please", "xlsx"),
    ("I want to open it in Google Sheets", "xlsx"),
    ("export it for google sheets", "xlsx"),
    ("dump it to json", "json"),
    ("export as a JSON array", "json"),
    ("export as json lines", "jsonl"),
    ("save these as ndjson", "jsonl"),
    ("export it as new-line delimited json", "jsonl"),
    ("export this for fine tuning", "jsonl"),
    ("save the results as training data", "jsonl"),
    ("export this for model training", "jsonl"),
    ("export it in parquet", "parquet"),
    ("store it in a columnar format", "parquet"),
    ("save as .parquet", "parquet"),
    ("make me a pdf of this", "pdf"),
    ("I need a printable copy of these rows", "pdf"),
    ("generate a report from the results", "pdf"),
    ("print this", "pdf"),
    ("export as markdown", "markdown"),
    ("export this as md", "markdown"),
    ("give me a table I can paste into Notion", "markdown"),
    ("a table I can paste into GitHub please", "markdown"),
    ("format this for a slack message", "markdown"),
]


@pytest.mark.parametrize(("message", "fmt"), FORMAT_WORDS)
def test_format_words_and_synonyms(message: str, fmt: str) -> None:
    check(message, export(fmt))


TYPOS = [
    ("export this as exel", "xlsx"),
    ("export this as exell", "xlsx"),
    ("export to xslx", "xlsx"),
    ("export as a spreedsheet", "xlsx"),
    ("save it as a workbok", "xlsx"),
    ("export it as jsno", "json"),
    ("export it as jsonn", "json"),
    ("export as parqet", "parquet"),
    ("export as parquett", "parquet"),
    ("export this as csvv", "csv"),
    ("export this as a cvs file", "csv"),
    ("export as tvs", "tsv"),
    ("export as pfd", "pdf"),
    ("export as markdonw", "markdown"),
    ("expot this to csv", "csv"),
    ("downlod this as json", "json"),
]


@pytest.mark.parametrize(("message", "fmt"), TYPOS)
def test_typos_within_one_edit(message: str, fmt: str) -> None:
    check(message, export(fmt))


def test_short_words_are_not_typos_of_formats() -> None:
    # "cv" (a résumé), "me" (not "md"), a person called Jason (not "json")
    assert read("export it as a cv")["format"] is None
    check("mail it to me as markdown", export("markdown", destination="email"))
    check(
        "export the orders from Jason as excel",
        export("xlsx", "query", query="orders from Jason"),
    )
    check("export orders by zip code as csv", export("csv", "query", compression=None))


UNSUPPORTED = [
    "export this as a Word document",
    "save it as docx",
    "export as XML",
    "export this as an html page",
    "export to PowerPoint slides",
    "export it as a png",
    "export this as an image",
    "export this as a Google Doc",
    "export as yaml",
    "export it as a plain text file",
]


@pytest.mark.parametrize("message", UNSUPPORTED)
def test_formats_we_cannot_make_ask_and_name_the_ones_we_can(message: str) -> None:
    output = read(message)
    assert output["intent"] == "export"
    assert output["format"] is None
    assert output["target"] == "last_result"
    assert "CSV" in output["clarify"] and "Excel" in output["clarify"]
    assert output["choices"] == ALL_CHOICES


def test_a_format_we_cannot_make_next_to_one_we_can_is_no_obstacle() -> None:
    check("export as xlsx, not csv", export("xlsx"))
    check("convert this csv to excel", export("xlsx"))


@pytest.mark.parametrize(
    ("message", "choices"),
    [
        ("csv or excel, whatever", ["CSV", "Excel"]),
        ("export it as json or jsonl, either is fine", ["JSON", "JSON Lines"]),
        ("export this as a pdf or a spreadsheet", ["PDF", "Excel"]),
        ("export as csv and excel", ["CSV", "Excel"]),
        ("export as csv, or maybe json", ["CSV", "JSON"]),
    ],
)
def test_two_formats_at_once_ask_which(message: str, choices: list[str]) -> None:
    output = read(message)
    assert output["intent"] == "export"
    assert output["format"] is None
    assert output["clarify"] and output["choices"] == choices


@pytest.mark.parametrize(
    "message",
    ["export it", "download this", "save these rows", "export the results", "email me this"],
)
def test_no_format_asks_which_with_every_choice(message: str) -> None:
    output = read(message)
    assert output["intent"] == "export" and output["format"] is None
    assert output["clarify"].startswith("Which format would you like: CSV, Excel, JSON")
    assert output["choices"] == ALL_CHOICES


def test_a_saved_default_format_is_used_instead_of_asking() -> None:
    context = Context.at("2026-11-18T15:30:00", preferences=Preferences(default_format="parquet"))
    check("export it", export("parquet"), context)
    check("export it as csv", export("csv"), context)  # a named format still wins
    assert read("export this as a Word document", context)["clarify"]


def test_nothing_on_screen_asks_what_to_export() -> None:
    context = Context.at("2026-11-18T15:30:00", has_result=False)
    output = read("export this as csv", context)
    assert output["intent"] == "export" and output["target"] is None
    assert "no result" in output["clarify"]
    check("export all orders from Berlin as csv", export("csv", "query"), context)


LAST_RESULT = [
    "export this as csv",
    "export it as csv",
    "save these rows as csv",
    "download the results as csv",
    "export the table as csv",
    "export that as csv",
    "export those as csv",
    "export what's on screen as csv",
    "Export The Current Results As CSV",
    "export all results as csv",
    "export all of the data as csv",
    "no, export it as csv",
    "export in the usual format, csv",
    "as csv please",
    "csv",
]


@pytest.mark.parametrize("message", LAST_RESULT)
def test_references_to_the_result_on_screen(message: str) -> None:
    check(message, export("csv", destination="download", email=None))


QUERY_EXPORTS = [
    ("export all orders from Berlin as csv", "csv", "orders from Berlin"),
    ("download the products table as jsonl", "jsonl", "products table"),
    ("export every customer in Texas to a spreadsheet", "xlsx", "every customer in Texas"),
    ("I need all unpaid invoices as an excel file", "xlsx", "unpaid invoices"),
    ("pull the signups from yesterday into a csv", "csv", "signups from yesterday"),
    ("get me the products with low stock as json", "json", "products with low stock"),
    (
        "find customers who churned in Q3 and export them to excel",
        "xlsx",
        "customers who churned in Q3",
    ),
    ("show me orders from Berlin as a pdf", "pdf", "orders from Berlin"),
    ("export today's orders as csv", "csv", "today's orders"),
    ("give me a pdf report of sales by region", "pdf", "sales by region"),
    ("could you dump the users table to ndjson?", "jsonl", "users table"),
    ("export the top 5 products by revenue as csv", "csv", "top 5 products by revenue"),
]


@pytest.mark.parametrize(("message", "fmt", "query"), QUERY_EXPORTS)
def test_a_data_question_with_an_export_is_new_data(message: str, fmt: str, query: str) -> None:
    check(message, export(fmt, "query", query=query, limit=None))


HISTORY = [
    ("export everything from yesterday as csv", "2026-11-17T00:00:00", "2026-11-18T00:00:00"),
    ("download all my results from today in json", "2026-11-18T00:00:00", None),
    ("export everything I ran this week as excel", "2026-11-16T00:00:00", None),
    ("save what I ran yesterday as parquet", "2026-11-17T00:00:00", "2026-11-18T00:00:00"),
    ("export all the queries I ran since Monday as markdown", "2026-11-16T00:00:00", None),
    ("export my queries from the past 2 hours as csv", "2026-11-18T13:30:00", None),
    ("export today's results as pdf", "2026-11-18T00:00:00", None),
    ("export yesterday as csv", "2026-11-17T00:00:00", "2026-11-18T00:00:00"),
    ("export my query history as jsonl", None, None),
    ("export every query from last week as excel", "2026-11-09T00:00:00", "2026-11-16T00:00:00"),
    (
        "export all output from yesterday in csv format",
        "2026-11-17T00:00:00",
        "2026-11-18T00:00:00",
    ),
    ("export all results today as csv", "2026-11-18T00:00:00", None),
]


@pytest.mark.parametrize(("message", "since", "until"), HISTORY)
def test_past_results_with_a_time_window(
    message: str, since: str | None, until: str | None
) -> None:
    output = read(message)
    assert output["intent"] == "export" and output["target"] == "history"
    assert (output["since"], output["until"]) == (since, until)
    assert output["query"] is None and output["clarify"] is None


def test_history_in_another_zone() -> None:
    context = Context.at("2026-11-18T23:30:00Z", "Europe/Berlin")  # already the 19th there
    output = read("export everything from today as csv", context)
    assert output["since"] == "2026-11-19T00:00:00"


@pytest.mark.parametrize(
    ("message", "fmt"),
    [
        ("export this conversation as pdf", "pdf"),
        ("save our chat as markdown", "markdown"),
        ("download the whole chat transcript as json", "json"),
        ("export the chat history as jsonl for fine-tuning", "jsonl"),
    ],
)
def test_the_conversation_itself(message: str, fmt: str) -> None:
    check(message, export(fmt, "conversation"))


COLUMNS = [
    ("export only name, email and total as csv", ["name", "email", "total"]),
    ("export just the name and email columns to excel", ["name", "email"]),
    ("export with columns id, total as json", ["id", "total"]),
    ("export as csv with the columns: id, name, created at", ["id", "name", "created_at"]),
    ("keep only the sku, price and stock columns, xlsx", ["sku", "price", "stock"]),
    ("csv with name, city, country only", ["name", "city", "country"]),
    ("export this as excel with the name and email columns", ["name", "email"]),
    ("export only first name, last name and phone as a csv", ["first_name", "last_name", "phone"]),
    ("export the Order ID and Total fields as csv", ["order_id", "total"]),
    ("select name and email and export them as csv", ["name", "email"]),
]


@pytest.mark.parametrize(("message", "columns"), COLUMNS)
def test_column_lists_are_normalised_and_kept_in_order(message: str, columns: list[str]) -> None:
    output = read(message)
    assert output["columns"] == columns
    assert output["exclude_columns"] is None
    assert output["target"] == "last_result"


EXCLUSIONS = [
    ("export this as csv without the email column", ["email"]),
    ("export as json, leave out notes", ["notes"]),
    ("export everything except phone as csv", ["phone"]),
    ("drop the id column and export as parquet", ["id"]),
    ("exclude ssn and dob, export as excel", ["ssn", "dob"]),
    ("export as csv minus the internal notes column", ["internal_notes"]),
    ("export as csv but don't include the password column", ["password"]),
    ("export excluding phone and fax as csv", ["phone", "fax"]),
]


@pytest.mark.parametrize(("message", "excluded"), EXCLUSIONS)
def test_exclusions_leave_columns_unset(message: str, excluded: list[str]) -> None:
    output = read(message)
    assert output["exclude_columns"] == excluded
    assert output["columns"] is None
    assert output["destination"] == "download"


def test_words_after_without_that_are_not_columns() -> None:
    assert read("export as csv without compression")["exclude_columns"] is None
    assert read("export only paid orders as csv")["columns"] is None


LIMITS = [
    ("export the first 100 rows as csv", 100),
    ("export the top ten rows as csv", 10),
    ("export the first twenty five rows as json", 25),
    ("only 50 rows please, csv", 50),
    ("limit it to 200 rows, as json", 200),
    ("export at most 30 rows as csv", 30),
    ("give me the top 3 as excel", 3),
    ("export just the first row as json", 1),
    ("export a sample of 1,000 rows as parquet", 1000),
]


@pytest.mark.parametrize(("message", "limit"), LIMITS)
def test_row_limits(message: str, limit: int) -> None:
    output = read(message)
    assert output["limit"] == limit
    assert output["target"] == "last_result"


@pytest.mark.parametrize(
    "message",
    [
        "email this as a PDF to team42@example.com",
        "export everything from the last 3 days as csv",
        "email the results to finance@acme.io as xlsx on the first of every month at 6am",
        "get me the 20 most recent orders as json",
        "give me a json file of all products under $20",
    ],
)
def test_numbers_that_are_not_limits(message: str) -> None:
    assert read(message)["limit"] is None


COMPRESSION = [
    ("export this as csv, zipped", "zip"),
    ("export as parquet in a zip", "zip"),
    ("zip it as csv", "zip"),
    ("export as json, compressed", "zip"),
    ("export this as json and gzip it", "gzip"),
    ("export this as a gzipped tsv", "gzip"),
    ("export this as a .csv.gz", "gzip"),
    ("export as csv, no zip", None),
    ("export as csv without compression", None),
]


@pytest.mark.parametrize(("message", "compression"), COMPRESSION)
def test_compression(message: str, compression: str | None) -> None:
    assert read(message)["compression"] == compression


DESTINATIONS = [
    ("email me this as csv", "email", None),
    ("send it to me as a pdf", "email", None),
    ("mail the results as json", "email", None),
    ("export as pdf and email it to me", "email", None),
    ("send it to my inbox as markdown", "email", None),
    ("export as pdf via email", "email", None),
    ("send this as csv to Ops.Team@Example.com", "email", "ops.team@example.com"),
    ("deliver this as excel to sam@corp.co.uk", "email", "sam@corp.co.uk"),
    ("export this as csv, don't email it", "download", None),
    ("save to disk as tsv", "download", None),
    ("export only name and email as csv", "download", None),
]


@pytest.mark.parametrize(("message", "destination", "email"), DESTINATIONS)
def test_destination_and_address(message: str, destination: str, email: str | None) -> None:
    output = read(message)
    assert (output["destination"], output["email"]) == (destination, email)
    assert output["target"] == "last_result"


SCHEDULES = [
    ("send me this as csv every morning", "0 9 * * *"),
    ("email this to me weekly as a pdf", "0 9 * * 1"),
    ("every weekday at 8am email me the results as xlsx", "0 8 * * 1-5"),
    ("schedule this every friday at 4pm as pdf", "0 16 * * 5"),
    ("every day at noon send this as json", "0 12 * * *"),
    ("export this as excel every Monday at 7", "0 7 * * 1"),
    ("every month on the 15th email this as pdf", "0 9 15 * *"),
    ("export this every day as csv at midnight", "0 0 * * *"),
]


@pytest.mark.parametrize(("message", "cron"), SCHEDULES)
def test_schedules(message: str, cron: str) -> None:
    output = read(message)
    assert output["intent"] == "schedule"
    assert output["cron"] == cron
    assert output["format"] is not None and output["clarify"] is None


def test_a_schedule_still_needs_a_format_and_a_time() -> None:
    no_format = read("email me this every Monday at 9")
    assert (no_format["intent"], no_format["cron"]) == ("schedule", "0 9 * * 1")
    assert no_format["clarify"] and no_format["choices"] == ALL_CHOICES
    no_time = read("schedule this as csv")
    assert no_time["intent"] == "schedule" and no_time["cron"] is None
    assert no_time["clarify"] and "When" in no_time["clarify"]


def test_a_schedule_with_a_data_question() -> None:
    check(
        "email me orders from Berlin every Monday at 9 as csv",
        {"intent": "schedule", "target": "query", "query": "orders from Berlin", "format": "csv"},
    )


QUERIES = [
    ("how many exports went out last week?", "how many exports went out last week"),
    ("list failed exports", "failed exports"),
    ("which export jobs are still running?", "which export jobs are still running"),
    ("show me the sales report numbers", "sales report numbers"),
    (
        "which customers are in the spreadsheet table?",
        "which customers are in the spreadsheet table",
    ),
    (
        "how many pdf invoices did we send in October?",
        "how many pdf invoices did we send in October",
    ),
    ("show me the csv uploads from yesterday", "csv uploads from yesterday"),
    ("did we export anything last week?", "did we export anything last week"),
    ("don't export yet, just sort by revenue", "sort by revenue"),
    ("do not export anything, just filter to Berlin", "filter to Berlin"),
    ("before exporting, group by region", "group by region"),
    ("hold off on the export and show me the top customers", "top customers"),
    ("show me orders from Berlin", "orders from Berlin"),
    ("hi, can you show me orders from Paris?", "orders from Paris"),
    (
        "what were total sales every Monday in October?",
        "what were total sales every Monday in October",
    ),
    ("show me daily revenue", "daily revenue"),
    (
        "what's the difference between sales in March and April?",
        "what's the difference between sales in March and April",
    ),
]


@pytest.mark.parametrize(("message", "query"), QUERIES)
def test_data_questions_are_queries(message: str, query: str) -> None:
    check(
        message,
        {"intent": "query", "query": query, "format": None, "cron": None, "clarify": None},
    )


HELP = [
    "what formats can you export?",
    "what file types do you support?",
    "can you make PDFs?",
    "can you export to xml?",
    "is it possible to export to xml?",
    "do you support parquet?",
    "is markdown supported?",
    "how do I schedule an export?",
    "how can I export this as csv?",
    "how does scheduling work?",
    "help",
    "what can you do?",
    "who are you?",
    "can I schedule exports?",
    "what can this assistant do?",
    "what's the difference between json and jsonl?",
    "what is parquet?",
    "why can't I export to xml?",
    "can you export more than 1 million rows?",
    "where do exported files go?",
    "how long are downloads kept?",
    "tell me about scheduling",
    "help me with exports",
    "can you help?",
]


@pytest.mark.parametrize("message", HELP)
def test_questions_about_the_assistant_are_help(message: str) -> None:
    check(message, {"intent": "help", "format": None, "clarify": None})


UNKNOWN = [
    "hi",
    "hello there!",
    "thank you so much",
    "great, thanks",
    "good night",
    "tell me a joke",
    "what's the weather in Paris?",
    "how are you?",
    "thanks, that spreadsheet was perfect",
    "nice report!",
    "never mind",
    "don't download it yet",
    "don't export it as csv yet",
    "don't email it",
    "no thanks",
    "",
]


@pytest.mark.parametrize("message", UNKNOWN)
def test_small_talk_is_unknown(message: str) -> None:
    result = parse_rules(message, NOW)
    assert result.request.intent.value == "unknown"
    assert result.request.format is None and result.confident


def test_polite_and_indirect_requests_are_exports() -> None:
    for message in (
        "could you export this as a csv file for me?",
        "would you mind exporting this as a csv?",
        "is it possible to get this as a csv?",
        "any chance I could get this in csv?",
        "id like this as a csv",
        "perfect, now export it as csv",
        "EXPORT THIS AS CSV!!!",
    ):
        check(message, export("csv"))


def test_extra_format_options() -> None:
    assert read("export as semicolon separated csv")["options"] == {"delimiter": ";"}
    assert read("export as a pipe-delimited file")["options"] == {"delimiter": "|"}
    assert read("export as pretty json")["options"] == {"pretty": True}


@pytest.mark.parametrize(
    "message",
    [
        "export this as csv",
        "export all orders from Berlin as csv",
        "export everything from yesterday as json",
        "how many exports went out last week?",
        "what formats can you export?",
        "hi",
    ],
)
def test_clear_cases_are_confident(message: str) -> None:
    assert parse_rules(message, NOW).confident


@pytest.mark.parametrize(
    "message",
    [
        "export this table of orders as csv",  # words left next to "this"
        "export everything as csv",  # everything: all rows, or all past results?
        "export only Berlin as csv",  # a column, or a filter?
        "export the last 10 rows as csv",  # the exporter keeps the first rows
        "email me this as a PDF every other Monday at 9",  # cron cannot say "every other"
        "orders from Berlin",  # no lead: a question, or something else?
        "can you export to excel?",  # a request, or a question about the assistant?
        "same but only 10 rows",  # a follow-up with nothing to follow
        "just the name column",  # an export setting, or a way to show the table?
    ],
)
def test_unclear_cases_ask_for_a_second_opinion(message: str) -> None:
    assert not parse_rules(message, NOW).confident


@pytest.mark.parametrize(
    ("message", "place"),
    [
        ("export this as csv and post it to slack", "Slack"),
        ("upload it to s3://reports/daily as parquet", "S3"),
        ("save the results to our google drive", "Google Drive"),
        ("put it on the sftp server as csv", "SFTP"),
    ],
)
def test_a_destination_we_cannot_deliver_to_is_named_in_a_question(
    message: str, place: str
) -> None:
    result = parse_rules(message, NOW)
    output = result.request.contract_json()
    assert output["intent"] == "export" and output["destination"] == "download"
    assert place in output["clarify"] and output["choices"] == ["Download", "Email"]
    assert result.confident  # a clear question, nothing for a second opinion


def test_settings_alone_with_nothing_before_are_an_export_of_the_result() -> None:
    output = read("without the email column this time")
    assert (output["intent"], output["target"]) == ("export", "last_result")
    assert output["exclude_columns"] == ["email"] and output["clarify"]


def test_a_download_link_or_a_file_is_an_export_without_a_format() -> None:
    for message in ("make a download link for this", "give me a file", "can I get a copy of this?"):
        output = read(message)
        assert (output["intent"], output["target"], output["format"]) == (
            "export",
            "last_result",
            None,
        )
        assert output["clarify"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM orders",
        "select id, total from orders where total > 100",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "DELETE FROM orders",
        "drop table orders",
        "update orders set total = 0",
        "INSERT INTO orders (id) VALUES (9)",
        "PRAGMA writable_schema = 1",
        "ATTACH DATABASE '/tmp/x.db' AS x",
    ],
)
def test_typed_sql_is_a_query_in_its_own_words(sql: str) -> None:
    result = parse_rules(sql, Context.at("2026-11-18T15:30:00"))
    assert (result.request.intent, result.request.query, result.request.clarify) == (
        Intent.QUERY, sql, None,
    )  # fmt: skip
    assert result.confident


@pytest.mark.parametrize(
    ("message", "intent"),
    [("select all orders from Berlin", Intent.QUERY), ("drop the id column, csv", Intent.EXPORT)],
)
def test_english_that_starts_with_a_sql_word_stays_english(message: str, intent: Intent) -> None:
    request = parse_rules(message, Context.at("2026-11-18T15:30:00")).request
    assert request.intent is intent and request.query != message


@pytest.mark.parametrize(
    "message",
    [
        "export just the emails",
        "only their emails please",
        "give me the emails as csv",
        "export all the e-mails",
    ],
)
def test_the_emails_after_a_determiner_are_data_not_a_delivery(message: str) -> None:
    """ "the emails" names a column or a question; only a verb sends ("email me the list")."""
    request = read(message)
    assert request["destination"] == "download"
    assert request["email"] is None
