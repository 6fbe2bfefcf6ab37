"""The one LLM seam: ``call_tool`` and the ``LLM`` that carries its config and client.

The client is injected (``httpx.MockTransport`` or the local OpenAI-compatible server);
both callers (reading messages, writing SQL) have their own tests over it.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from pydantic import BaseModel, ConfigDict

from intents.toolcall import (
    LLM,
    NO_KEY,
    Called,
    Failed,
    LLMConfig,
    call_tool,
    tool_param,
)
from intents.tools import Tool, strict_schema
from tests.intents.openai_server import OpenAIServer, Reply, completion, error, tool_call

KEY = "sk-secret-test-key"
MESSAGES: list[Any] = [{"role": "user", "content": "greet ana"}]


class GreetArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str


class WaveArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


GREET = Tool("greet", "Greet someone by name.", GreetArgs)
WAVE = Tool("wave", "Wave.", WaveArgs)
TOOLS: list[Tool[BaseModel]] = [GREET, WAVE]


def mock_llm(answer: Callable[[httpx.Request], httpx.Response]) -> LLM:
    client = openai.OpenAI(
        api_key=KEY,
        base_url="http://llm.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),  # type: ignore[arg-type]
    )
    return LLM(LLMConfig(api_key=KEY, model="mock-model", timeout=2.5), client=client)


def replying(body: dict[str, Any], status: int = 200) -> LLM:
    return mock_llm(lambda request: httpx.Response(status, json=body))


@pytest.fixture
def own(server: OpenAIServer) -> Iterator[LLM]:
    """A seam that builds its own client, pointing at the local server."""
    with LLM(LLMConfig(api_key=KEY, base_url=server.base_url, timeout=5)) as llm:
        yield llm


# --- what is sent, what comes back ------------------------------------------------------


def test_one_call_comes_back_validated_with_its_tool_name() -> None:
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=completion(tool_call("greet", {"name": "Ana"})))

    called = call_tool(mock_llm(answer), MESSAGES, TOOLS, what="greeting")

    assert called == Called("greet", GreetArgs(name="Ana"))
    (body,) = sent
    assert body["model"] == "mock-model"
    assert body["messages"] == MESSAGES
    assert body["tool_choice"] == "required"
    assert body["tools"] == [tool_param(GREET), tool_param(WAVE)]
    assert body["tools"][0]["function"] == {
        "name": "greet",
        "description": "Greet someone by name.",
        "strict": True,
        "parameters": strict_schema(GreetArgs),
    }


def test_agreeing_calls_are_one_answer() -> None:
    calls = (tool_call("greet", {"name": "Ana"}, "a"), tool_call("greet", {"name": "Ana"}, "b"))
    llm = replying(completion(*calls))
    assert call_tool(llm, MESSAGES, TOOLS, what="greeting") == Called(
        "greet", GreetArgs(name="Ana")
    )


FAILURES: dict[str, tuple[dict[str, Any], int, str]] = {
    "http 500": (error("boom", "server_error"), 500, "HTTP 500: boom"),
    "http 401": (error("Incorrect API key", "invalid_request_error"), 401, "HTTP 401: Incorrect"),
    "plain text": (completion(content="Hello Ana!"), 200, "no tool call in the answer"),
    "refusal": (completion(refusal="No."), 200, "the model refused: No."),
    "no choices": ({**completion(), "choices": []}, 200, "the response has no choices"),
    "unknown tool": (completion(tool_call("shout", {})), 200, "unknown tool 'shout'"),
    "bad json": (completion(tool_call("greet", "{nope")), 200, "invalid arguments for greet"),
    "missing": (completion(tool_call("greet", {})), 200, "invalid arguments for greet: name"),
    "extra key": (
        completion(tool_call("greet", {"name": "Ana", "mood": "happy"})),
        200,
        "invalid arguments for greet: mood",
    ),
    "conflicting calls": (
        completion(tool_call("greet", {"name": "Ana"}, "a"), tool_call("wave", {}, "b")),
        200,
        "2 conflicting tool calls (greet, wave)",
    ),
    "garbled": ({**completion(), "choices": [{"message": "hi"}]}, 200, "unexpected error"),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_every_failure_is_a_typed_failure_with_a_reason(case: str) -> None:
    body, status, reason = FAILURES[case]
    failed = call_tool(replying(body, status), MESSAGES, TOOLS, what="greeting")
    assert isinstance(failed, Failed)
    assert reason in failed.reason


def test_a_refused_connection_and_a_timeout_are_failures() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    refused = call_tool(mock_llm(refuse), MESSAGES, TOOLS, what="greeting")
    assert refused == Failed("connection failed: connection refused")
    timed_out = call_tool(mock_llm(slow), MESSAGES, TOOLS, what="greeting")
    assert timed_out == Failed("timed out after 2.5 s")


def test_an_empty_error_message_still_gives_a_reason() -> None:
    """llama-cpp-python's 500 for an assertion: an empty message, its type, or bare text."""
    empty = {"error": {"message": "", "type": "internal_server_error", "param": None}}
    assert call_tool(replying(empty, 503), MESSAGES, TOOLS, what="greeting") == Failed(
        "HTTP 503: no message (internal_server_error)"
    )
    plain = mock_llm(lambda request: httpx.Response(502, text="Bad Gateway"))
    assert call_tool(plain, MESSAGES, TOOLS, what="greeting") == Failed("HTTP 502: Bad Gateway")
    nothing = mock_llm(lambda request: httpx.Response(503))
    assert call_tool(nothing, MESSAGES, TOOLS, what="greeting") == Failed("HTTP 503: no message")
    detail = {"detail": [{"loc": ["body", "messages"], "msg": "Field required"}]}
    failed = call_tool(replying(detail, 422), MESSAGES, TOOLS, what="greeting")
    assert failed == Failed('HTTP 422: [{"loc": ["body", "messages"], "msg": "Field required"}]')


