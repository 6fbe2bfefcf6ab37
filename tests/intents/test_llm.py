"""The LLM path against a local OpenAI-compatible server, through the real ``openai`` client.

No network and no key: tests/intents/openai_server.py answers with scripted OpenAI JSON.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import openai
import pytest
from pydantic import BaseModel, ValidationError

from intents.context import Context
from intents.llm import LLM, LLMConfig, LLMOutcome, parse_llm
from intents.models import (
    Compression,
    Destination,
    ExportRequest,
    Format,
    Intent,
    Preferences,
    Target,
)
from intents.tools import FORMAT_CHOICES, FORMAT_QUESTION, TOOLS, strict_schema
from tests.intents.openai_server import OpenAIServer, Reply, completion, error, tool_call

BERLIN = ZoneInfo("Europe/Berlin")
CONTEXT = Context.at("2026-11-18T15:30:00", "Europe/Berlin")  # a Wednesday
FALLBACK = ExportRequest(intent=Intent.UNKNOWN, query="the rules' answer")
KEY = "sk-test-key"


@pytest.fixture
def client(server: OpenAIServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0) as made:
        yield made


def ask(
    server: OpenAIServer,
    client: openai.OpenAI,
    *replies: Reply,
    message: str = "export this",
    context: Context = CONTEXT,
    timeout: float = 5.0,
) -> LLMOutcome:
    server.script(*replies)
    config = LLMConfig(api_key=KEY, base_url=server.base_url, timeout=timeout)
    return parse_llm(message, context, FALLBACK, LLM(config, client=client))


def called(name: str, **arguments: Any) -> Reply:
    return Reply(completion(tool_call(name, arguments)))


def used(outcome: LLMOutcome) -> ExportRequest:
    assert outcome.used_llm, outcome.reason
    assert outcome.reason is None
    return outcome.request


# --- what is sent -------------------------------------------------------------------


def test_the_request_carries_the_strict_tools_the_message_and_the_context(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    ask(server, client, called("small_talk"), message="export the first 10 rows as CSV")

    (sent,) = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.body
    assert body["model"] == "gpt-4o-mini"
    assert body["tool_choice"] == "required"
    system, user = body["messages"]
    assert user == {"role": "user", "content": "export the first 10 rows as CSV"}
    assert system["role"] == "system"
    assert "2026-11-18T15:30:00 (Wednesday) in Europe/Berlin" in system["content"]
    assert "this Monday 00:00 = 2026-11-16T00:00:00" in system["content"]
    assert "A result is on screen: yes." in system["content"]
    assert "Saved default format: none." in system["content"]
    functions = {tool["function"]["name"]: tool["function"] for tool in body["tools"]}
    assert set(functions) == set(TOOLS) >= {"export", "schedule", "run_query", "ask_clarification"}
    for name, function in functions.items():
        assert function["strict"] is True
        assert function["parameters"] == strict_schema(TOOLS[name].args)
        assert function["description"]


def test_the_prompt_names_the_saved_format_the_last_request_and_a_pending_question(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    pending = ExportRequest(
        intent=Intent.EXPORT, target=Target.LAST_RESULT, clarify="Which format?"
    )
    last = ExportRequest(intent=Intent.EXPORT, format=Format.PDF, target=Target.LAST_RESULT)
    context = CONTEXT.model_copy(
        update={
            "has_result": False,
            "preferences": Preferences(default_format=Format.XLSX),
            "last_request": last,
            "pending": pending,
        }
    )
    ask(server, client, called("small_talk"), message="excel", context=context)

    prompt = server.requests[0].body["messages"][0]["content"]
    assert "A result is on screen: no." in prompt
    assert "Saved default format: xlsx." in prompt
    assert 'Last request: {"intent": "export", "format": "pdf"' in prompt
    assert "waiting for the answer to 'Which format?'" in prompt


# --- tool calls become requests -----------------------------------------------------


def test_an_export_call_becomes_the_request(server: OpenAIServer, client: openai.OpenAI) -> None:
    outcome = ask(
        server,
        client,
        called(
            "export",
            format="csv",
            target="last_result",
            columns=["Name", "E Mail"],
            exclude_columns=None,
            limit=100,
            compression="zip",
            destination="download",
        ),
    )
    assert used(outcome) == ExportRequest(
        intent=Intent.EXPORT,
        format=Format.CSV,
        target=Target.LAST_RESULT,
        columns=["name", "e_mail"],
        limit=100,
        compression=Compression.ZIP,
    )


def test_history_windows_are_local_times_in_the_users_zone(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    outcome = ask(
        server,
        client,
        called(
            "export",
            format="jsonl",
            target="history",
            since="2026-11-09T00:00:00",
            until="2026-11-16T00:00:00",
        ),
    )
    request = used(outcome)
    assert request.target is Target.HISTORY
    assert request.since == dt.datetime(2026, 11, 9, tzinfo=BERLIN)
    assert request.contract_json()["since"] == "2026-11-09T00:00:00"
    assert request.contract_json()["until"] == "2026-11-16T00:00:00"


def test_a_time_with_an_offset_is_converted_to_the_users_zone(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    outcome = ask(server, client, called("export", format="csv", since="2026-11-18T09:00:00Z"))
    assert used(outcome).contract_json()["since"] == "2026-11-18T10:00:00"


def test_a_schedule_call_keeps_its_cron(server: OpenAIServer, client: openai.OpenAI) -> None:
    outcome = ask(
        server,
        client,
        called("schedule", format="pdf", destination="email", cron=" 0  9 * *   1 "),
        message="email me this as a PDF every Monday at 9am",
    )
    assert used(outcome) == ExportRequest(
        intent=Intent.SCHEDULE,
        format=Format.PDF,
        target=Target.LAST_RESULT,
        destination=Destination.EMAIL,
        cron="0 9 * * 1",
    )


def test_a_named_address_means_email(server: OpenAIServer, client: openai.OpenAI) -> None:
    outcome = ask(server, client, called("export", format="xlsx", email="ana@example.com"))
    request = used(outcome)
    assert (request.destination, request.email) == (Destination.EMAIL, "ana@example.com")


def test_new_data_in_the_message_is_a_query_target(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    outcome = ask(server, client, called("export", format="csv", query="all orders from Berlin"))
    request = used(outcome)
    assert (request.target, request.query) == (Target.QUERY, "all orders from Berlin")


def test_run_query(server: OpenAIServer, client: openai.OpenAI) -> None:
    outcome = ask(server, client, called("run_query", query="orders from Berlin"))
    assert used(outcome) == ExportRequest(intent=Intent.QUERY, query="orders from Berlin")


@pytest.mark.parametrize(("tool", "intent"), [("answer_help", "help"), ("small_talk", "unknown")])
def test_help_and_small_talk(
    server: OpenAIServer, client: openai.OpenAI, tool: str, intent: str
) -> None:
    assert used(ask(server, client, called(tool))) == ExportRequest(intent=Intent(intent))


def test_ask_clarification_keeps_the_draft_and_offers_choices(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    outcome = ask(
        server,
        client,
        called(
            "ask_clarification",
            question="CSV or Excel?",
            choices=["csv", "xlsx"],
            intent="export",
            draft={"target": "last_result", "compression": "zip"},
        ),
        message="csv or excel, whatever, zipped",
    )
    request = used(outcome)
    assert (request.intent, request.target) == (Intent.EXPORT, Target.LAST_RESULT)
    assert (request.clarify, request.choices) == ("CSV or Excel?", ["csv", "xlsx"])
    assert request.compression is Compression.ZIP
    assert not request.ready


def test_ask_clarification_without_an_intent_keeps_the_rules_kind(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    outcome = ask(server, client, called("ask_clarification", question="Which table?"))
    assert used(outcome) == ExportRequest(intent=FALLBACK.intent, clarify="Which table?")


def test_an_export_without_a_format_asks_for_one(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    request = used(ask(server, client, called("export", format=None, target="last_result")))
    assert (request.format, request.clarify, request.choices) == (
        None,
        FORMAT_QUESTION,
        FORMAT_CHOICES,
    )
    assert "Excel" in FORMAT_QUESTION and "Markdown" in FORMAT_QUESTION


def test_a_schedule_without_a_format_asks_but_keeps_the_cron(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    request = used(ask(server, client, called("schedule", cron="0 9 * * 1")))
    assert (request.intent, request.cron, request.clarify) == (
        Intent.SCHEDULE,
        "0 9 * * 1",
        FORMAT_QUESTION,
    )


def test_the_saved_default_format_answers_instead(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    context = CONTEXT.model_copy(update={"preferences": Preferences(default_format=Format.PARQUET)})
    request = used(ask(server, client, called("export", format=None), context=context))
    assert (request.format, request.clarify) == (Format.PARQUET, None)


def test_an_unsupported_format_is_named_in_the_question(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    request = used(ask(server, client, called("export", unsupported_format="Word")))
    assert request.format is None
    assert request.clarify == f"I can't produce Word files. {FORMAT_QUESTION}"


def test_agreeing_parallel_calls_are_one_answer(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    call = {"query": "orders"}
    reply = Reply(completion(tool_call("run_query", call, "a"), tool_call("run_query", call, "b")))
    assert used(ask(server, client, reply)).query == "orders"


def test_strict_mode_arguments_with_every_key_null_validate() -> None:
    """What a strict endpoint sends: every key present, unset ones null."""
    for tool in TOOLS.values():
        properties = strict_schema(tool.args)["properties"]
        nulls: dict[str, Any] = {name: None for name in properties}
        nulls.update({"query": "orders", "question": "Which?", "cron": "0 9 * * 1"})
        arguments = {name: nulls[name] for name in properties}
        args = tool.args.model_validate_json(json.dumps(arguments))
        assert isinstance(args.to_request(CONTEXT, FALLBACK), ExportRequest)


# --- every failure falls back -------------------------------------------------------

FAILURES = {
    "http 500": (Reply(error("boom", "server_error"), status=500), "HTTP 500: boom"),
    "http 401": (
        Reply(error("Incorrect API key provided", "invalid_request_error", "invalid_api_key"), 401),
        "HTTP 401: Incorrect API key provided",
    ),
    "http 429": (
        Reply(error("Rate limit reached", "requests", "rate_limit_exceeded"), 429),
        "HTTP 429: Rate limit reached",
    ),
    "plain text": (Reply(completion(content="Sure! Here is your CSV.")), "no tool call"),
    "refusal": (
        Reply(completion(refusal="I can't help with that.")),
        "the model refused: I can't help with that.",
    ),
    "invalid json": (
        Reply(completion(tool_call("export", '{"format": "csv", "targ'))),
        "invalid arguments for export",
    ),
    "wrong enum": (Reply(completion(tool_call("export", {"format": "docx"}))), "format"),
    "wrong type": (Reply(completion(tool_call("export", {"limit": "lots"}))), "limit"),
    "negative limit": (Reply(completion(tool_call("export", {"limit": -5}))), "limit"),
    "unknown key": (Reply(completion(tool_call("export", {"colour": "red"}))), "colour"),
    "missing required": (Reply(completion(tool_call("run_query", {}))), "query"),
    "bad cron": (
        Reply(completion(tool_call("schedule", {"format": "csv", "cron": "every monday"}))),
        "5-field cron",
    ),
    "unknown tool": (
        Reply(completion(tool_call("delete_everything", {}))),
        "unknown tool 'delete_everything'",
    ),
    "conflicting calls": (
        Reply(
            completion(
                tool_call("run_query", {"query": "orders"}, "a"),
                tool_call("export", {"format": "csv"}, "b"),
            )
        ),
        "2 conflicting tool calls (run_query, export)",
    ),
    "no choices": (Reply({**completion(), "choices": []}), "no choices"),
    "not a completion": (Reply({"hello": "world"}), "the response has no choices"),
    "garbled choice": (Reply({**completion(), "choices": [{"message": "hi"}]}), "unexpected error"),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_failures_fall_back_with_a_reason(
    server: OpenAIServer, client: openai.OpenAI, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply, reason = FAILURES[case]
    with caplog.at_level(logging.WARNING, logger="intents.llm"):
        outcome = ask(server, client, reply)
    assert (outcome.request, outcome.used_llm) == (FALLBACK, False)
    assert outcome.reason is not None and reason in outcome.reason
    assert outcome.reason in caplog.text


def test_a_slow_server_times_out(server: OpenAIServer, client: openai.OpenAI) -> None:
    outcome = ask(server, client, Reply(completion(), delay=30), timeout=0.3)
    assert (outcome.request, outcome.used_llm) == (FALLBACK, False)
    assert outcome.reason == "timed out after 0.3 s"


def test_a_refused_connection_falls_back() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the client connects
    config = LLMConfig(api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1", timeout=2)
    with LLM(config) as llm:
        outcome = parse_llm("export this", CONTEXT, FALLBACK, llm)
    assert (outcome.request, outcome.used_llm) == (FALLBACK, False)
    assert outcome.reason is not None and outcome.reason.startswith("connection failed")


def test_no_key_falls_back_without_a_request(
    server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = LLMConfig(api_key=None, base_url=server.base_url)
    with caplog.at_level(logging.INFO, logger="intents.llm"):
        outcome = parse_llm("export this", CONTEXT, FALLBACK, LLM(config))
    assert outcome == LLMOutcome(FALLBACK, False, "no API key configured (OPENAI_API_KEY)")
    assert server.requests == []
    assert "no API key" in caplog.text


def test_the_built_client_uses_the_config_and_never_retries(server: OpenAIServer) -> None:
    server.script(Reply(error("boom", "server_error"), status=500), called("small_talk"))
    config = LLMConfig(api_key=KEY, base_url=server.base_url, model="local-model", timeout=5)
    with LLM(config) as llm:
        outcome = parse_llm("hi", CONTEXT, FALLBACK, llm)
    assert outcome.reason == "HTTP 500: boom"
    (sent,) = server.requests
    assert sent.body["model"] == "local-model"
    assert sent.headers["authorization"] == f"Bearer {KEY}"


# --- an injected transport ----------------------------------------------------------


def test_an_injected_mock_transport() -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=completion(tool_call("export", {"format": "markdown"})))

    http_client = httpx.Client(transport=httpx.MockTransport(answer))
    config = LLMConfig(api_key=KEY, base_url="http://llm.test/v1")
    with openai.OpenAI(
        api_key=KEY,
        base_url=config.base_url,
        max_retries=0,
        http_client=http_client,  # type: ignore[arg-type]  # the client takes httpx and httpx2
    ) as client:
        outcome = parse_llm("export this as md", CONTEXT, FALLBACK, LLM(config, client=client))
    assert used(outcome).format is Format.MARKDOWN
    assert seen[0]["messages"][1]["content"] == "export this as md"


def test_an_injected_transport_that_fails() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http_client = httpx.Client(transport=httpx.MockTransport(refuse))
    config = LLMConfig(api_key=KEY)
    with openai.OpenAI(
        api_key=KEY,
        base_url="http://llm.test/v1",
        max_retries=0,
        http_client=http_client,  # type: ignore[arg-type]
    ) as client:
        outcome = parse_llm("export this", CONTEXT, FALLBACK, LLM(config, client=client))
    assert (outcome.used_llm, outcome.reason) == (False, "connection failed: connection refused")


# --- configuration ------------------------------------------------------------------


def test_config_from_the_environment() -> None:
    config = LLMConfig.from_env(
        {
            "OPENAI_API_KEY": "sk-1",
            "OPENAI_BASE_URL": "http://localhost:11434/v1",
            "ASSISTANT_LLM_MODEL": "llama3.1",
            "ASSISTANT_LLM_TIMEOUT": "3",
        }
    )
    assert config == LLMConfig("sk-1", "http://localhost:11434/v1", "llama3.1", 3.0)
    assert config.enabled
    assert "sk-1" not in repr(config)


@pytest.mark.parametrize("timeout", ["", "soon", "0", "-1", "nan", "inf"])
def test_config_defaults(timeout: str) -> None:
    config = LLMConfig.from_env({"OPENAI_API_KEY": " ", "ASSISTANT_LLM_TIMEOUT": timeout})
    assert config == LLMConfig(None, None, "gpt-4o-mini", 120.0)
    assert not config.enabled


# --- the strict schema --------------------------------------------------------------


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        keys = set(node)
        for name, value in node.items():
            if name != "properties":
                keys |= _keys(value)
            else:
                keys |= {key for child in value.values() for key in _keys(child)}
        return keys
    if isinstance(node, list):
        return {key for value in node for key in _keys(value)}
    return set()


class _Inner(BaseModel):
    label: str
    weight: float | None = 1.5


class _Outer(BaseModel):
    """A model with everything pydantic puts in a schema: refs, defaults, bounds, titles."""

    name: str
    format: Format = Format.CSV
    maybe: Format | None = None
    count: int = 3
    ratio: float | None = None
    flag: bool | None = None
    inner: _Inner
    optional_inner: _Inner | None = None
    many: list[_Inner] = []
    tags: list[str] | None = None


@pytest.mark.parametrize("model", [_Outer, *(tool.args for tool in TOOLS.values())])
def test_every_object_is_closed_and_requires_every_property(model: type[BaseModel]) -> None:
    schema = strict_schema(model)
    objects = list(_objects(schema))
    assert objects and objects[0] is schema
    for node in objects:
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])
    allowed = {"type", "properties", "required", "additionalProperties", "items"}
    assert _keys(schema) <= allowed | {"enum", "anyOf", "description"}


def test_optional_values_become_nullable_and_refs_are_inlined() -> None:
    properties = strict_schema(_Outer)["properties"]
    assert properties["name"] == {"type": "string"}
    values = [fmt.value for fmt in Format]
    assert properties["format"] == {"type": "string", "enum": values}
    assert properties["maybe"] == {"anyOf": [{"type": "string", "enum": values}, {"type": "null"}]}
    assert properties["ratio"] == {"anyOf": [{"type": "number"}, {"type": "null"}]}
    assert properties["flag"] == {"anyOf": [{"type": "boolean"}, {"type": "null"}]}
    assert properties["tags"] == {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]
    }
    inner = {
        "type": "object",
        "properties": {
            "label": {"type": "string"},
            "weight": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        },
        "required": ["label", "weight"],
        "additionalProperties": False,
    }
    assert properties["inner"] == inner
    assert properties["optional_inner"] == {"anyOf": [inner, {"type": "null"}]}
    assert properties["many"] == {"type": "array", "items": inner}


def test_descriptions_survive() -> None:
    since = strict_schema(TOOLS["export"].args)["properties"]["since"]
    assert since == {
        "anyOf": [
            {"type": "string", "description": "YYYY-MM-DDTHH:MM:SS, no offset"},
            {"type": "null"},
        ],
        "description": "history start, inclusive, local time",
    }


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema in ``node``: itself, its properties, items and variants."""
    if isinstance(node, dict):
        yield node
        for child in node.get("properties", {}).values():
            yield from _nodes(child)
        for key in ("items",):
            if key in node:
                yield from _nodes(node[key])
        for variant in node.get("anyOf", ()):
            yield from _nodes(variant)


