"""Only new rows in words: many generated phrasings (wording, typos, order), and the
messages that merely say "new" and must not ask for it."""

from __future__ import annotations

import itertools

import pytest

from intents import Context, ExportRequest, Format, Intent, Target, parse

NOW = Context.at("2026-11-18T15:30:00", "UTC")

ASKS = [
    "only new rows",
    "only the new rows",
    "just the new ones",
    "new records only",
    "only what's new",
    "just whats new since last time",
    "only new entries since my last export",
    "since my last export",
    "since the last time",
    "since I last exported",
    "only the new rows since my previous export",
    "onyl new rows",
    "just the nwe ones",
    "only new recrods",
    "snce my lats export",
    "what's new since my last download",
    "anything new since the last one",
    "incremental",
]
VERBS = ["export {ask} as csv", "{ask}, as csv please", "as csv, {ask}", "download {ask} as csv"]


@pytest.mark.parametrize(
    "message",
    [verb.format(ask=ask) for verb, ask in itertools.product(VERBS, ASKS)],
)
def test_only_new_rows_of_the_result_on_screen(message: str) -> None:
    request = parse(message, NOW)
    assert request.intent is Intent.EXPORT, message
    assert request.only_new, message
    assert request.format is Format.CSV and request.target is Target.LAST_RESULT, request
    assert request.since is None and request.until is None  # "since ..." is no time window


@pytest.mark.parametrize(
    "message",
    [
        "export the new orders since my last export as csv",
        "export orders as csv, only new rows",
        "only the new orders since last time, as csv",
        "as csv: new orders since my last export",
        "export the new orders since I last exported as csv",
    ],
)
def test_only_new_rows_of_a_new_question(message: str) -> None:
    request = parse(message, NOW)
    assert (request.intent, request.format, request.target) == (
        Intent.EXPORT,
        Format.CSV,
        Target.QUERY,
    ), message
    assert request.only_new and request.query is not None
    assert request.query.strip().lower().removeprefix("the ") == "orders", request.query


@pytest.mark.parametrize(
    "message",
    [
        "send only new rows every Monday at 9 as excel",
        "every Monday at 9, email me just the new rows as excel",
        "email me the new rows since the last one as excel every monday at 9am",
        "schedule this as excel every Monday at 9, only new records",
    ],
)
def test_only_new_rows_on_a_schedule(message: str) -> None:
    request = parse(message, NOW)
    assert request.intent is Intent.SCHEDULE and request.cron == "0 9 * * 1", message
    assert request.only_new and request.format is Format.XLSX


@pytest.mark.parametrize(
    "message",
    [
        "show the new customers from Berlin",
        "export new customers from Berlin as csv",
        "export as a new csv",
        "export this as csv into a new file",
        "export orders since last monday as csv",
        "export orders from the last week as csv",
        "how many new customers signed up this month?",
        "export this as csv",
    ],
)
def test_new_alone_asks_for_no_cursor(message: str) -> None:
    assert not parse(message, NOW).only_new, message


def test_a_follow_up_does_not_carry_only_new_unless_said() -> None:
    first = parse("export only new rows as csv", NOW)
    context = NOW.model_copy(update={"last_request": first})
    assert not parse("now as json", context).only_new
    again = parse("same but only the new rows", context.model_copy(
        update={"last_request": first.model_copy(update={"only_new": False})}))  # fmt: skip
    assert again.only_new


def test_the_field_defaults_change_nothing() -> None:
    request = ExportRequest(intent=Intent.EXPORT, format=Format.CSV, target=Target.LAST_RESULT)
    assert request.only_new is False and request.cursor_column is None
    assert "only_new" not in request.export_options()