def test_a_failure_always_has_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        Failed(" ")


# --- the seam ---------------------------------------------------------------------------


def test_without_a_key_nothing_is_sent_and_no_client_is_built(server: OpenAIServer) -> None:
    llm = LLM(LLMConfig(api_key=None, base_url=server.base_url))
    assert not llm.enabled
    assert call_tool(llm, MESSAGES, TOOLS, what="greeting") == Failed(NO_KEY)
    assert call_tool(LLM.disabled(), MESSAGES, TOOLS, what="greeting") == Failed(NO_KEY)
    assert server.requests == []


def test_its_own_client_is_built_once_from_the_config_and_closed(
    server: OpenAIServer, own: LLM
) -> None:
    server.script(*[Reply(completion(tool_call("wave", {})))] * 2)
    assert call_tool(own, MESSAGES, TOOLS, what="waving") == Called("wave", WaveArgs())
    client = own.client()
    assert call_tool(own, MESSAGES, TOOLS, what="waving") == Called("wave", WaveArgs())
    assert own.client() is client  # one client, its connection reused
    assert client.max_retries == 0
    assert [sent.headers["authorization"] for sent in server.requests] == [f"Bearer {KEY}"] * 2
    own.close()
    assert client.is_closed()


def test_the_key_never_shows(server: OpenAIServer, own: LLM) -> None:
    assert KEY not in repr(own)
    assert KEY not in repr(own.config)
    assert KEY not in str(own)


