"""The LLM writes SQL: the real ``openai`` client against a local scripted server.

No network and no key: tests/intents/openai_server.py answers with scripted OpenAI JSON.
The engine gets its LLM seam passed in, with a client pointing at that server; no test
here sets an environment variable.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import openai
import pytest

from assistant import open_conversation
from assistant.questions import CannotAnswer, SchemaAnswer, Translation
from assistant.questions.llm import RUN_QUERY, RunQueryArgs, WrittenSQL, with_llm, write_sql
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.source.schema import Column, Schema, Table
from assistant.store import QueryRun, create_store_engine, migrate, session_factory
from intents.toolcall import LLM, LLMConfig
from intents.tools import strict_schema
from tests.intents.openai_server import OpenAIServer, Reply, completion, error, tool_call

KEY = "sk-test-key"
NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
SCHEMA = Schema(
    (
        Table(
            "orders",
            (
                Column("id", "INTEGER", "integer"),
                Column("status", "TEXT", "text"),
                Column("total", "DECIMAL(12,2)", "decimal"),
                Column("created_at", "DATETIME", "datetime"),
            ),
        ),
    )
)
GROUPED = 'SELECT "status", SUM("total") AS revenue FROM "orders" GROUP BY "status"'
CANNOT = "which customers churned after their first refund?"  # the offline rules cannot read it


@pytest.fixture
def config(server: OpenAIServer) -> LLMConfig:
    return LLMConfig(api_key=KEY, base_url=server.base_url, timeout=5.0)


@pytest.fixture
def llm(server: OpenAIServer, config: LLMConfig) -> Iterator[LLM]:
    """A seam with a client of the test's own, pointing at the local server."""
    with openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0) as client:
        yield LLM(config, client=client)


def sql_call(sql: str, title: str = "Revenue by status") -> Reply:
    return Reply(completion(tool_call("run_query", {"sql": sql, "title": title})))


def write(server: OpenAIServer, llm: LLM, *replies: Reply) -> WrittenSQL | None:
    server.script(*replies)
    return write_sql("revenue per status", SCHEMA, "sqlite", NOW, llm)


# --- what is sent and what comes back ------------------------------------------------


def test_the_request_carries_the_strict_tool_the_schema_and_the_clock(
    server: OpenAIServer, llm: LLM
) -> None:
    written = write(server, llm, sql_call(GROUPED))

    assert written == WrittenSQL(GROUPED, "Revenue by status")
    (sent,) = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.body
    assert body["tool_choice"] == "required"
    (tool,) = body["tools"]
    assert tool["function"]["name"] == "run_query"
    assert tool["function"]["strict"] is True
    assert tool["function"]["parameters"] == strict_schema(RunQueryArgs)
    assert tool["function"]["parameters"]["required"] == ["sql", "title"]
    assert tool["function"]["description"] == RUN_QUERY.description
    assert body["model"] == "gpt-4o-mini"
    system, user = body["messages"]
    assert user == {"role": "user", "content": "revenue per status"}
    prompt = system["content"]
    assert "orders(id INTEGER, status TEXT, total DECIMAL(12,2), created_at DATETIME)" in prompt
    assert "SQL dialect: sqlite." in prompt
    assert "2026-11-18 15:30:00 (Wednesday) in Europe/Berlin" in prompt
    assert "'YYYY-MM-DD HH:MM:SS'" in prompt


def test_a_write_is_refused_by_the_guard(
    server: OpenAIServer, llm: LLM, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.questions.llm"):
        assert write(server, llm, sql_call("DELETE FROM orders", "Gone")) is None
    assert "the guard refused" in caplog.text
    assert "DELETE FROM orders" in caplog.text


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(error("boom", "server_error"), status=500), "HTTP 500"),
        (Reply(completion(content="SELECT 1")), "no tool call"),
        (Reply(completion(tool_call("run_query", "{not json"))), "invalid arguments"),
        (Reply(completion(tool_call("run_query", {"sql": "SELECT 1"}))), "invalid arguments"),
        (Reply(completion(refusal="I can't help with that")), "the model refused"),
        (Reply(completion(tool_call("drop_all", {"sql": "SELECT 1", "title": "x"}))), "unknown"),
        (
            Reply(
                completion(
                    tool_call("run_query", {"sql": "SELECT 1", "title": "One"}, "a"),
                    tool_call("run_query", {"sql": "SELECT 2", "title": "Two"}, "b"),
                )
            ),
            "2 conflicting tool calls (run_query, run_query)",
        ),
    ],
    ids=[
        "http-500",
        "no-tool-call",
        "bad-json",
        "missing-title",
        "refusal",
        "unknown-tool",
        "two-queries",
    ],
)
def test_a_failure_gives_none_and_logs_why(
    server: OpenAIServer,
    llm: LLM,
    caplog: pytest.LogCaptureFixture,
    reply: Reply,
    reason: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.questions.llm"):
        assert write(server, llm, reply) is None
    assert reason in caplog.text


def test_no_key_means_no_request(server: OpenAIServer) -> None:
    server.script(sql_call(GROUPED))
    config = LLMConfig(api_key=None, base_url=server.base_url)
    assert write_sql("revenue per status", SCHEMA, "sqlite", NOW, LLM(config)) is None
    assert server.requests == []


def test_a_refused_connection_gives_none() -> None:
    config = LLMConfig(api_key=KEY, base_url="http://127.0.0.1:9/v1", timeout=2.0)
    with LLM(config) as llm:
        assert write_sql("revenue per status", SCHEMA, "sqlite", NOW, llm) is None


def test_a_given_client_is_used(server: OpenAIServer, config: LLMConfig) -> None:
    server.script(sql_call(GROUPED))
    with openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0) as client:
        llm = LLM(config, client=client)
        written = write_sql("revenue", SCHEMA, "sqlite", NOW, llm)
        llm.close()  # the seam never closes a client it was given
        assert not client.is_closed()
    assert written is not None and written.sql == GROUPED