SCHEMAS = [_Outer, *(tool.args for tool in TOOLS.values())]


@pytest.mark.parametrize("model", SCHEMAS)
def test_no_type_lists_and_every_enum_under_one_type(model: type[BaseModel]) -> None:
    """The shape grammar-constrained servers enforce: nullable means ``anyOf`` with null."""
    for node in _nodes(strict_schema(model)):
        assert not isinstance(node.get("type"), list), node
        if "enum" in node:
            assert node["type"] == "string" and None not in node["enum"], node
        if "anyOf" in node:
            assert set(node) <= {"anyOf", "description"}, node
            assert {"type": "null"} in node["anyOf"], node


def _grammar_values(node: dict[str, Any]) -> set[Any] | None:
    """The enum values a schema-to-grammar converter lets through, None for "any value of
    the type". Its order, as in llama.cpp's json_schema_to_grammar: ``anyOf``, then a type
    list (one rule per listed type: an enum beside it is lost), then ``enum``."""
    if "anyOf" in node:
        variants = [_grammar_values(variant) for variant in node["anyOf"]]
        if any(values is None for values in variants):
            return None
        return {value for values in variants if values is not None for value in values}
    if isinstance(node.get("type"), list):
        return {None} if node["type"] == ["null"] else None
    if "enum" in node:
        return set(node["enum"])
    return {None} if node.get("type") == "null" else None