def test_only_a_call_that_asks_the_model_imports_openai() -> None:
    """Building a seam and answering from the rules costs no ``openai`` import (~0.4 s)."""
    code = (
        "import sys\n"
        "from intents import Context, parse\n"
        "from intents.toolcall import LLM, LLMConfig\n"
        "llm = LLM(LLMConfig(api_key='sk-x', base_url='http://127.0.0.1:9/v1'))\n"
        "request = parse('export this as csv', Context.at('2026-11-18T15:30:00'), llm=llm)\n"
        "assert request.format.value == 'csv', request\n"
        "assert 'openai' not in sys.modules, 'openai was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- a server that refuses tool_choice="required" ---------------------------------------

ASSERTION_500 = error(
    "", "internal_server_error"
)  # llama-cpp-python's `assert tool_choice == "auto"`


def refusing_required(
    answer: Callable[[dict[str, Any]], httpx.Response],
    refusal: httpx.Response | None = None,
) -> tuple[LLM, list[dict[str, Any]]]:
    """A seam whose server answers ``refusal`` to "required" and ``answer`` to the rest."""
    sent: list[dict[str, Any]] = []

    def respond(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        if body["tool_choice"] == "required":
            return refusal or httpx.Response(500, json=ASSERTION_500)
        return answer(body)

    return mock_llm(respond), sent


def test_a_refused_required_choice_falls_back_to_auto_once_per_seam(
    caplog: pytest.LogCaptureFixture,
) -> None:
    llm, sent = refusing_required(
        lambda body: httpx.Response(200, json=completion(tool_call("greet", {"name": "Ana"})))
    )
    with caplog.at_level(logging.WARNING, logger="intents.toolcall"):
        first = call_tool(llm, MESSAGES, TOOLS, what="greeting")
        second = call_tool(llm, MESSAGES, TOOLS, what="greeting")

    assert first == second == Called("greet", GreetArgs(name="Ana"))
    assert [body["tool_choice"] for body in sent] == ["required", "auto", "auto"]
    assert sent[0] == {**sent[1], "tool_choice": "required"}  # the same request otherwise
    assert llm.required_refused == "HTTP 500: no message (internal_server_error)"
    (warning,) = caplog.records
    assert "refused tool_choice='required' (HTTP 500: no message" in warning.getMessage()


def test_one_tool_falls_back_to_naming_it() -> None:
    llm, sent = refusing_required(
        lambda body: httpx.Response(200, json=completion(tool_call("wave", {}))),
        refusal=httpx.Response(
            400, json=error("tool_choice 'required' is not supported", "invalid_request_error")
        ),
    )
    assert call_tool(llm, MESSAGES, [WAVE], what="waving") == Called("wave", WaveArgs())
    assert call_tool(llm, MESSAGES, [WAVE], what="waving") == Called("wave", WaveArgs())
    named = {"type": "function", "function": {"name": "wave"}}
    assert [body["tool_choice"] for body in sent] == ["required", named, named]
    assert llm.required_refused == "HTTP 400: tool_choice 'required' is not supported"


def test_a_fallback_answered_in_words_is_a_failure_but_the_choice_is_remembered() -> None:
    llm, sent = refusing_required(lambda body: httpx.Response(200, json=completion(content="Hi")))
    assert call_tool(llm, MESSAGES, TOOLS, what="greeting") == Failed("no tool call in the answer")
    assert llm.required_refused is not None
    call_tool(llm, MESSAGES, TOOLS, what="greeting")
    assert [body["tool_choice"] for body in sent] == ["required", "auto", "auto"]


def test_a_server_failing_both_ways_is_not_marked_and_says_both() -> None:
    llm, sent = refusing_required(
        lambda body: httpx.Response(500, json=error("model not loaded", "server_error"))
    )
    failed = call_tool(llm, MESSAGES, TOOLS, what="greeting")
    assert failed == Failed(
        "HTTP 500: no message (internal_server_error) "
        "(and with tool_choice 'auto': HTTP 500: model not loaded)"
    )
    assert llm.required_refused is None
    call_tool(llm, MESSAGES, TOOLS, what="greeting")
    assert [body["tool_choice"] for body in sent] == ["required", "auto"] * 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, error("out of memory", "server_error")),
        (401, error("Incorrect API key", "invalid_request_error")),
        (429, error("", "requests")),
        (503, error("", "overloaded")),
    ],
)
def test_other_errors_are_not_taken_for_a_refusal(status: int, body: dict[str, Any]) -> None:
    llm, sent = refusing_required(
        lambda answer: httpx.Response(200, json=completion(tool_call("wave", {}))),
        refusal=httpx.Response(status, json=body),
    )
    failed = call_tool(llm, MESSAGES, TOOLS, what="greeting")
    assert isinstance(failed, Failed) and failed.reason.startswith(f"HTTP {status}: ")
    assert [body["tool_choice"] for body in sent] == ["required"]
    assert llm.required_refused is None


def test_a_fallback_on_the_local_server_through_the_seams_own_client(
    server: OpenAIServer, own: LLM
) -> None:
    server.script(
        Reply(ASSERTION_500, status=500),
        Reply(completion(tool_call("wave", {}))),
        Reply(completion(tool_call("wave", {}))),
    )
    assert call_tool(own, MESSAGES, TOOLS, what="waving") == Called("wave", WaveArgs())
    assert call_tool(own, MESSAGES, TOOLS, what="waving") == Called("wave", WaveArgs())
    assert [sent.body["tool_choice"] for sent in server.requests] == ["required", "auto", "auto"]


def test_the_fallback_is_remembered_per_seam() -> None:
    refusing, _ = refusing_required(
        lambda body: httpx.Response(200, json=completion(tool_call("wave", {})))
    )
    call_tool(refusing, MESSAGES, TOOLS, what="waving")
    other, sent = refusing_required(
        lambda body: httpx.Response(200, json=completion(tool_call("wave", {})))
    )
    call_tool(other, MESSAGES, TOOLS, what="waving")
    assert [body["tool_choice"] for body in sent] == ["required", "auto"]
