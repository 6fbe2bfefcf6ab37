"""Dialogues: answers to a clarifying question, follow-ups to the last export, defaults."""

from __future__ import annotations

from typing import Any

import pytest

from intents.context import Context
from intents.models import ExportRequest, Preferences
from intents.rules import RulesResult, parse_rules

NOW = "2026-11-18T15:30:00"


def say(
    message: str,
    *,
    pending: ExportRequest | None = None,
    last: ExportRequest | None = None,
    default: str | None = None,
    has_result: bool = True,
) -> RulesResult:
    context = Context.at(
        NOW,
        "UTC",
        pending=pending,
        last_request=last,
        has_result=has_result,
        preferences=Preferences(default_format=default),
    )
    return parse_rules(message, context)


def fields(request: ExportRequest, *keys: str) -> dict[str, Any]:
    data = request.contract_json()
    return {key: data[key] for key in keys}


def asked(message: str, **context: Any) -> ExportRequest:
    request = say(message, **context).request
    assert request.clarify, f"{message!r} should ask something"
    return request


# ------------------------------------------------------------ answers to a question


@pytest.mark.parametrize(
    ("answer", "fmt"),
    [
        ("Excel", "xlsx"),
        ("csv please", "csv"),
        ("pdf please", "pdf"),
        ("json lines", "jsonl"),
        ("the second one", "xlsx"),
        ("2", "xlsx"),
        ("the first", "csv"),
        ("option 3", "json"),
        ("the last one", "tsv"),
        ("exel", "xlsx"),
        ("let's go with parquet", "parquet"),
        ("whatever you think", "csv"),
    ],
)
def test_a_reply_completes_the_format_question(answer: str, fmt: str) -> None:
    pending = asked("export these rows without the notes column")
    done = say(answer, pending=pending).request
    assert fields(done, "intent", "format", "target", "exclude_columns", "clarify") == {
        "intent": "export",
        "format": fmt,
        "target": "last_result",
        "exclude_columns": ["notes"],
        "clarify": None,
    }


@pytest.mark.parametrize(("answer", "fmt"), [("the second one", "xlsx"), ("csv", "csv")])
def test_a_reply_picks_one_of_two_offered_formats(answer: str, fmt: str) -> None:
    pending = asked("csv or excel, whatever")
    assert pending.choices == ["CSV", "Excel"]
    assert say(answer, pending=pending).request.format == fmt


def test_a_reply_can_change_more_than_the_format() -> None:
    pending = asked("export it")
    done = say("excel, only the first 5 rows, zipped", pending=pending).request
    assert fields(done, "format", "limit", "compression", "clarify") == {
        "format": "xlsx",
        "limit": 5,
        "compression": "zip",
        "clarify": None,
    }


def test_an_impossible_format_is_asked_again_then_answered() -> None:
    pending = asked("export this as a Word document")
    again = say("as html then", pending=pending).request
    assert again.format is None and again.clarify and "HTML" in again.clarify
    assert say("ok then pdf", pending=again).request.format == "pdf"


def test_a_schedule_question_is_answered_with_a_time() -> None:
    pending = asked("schedule this as csv")
    done = say("every Monday at 9", pending=pending).request
    assert fields(done, "intent", "format", "cron", "clarify") == {
        "intent": "schedule",
        "format": "csv",
        "cron": "0 9 * * 1",
        "clarify": None,
    }


def test_a_history_export_keeps_its_window_when_answered() -> None:
    pending = asked("export everything from today")
    done = say("as json", pending=pending).request
    assert fields(done, "target", "since", "format", "clarify") == {
        "target": "history",
        "since": "2026-11-18T00:00:00",
        "format": "json",
        "clarify": None,
    }


def test_with_nothing_on_screen_the_reply_says_what_to_export() -> None:
    pending = asked("export this as csv", has_result=False)
    assert pending.target is None
    done = say("orders from Berlin", pending=pending, has_result=False).request
    assert fields(done, "target", "query", "format", "clarify") == {
        "target": "query",
        "query": "orders from Berlin",
        "format": "csv",
        "clarify": None,
    }


