"""`parse` routes: rules when confident (or no key), the LLM otherwise, rules as fallback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intents import Context, Format, Intent, parse
from intents.llm import LLM, LLMConfig
from intents.rules import parse_rules
from tests.intents.openai_server import OpenAIServer, Reply, completion, tool_call

CONTEXT = Context.at("2026-11-18T15:30:00", "Europe/Berlin")
CLEAR = "export this as a spreadsheet"
UNCLEAR = "export this table of orders for the quarterly board meeting as the usual thing"


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


@pytest.fixture
def llm(server: OpenAIServer) -> Iterator[LLM]:
    config = LLMConfig(api_key="sk-test", base_url=server.base_url, model="test-model", timeout=5)
    with LLM(config) as seam:
        yield seam


def llm_says(server: OpenAIServer, **arguments: object) -> None:
    server.script(Reply(completion(tool_call("export", arguments))))


def test_the_messages_here_are_as_confident_as_the_tests_assume() -> None:
    assert parse_rules(CLEAR, CONTEXT).confident
    assert not parse_rules(UNCLEAR, CONTEXT).confident


def test_auto_answers_confident_messages_without_the_llm(server: OpenAIServer, llm: LLM) -> None:
    request = parse(CLEAR, CONTEXT, mode="auto", llm=llm)
    assert request.format is Format.XLSX
    assert server.requests == []


def test_auto_asks_the_llm_when_the_rules_are_unsure(server: OpenAIServer, llm: LLM) -> None:
    llm_says(server, format="pdf", target="last_result")
    request = parse(UNCLEAR, CONTEXT, mode="auto", llm=llm)
    assert (request.intent, request.format) == (Intent.EXPORT, Format.PDF)
    assert len(server.requests) == 1


def test_llm_mode_always_asks_and_rules_mode_never_does(server: OpenAIServer, llm: LLM) -> None:
    llm_says(server, format="json", target="last_result")
    assert parse(CLEAR, CONTEXT, mode="llm", llm=llm).format is Format.JSON
    assert parse(UNCLEAR, CONTEXT, mode="rules", llm=llm) == parse_rules(UNCLEAR, CONTEXT).request
    assert len(server.requests) == 1


def test_a_failing_llm_falls_back_to_the_rules(server: OpenAIServer, llm: LLM) -> None:
    server.script(Reply({"error": {"message": "boom", "type": "server_error"}}, status=500))
    request = parse(UNCLEAR, CONTEXT, mode="auto", llm=llm)
    assert request == parse_rules(UNCLEAR, CONTEXT).request


def test_no_key_means_rules_even_when_unsure() -> None:
    request = parse(UNCLEAR, CONTEXT, mode="auto", llm=LLM(LLMConfig(api_key=None)))
    assert request == parse_rules(UNCLEAR, CONTEXT).request


def test_llm_windows_come_back_as_wall_clock(server: OpenAIServer, llm: LLM) -> None:
    server.script(Reply(completion(tool_call("export", {
        "format": "csv", "target": "history", "since": "2026-11-18T00:00:00+01:00",
    }))))  # fmt: skip
    request = parse("export all of it as csv please", CONTEXT, mode="llm", llm=llm)
    assert request.since is not None and request.since.tzinfo is None
    assert request.contract_json()["since"] == "2026-11-18T00:00:00"
