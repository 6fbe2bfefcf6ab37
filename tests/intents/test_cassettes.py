"""The wire format against a real model, offline: recorded cassettes replayed.

``make llm-check`` recorded each cassette in tests/intents/cassettes/ from llama-cpp-python's
OpenAI-compatible server (tests/intents/llm_check.py). Here the same calls run through the
real ``openai`` client over an ``httpx.MockTransport``-style replay (tests/intents/cassette.py):
every request must still have its recorded shape (``tool_choice``, the tools' schemas, the
keys sent), and every recorded response must still become what it became then: a request
from the model, or the fallback with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from intents.models import ExportRequest
from intents.toolcall import LLM, LLMConfig, fallback_choice
from intents.tools import TOOLS
from tests.intents.cassette import CASSETTES, SESSIONS, Replay, Session, load, run_call
from tests.intents.llm_check import record
from tests.intents.openai_server import OpenAIServer, Reply, completion, error, tool_call

RECORDED = sorted(CASSETTES.glob("*.json"))
KEY = "no-key"


def replay(cassette: dict[str, Any]) -> tuple[list[dict[str, Any]], Replay]:
    """The cassette's calls through one seam over its recorded exchanges."""
    exchanges = [exchange for call in cassette["calls"] for exchange in call["exchanges"]]
    transport = Replay(exchanges)
    base_url = "http://llm.test/v1"
    config = LLMConfig(api_key=KEY, base_url=base_url, model=cassette["model"], timeout=5)
    outcomes = []
    with openai.OpenAI(
        api_key=KEY,
        base_url=base_url,
        max_retries=0,
        http_client=httpx.Client(transport=transport),  # type: ignore[arg-type]
    ) as client:
        llm = LLM(config, client=client)
        for call in cassette["calls"]:
            outcomes.append(run_call(cassette["task"], call["input"], llm))
            assert not transport.strayed, transport.strayed
    assert not transport.pending, f"{len(transport.pending)} recorded requests were not sent"
    return outcomes, transport


def _type_lists(node: Any) -> Iterator[dict[str, Any]]:
    """Every ``"type": [...]`` in a schema (a grammar-constrained server drops its enum)."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), list):
            yield node
        for child in node.values():
            yield from _type_lists(child)
    elif isinstance(node, list):
        for child in node:
            yield from _type_lists(child)


def test_every_session_is_recorded() -> None:
    assert [path.stem for path in RECORDED] == sorted(session.name for session in SESSIONS)


@pytest.mark.parametrize("path", RECORDED, ids=[path.stem for path in RECORDED])
def test_a_cassette_says_what_answered(path: Path) -> None:
    header = load(path)["recorded_with"]
    assert header["server"].startswith("llama-cpp-python")
    assert header["server_version"] and header["model_file"].endswith(".gguf")
    assert len(header["model_sha256"]) == 64
    assert header["models_endpoint"]["object"] == "list"


@pytest.mark.parametrize("path", RECORDED, ids=[path.stem for path in RECORDED])
def test_replayed_requests_match_and_responses_read_as_recorded(path: Path) -> None:
    cassette = load(path)
    outcomes, _ = replay(cassette)
    for call, outcome in zip(cassette["calls"], outcomes, strict=True):
        recorded = call["outcome"]
        if cassette["task"] == "intents":
            assert (outcome["used_llm"], outcome["reason"]) == (
                recorded["used_llm"],
                recorded["reason"],
            )
            assert outcome["intent"] == recorded["intent"]
            ExportRequest.model_validate(outcome["request"])
            assert outcome["used_llm"] or outcome["reason"], "a fallback without a reason"
        else:
            assert outcome == recorded
            assert outcome["sql"] or outcome["reason"], "no SQL and no reason"


@pytest.mark.parametrize("path", RECORDED, ids=[path.stem for path in RECORDED])
def test_the_recorded_wire(path: Path) -> None:
    """What the real server was sent: strict anyOf schemas, and "required" first."""
    cassette = load(path)
    bodies = [
        exchange["request"]["body"] for call in cassette["calls"] for exchange in call["exchanges"]
    ]
    first = bodies[0]
    assert first["tool_choice"] == "required"
    names = [tool["function"]["name"] for tool in first["tools"]]
    expected = sorted(TOOLS) if cassette["task"] == "intents" else ["run_query"]
    assert sorted(names) == expected
    for body in bodies:
        for tool in body["tools"]:
            assert tool["function"]["strict"] is True
            assert not list(_type_lists(tool["function"]["parameters"]))
    statuses = [
        exchange["response"]["status"]
        for call in cassette["calls"]
        for exchange in call["exchanges"]
    ]
    if statuses[0] != 200:  # refused: the fallback at once, and from then on only it
        fallback = fallback_choice([TOOLS[name] for name in names])
        assert [body["tool_choice"] for body in bodies[1:]] == [fallback] * (len(bodies) - 1)


# --- the recorder and the replay themselves, against the scripted local server -------------


def test_a_recording_replays_and_a_changed_request_is_caught(server: OpenAIServer) -> None:
    empty_500 = Reply(error("", "internal_server_error"), status=500)
    server.script(
        empty_500,
        Reply(completion(tool_call("run_query", {"query": "orders from Berlin"}))),
        Reply(completion(content="Hello!")),
    )
    session = Session("scripted", "intents", "scripted-model", ("orders from Berlin", "hi"))
    cassette = record(session, server.base_url, {"server": "scripted"})

    first, second = cassette["calls"]
    assert [e["response"]["status"] for e in first["exchanges"]] == [500, 200]
    assert first["exchanges"][0]["response"]["json"] == empty_500.body
    assert first["outcome"]["intent"] == "query" and first["outcome"]["used_llm"]
    assert second["outcome"]["reason"] == "no tool call in the answer"
    outcomes, _ = replay(cassette)
    assert outcomes == [call["outcome"] for call in cassette["calls"]]

    body = first["exchanges"][0]["request"]["body"]
    body["tools"][0]["function"]["parameters"]["properties"]["format"] = {
        "type": ["string", "null"],
        "enum": ["csv", None],
    }
    with pytest.raises(AssertionError, match=r"strayed from its recording .*tools"):
        replay(cassette)