def test_a_new_request_is_not_an_answer() -> None:
    pending = asked("export it")
    question = say("actually, how many orders are there?", pending=pending).request
    assert (question.intent.value, question.query) == ("query", "how many orders are there")
    fresh = say("export all orders from Paris as excel", pending=pending).request
    assert fields(fresh, "format", "target", "query") == {
        "format": "xlsx",
        "target": "query",
        "query": "orders from Paris",
    }
    assert say("never mind", pending=pending).request.intent.value == "unknown"


# ------------------------------------------------------------ follow-ups


def test_a_chain_of_follow_ups_changes_the_last_request_step_by_step() -> None:
    request = say("export orders from Berlin as csv").request
    steps: list[tuple[str, dict[str, Any]]] = [
        ("now as PDF", {"format": "pdf"}),
        ("same but only 10 rows", {"limit": 10}),
        ("and as JSON too", {"format": "json"}),
        ("same thing zipped", {"compression": "zip"}),
        ("without the email column this time", {"exclude_columns": ["email"]}),
        ("email it to me", {"destination": "email"}),
        ("gzip it", {"compression": "gzip"}),
    ]
    for message, change in steps:
        result = say(message, last=request)
        after = result.request
        assert result.confident, message
        assert fields(after, *change) == change, message
        assert fields(after, "intent", "target", "query", "clarify") == {
            "intent": "export",
            "target": "query",
            "query": "orders from Berlin",
            "clarify": None,
        }, message
        request = after
    assert fields(request, "format", "limit", "compression", "exclude_columns", "destination") == {
        "format": "json",
        "limit": 10,
        "compression": "gzip",
        "exclude_columns": ["email"],
        "destination": "email",
    }


def test_zip_it_applies_to_the_last_request() -> None:
    last = say("export this as csv").request
    assert fields(say("zip it", last=last).request, "format", "compression") == {
        "format": "csv",
        "compression": "zip",
    }


def test_excluding_a_column_that_was_selected_drops_it_from_the_selection() -> None:
    last = say("export only name, email and phone as csv").request
    after = say("without the email column this time", last=last).request
    assert fields(after, "columns", "exclude_columns") == {
        "columns": ["name", "phone"],
        "exclude_columns": None,
    }


def test_same_for_swaps_the_window_or_the_question() -> None:
    history = say("export all my queries from yesterday as csv").request
    today = say("same for today", last=history).request
    assert fields(today, "target", "since", "until", "format") == {
        "target": "history",
        "since": "2026-11-18T00:00:00",
        "until": None,
        "format": "csv",
    }
    berlin = say("export orders from Berlin as pdf").request
    paris = say("same for orders from Paris", last=berlin).request
    assert fields(paris, "target", "query", "format") == {
        "target": "query",
        "query": "orders from Paris",
        "format": "pdf",
    }


def test_a_schedule_stays_a_schedule() -> None:
    weekly = say("email me this as csv every monday at 9").request
    pdf = say("same but as pdf", last=weekly).request
    assert fields(pdf, "intent", "format", "cron") == {
        "intent": "schedule",
        "format": "pdf",
        "cron": "0 9 * * 1",
    }
    friday = say("make it every friday", last=pdf).request
    assert fields(friday, "intent", "format", "cron") == {
        "intent": "schedule",
        "format": "pdf",
        "cron": "0 9 * * 5",
    }


def test_new_messages_after_an_export_are_not_follow_ups() -> None:
    last = say("export this as csv").request
    assert say("show me orders from Paris", last=last).request.intent.value == "query"
    assert say("thanks!", last=last).request.intent.value == "unknown"
    assert say("what formats can you export?", last=last).request.intent.value == "help"
    fresh = say("export all orders from Paris as excel", last=last).request
    assert fields(fresh, "target", "query") == {"target": "query", "query": "orders from Paris"}


# ------------------------------------------------------------ saved default format


def test_a_saved_default_format_is_used_instead_of_asking() -> None:
    done = say("export this", default="xlsx").request
    assert fields(done, "intent", "format", "clarify") == {
        "intent": "export",
        "format": "xlsx",
        "clarify": None,
    }
    schedule = say("email me this every Monday at 9", default="pdf").request
    assert fields(schedule, "intent", "format", "cron", "clarify") == {
        "intent": "schedule",
        "format": "pdf",
        "cron": "0 9 * * 1",
        "clarify": None,
    }
    assert say("export this as csv", default="xlsx").request.format == "csv"