@pytest.mark.parametrize("tool", TOOLS.values(), ids=list(TOOLS))
def test_a_grammar_converter_keeps_every_enum(tool: Any) -> None:
    properties = strict_schema(tool.args)["properties"]
    enums = {"format": Format, "target": Target, "compression": Compression}
    for name, kind in enums.items():
        if name in properties:
            assert _grammar_values(properties[name]) == {*(k.value for k in kind), None}
    # What the old shape let through: any string at all.
    old = {"type": ["string", "null"], "enum": [*(fmt.value for fmt in Format), None]}
    assert _grammar_values(old) is None


@pytest.mark.parametrize("tool", TOOLS.values(), ids=list(TOOLS))
def test_an_independent_validator_reads_the_schemas_as_pydantic_does(tool: Any) -> None:
    """jsonschema (not ours) accepts what strict mode sends and refuses unknown enum values."""
    import jsonschema

    schema = strict_schema(tool.args)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    nulls: dict[str, Any] = {name: None for name in schema["properties"]}
    nulls.update({"query": "orders", "question": "Which?", "cron": "0 9 * * 1"})
    arguments = {name: nulls[name] for name in schema["properties"]}
    assert validator.is_valid(arguments)
    tool.args.model_validate(arguments)
    assert not validator.is_valid({**arguments, "colour": "red"})
    for name in ("format", "target", "compression", "destination"):
        if name in arguments:
            assert not validator.is_valid({**arguments, name: "docx"})
            with pytest.raises(ValidationError):
                tool.args.model_validate({**arguments, name: "docx"})


