"""Answers and follow-ups keep the request (issue 16): every field, "me" as the user's own
address, and "the last 3 results" as past query runs."""

from __future__ import annotations

from typing import Any

import pytest

from intents.build import FORMAT_QUESTION
from intents.context import Context
from intents.followup import LAST_RUNS
from intents.models import Compression, Destination, ExportRequest, Intent, Target
from intents.rules import RulesResult, parse_rules

NOW = "2026-11-18T15:30:00"
CHOICES = ["CSV", "Excel", "JSON", "JSON Lines", "Parquet", "PDF", "Markdown", "TSV"]


def say(
    message: str,
    *,
    pending: ExportRequest | None = None,
    last: ExportRequest | None = None,
    has_result: bool = True,
) -> RulesResult:
    context = Context.at(NOW, "UTC", pending=pending, last_request=last, has_result=has_result)
    return parse_rules(message, context)


def kept(request: ExportRequest) -> dict[str, Any]:
    """Everything but the format and the question."""
    return request.model_dump(exclude={"format", "clarify", "choices"})


# ------------------------------------------------------------ answers keep everything

FULL = ExportRequest(
    intent=Intent.EXPORT,
    target=Target.LAST_RESULT,
    columns=["name", "email"],
    exclude_columns=None,
    limit=25,
    compression=Compression.ZIP,
    destination=Destination.EMAIL,
    email="ops@shop.example",
    options={"bom": True},
    clarify=FORMAT_QUESTION,
    choices=CHOICES,
)


@pytest.mark.parametrize(
    ("answer", "fmt"),
    [
        ("CSV", "csv"),
        ("csv pls", "csv"),
        ("the first one", "csv"),
        ("2", "xlsx"),
        ("exel", "xlsx"),
        ("i'll take json lines", "jsonl"),
        ("hmm, parquet i guess", "parquet"),
        ("whatever you like", "csv"),
    ],
)
def test_an_answer_keeps_every_field_of_the_pending_request(answer: str, fmt: str) -> None:
    result = say(answer, pending=FULL)
    assert result.request.ready, answer
    assert result.request.format is not None and result.request.format.value == fmt
    assert kept(result.request) == kept(FULL)


def test_an_answer_keeps_a_schedule_its_address_and_its_time() -> None:
    pending = say("email the result to ana@shop.example every friday at 17:00").request
    assert pending.clarify == FORMAT_QUESTION
    answered = say("as a spreadsheet please", pending=pending).request
    assert answered.ready
    assert (answered.intent, answered.cron, answered.email, answered.format.value) == (  # type: ignore[union-attr]
        Intent.SCHEDULE,
        "0 17 * * 5",
        "ana@shop.example",
        "xlsx",
    )


# ------------------------------------------------------------ "me" is the user's own address

BOB = ExportRequest(
    intent=Intent.EXPORT,
    format="csv",
    target=Target.LAST_RESULT,
    destination=Destination.EMAIL,
    email="bob@example.com",
)


@pytest.mark.parametrize(
    "message",
    [
        "email me this every day",
        "send it to me as pdf",
        "now to my inbox, as excel",
        "mail this over to me weekly on fridays",
        "e-mail it to myself as json",
        "and email me the same thing zipped",
    ],
)
def test_me_never_means_the_address_typed_for_the_last_request(message: str) -> None:
    request = say(message, last=BOB).request
    assert request.destination is Destination.EMAIL, message
    assert request.email is None, message


@pytest.mark.parametrize("message", ["email it as json too", "same again but zipped"])
def test_a_follow_up_without_me_keeps_the_address(message: str) -> None:
    assert say(message, last=BOB).request.email == "bob@example.com"


def test_me_in_an_answer_drops_the_pending_address() -> None:
    pending = say("email this to bob@example.com every day").request
    assert pending.email == "bob@example.com" and pending.clarify
    answered = say("no, send it to me instead, as csv", pending=pending).request
    assert (answered.email, answered.destination, answered.cron) == (
        None,
        Destination.EMAIL,
        "0 9 * * *",
    )


# ------------------------------------------------------------ the last N results


@pytest.mark.parametrize(
    ("message", "count", "fmt"),
    [
        ("export the last 3 results", 3, None),
        ("export my last three queries as excel", 3, "xlsx"),
        ("zip up my 2 latest results as csv", 2, "csv"),
        ("export the previous 4 runs as json", 4, "json"),
        ("export my 3 most recent results to parquet", 3, "parquet"),
        ("can you export the last two searches as jsonl please", 2, "jsonl"),
        ("download the past 5 query results as a spreadsheet", 5, "xlsx"),
    ],
)
def test_the_last_n_results_are_past_query_runs(message: str, count: int, fmt: str | None) -> None:
    result = say(message)
    request = result.request
    assert (request.intent, request.target) == (Intent.EXPORT, Target.HISTORY), message
    assert request.options.get(LAST_RUNS) == count, message
    assert (request.limit, request.query, request.since) == (None, None, None), message
    assert (request.format and request.format.value) == fmt, message
    assert result.confident
    assert request.clarify == (FORMAT_QUESTION if fmt is None else None)


def test_the_last_n_results_need_nothing_on_screen() -> None:
    request = say("export my last 2 results as csv", has_result=False).request
    assert (request.target, request.clarify) == (Target.HISTORY, None)


@pytest.mark.parametrize(
    ("message", "limit"),
    [("export the last 3 rows as csv", 3), ("export the first 10 results as csv", 10)],
)
def test_rows_are_still_rows(message: str, limit: int) -> None:
    request = say(message).request
    assert LAST_RUNS not in request.options
    assert request.limit == limit


def test_an_answer_keeps_the_last_n_results() -> None:
    pending = say("export the last 3 results").request
    answered = say("the second one", pending=pending).request
    assert (answered.target, answered.options, answered.format) == (
        Target.HISTORY,
        {LAST_RUNS: 3},
        "xlsx",
    )


def test_a_new_format_drops_the_old_format_options_but_not_the_runs() -> None:
    last = say("export my last 2 results as semicolon separated").request
    assert last.options == {"delimiter": ";", LAST_RUNS: 2}
    again = say("now as excel", last=last).request
    assert again.options == {LAST_RUNS: 2}
    zipped = say("zip it", last=last).request
    assert zipped.options == {"delimiter": ";", LAST_RUNS: 2}