def test_a_seam_without_a_client_builds_one_from_its_config(
    server: OpenAIServer, config: LLMConfig
) -> None:
    server.script(sql_call(GROUPED))
    with LLM(config) as llm:
        written = write_sql("revenue", SCHEMA, "sqlite", NOW, llm)
    assert written is not None and written.sql == GROUPED
    (sent,) = server.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}"


# --- with_llm: when the LLM is asked -------------------------------------------------


def test_typed_sql_and_schema_answers_are_not_sent(server: OpenAIServer, llm: LLM) -> None:
    typed = Translation("SELECT 1", "Your query")
    tables = SchemaAnswer("Tables: orders.")
    assert with_llm(typed, "SELECT 1", SCHEMA, "sqlite", NOW, llm) is typed
    assert with_llm(tables, "what tables?", SCHEMA, "sqlite", NOW, llm) is tables
    assert server.requests == []


def test_the_llm_answer_wins_and_a_failure_keeps_the_offline_one(
    server: OpenAIServer, llm: LLM
) -> None:
    offline = CannotAnswer("I cannot read that.")
    server.script(sql_call(GROUPED), Reply(error("down", "server_error"), status=503))
    assert with_llm(offline, "revenue", SCHEMA, "sqlite", NOW, llm) == Translation(
        GROUPED, "Revenue by status"
    )
    assert with_llm(offline, "revenue", SCHEMA, "sqlite", NOW, llm) is offline


def test_a_disabled_seam_keeps_the_offline_answer(server: OpenAIServer) -> None:
    offline = CannotAnswer("I cannot read that.")
    assert with_llm(offline, "revenue", SCHEMA, "sqlite", NOW, LLM.disabled()) is offline
    assert server.requests == []


# --- the engine ----------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    demo = build_demo(tmp_path / "demo.db", 200, today=NOW.date())
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=f"sqlite:///{demo}",
        storage_dir=tmp_path / "files",
    )
    migrate(settings.database_url)
    return settings


def _runs(settings: Settings) -> list[QueryRun]:
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            return list(session.query(QueryRun).order_by(QueryRun.created_at))
    finally:
        engine.dispose()


def test_the_engine_runs_the_llms_sql_and_falls_back_when_it_fails(
    server: OpenAIServer, settings: Settings, llm: LLM
) -> None:
    by_country = (
        'SELECT "country", COUNT(*) AS customers FROM "customers" '
        'GROUP BY "country" ORDER BY customers DESC'
    )
    server.script(
        sql_call(by_country, "Customers per country"),
        Reply(error("down", "server_error"), status=500),
    )
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="auto", llm=llm) as chat:
        answered = chat.handle(CANNOT)
        fallback = chat.handle(CANNOT)

    assert answered.table is not None
    assert answered.table.columns == ["country", "customers"]
    assert answered.text.startswith("Customers per country: ")
    assert "Tables: customers" in fallback.text  # the offline rules' helpful refusal
    assert fallback.table is None
    assert len(server.requests) == 2  # the intent rules were confident: only SQL was asked
    (run,) = _runs(settings)
    assert run.question == CANNOT
    assert run.row_count == len(answered.table.rows)


def test_the_engine_in_rules_mode_never_asks(
    server: OpenAIServer, settings: Settings, llm: LLM
) -> None:
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules", llm=llm) as chat:
        reply = chat.handle(CANNOT)
    assert reply.table is None
    assert server.requests == []