def _llama_grammar() -> Any:
    """llama-cpp-python's pure-Python llama_grammar.py, without loading the package (its
    C library, and a /dev/null it never closes)."""
    package = importlib.util.find_spec("llama_cpp")
    assert package is not None and package.submodule_search_locations, (
        "llama-cpp-python is not installed: run `make llm-check`"
    )
    path = Path(next(iter(package.submodule_search_locations))) / "llama_grammar.py"
    spec = importlib.util.spec_from_file_location("llama_grammar_alone", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.llm_check
def test_llama_cpps_own_converter_keeps_every_enum() -> None:
    """llama-cpp-python's schema-to-grammar converter itself, where it is installed."""
    grammar = _llama_grammar()
    enums = {"format": Format, "target": Target, "compression": Compression}
    for tool in (TOOLS["export"], TOOLS["schedule"]):
        gbnf = grammar.json_schema_to_gbnf(json.dumps(strict_schema(tool.args)))
        rules = dict(line.split(" ::= ", 1) for line in gbnf.splitlines() if " ::= " in line)
        for name, kind in enums.items():
            assert rules[name] == f"{name}-0 | null"
            literals = {literal.strip() for literal in rules[f"{name}-0"].split("|")}
            assert literals == {f'"\\"{member.value}\\""' for member in kind}
