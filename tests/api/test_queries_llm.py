"""``POST /api/queries`` and ``POST /api/chat`` ask the process's one LLM seam.

The app is built over an :class:`Assistant` given a seam whose client points at the local
OpenAI-compatible server; no environment variable is set.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.process import Assistant
from assistant.settings import Settings
from intents.toolcall import LLM, LLMConfig
from tests.api.conftest import User
from tests.intents.openai_server import OpenAIServer, Reply, completion, error, tool_call

KEY = "sk-test-key"
CANNOT = "which customers churned after their first refund?"  # the offline rules cannot read it
BY_COUNTRY = (
    'SELECT "country", COUNT(*) AS customers FROM "customers" '
    'GROUP BY "country" ORDER BY customers DESC'
)


@pytest.fixture
def assistant(settings: Settings, server: OpenAIServer) -> Iterator[Assistant]:
    with openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0) as client:
        llm = LLM(LLMConfig(api_key=KEY, base_url=server.base_url, timeout=5), client=client)
        made = Assistant(settings, llm=llm)
        try:
            yield made
        finally:
            made.close()


@pytest.fixture
def api(settings: Settings, assistant: Assistant) -> Iterator[TestClient]:
    app = create_app(settings, assistant=assistant)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


def test_a_question_the_rules_cannot_read_is_written_by_the_llm(
    api: TestClient, ana: User, server: OpenAIServer
) -> None:
    server.script(
        Reply(completion(tool_call("run_query", {"sql": BY_COUNTRY, "title": "Per country"})))
    )
    answer = api.post("/api/queries", json={"question": CANNOT}, headers=ana.auth)
    assert answer.status_code == 201, answer.text
    assert answer.json()["columns"] == ["country", "customers"]
    (sent,) = server.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["messages"][1] == {"role": "user", "content": CANNOT}


def test_when_the_llm_fails_the_rules_answer(
    api: TestClient, ana: User, server: OpenAIServer
) -> None:
    server.script(Reply(error("down", "server_error"), status=503))
    answer = api.post("/api/queries", json={"question": CANNOT}, headers=ana.auth)
    assert answer.status_code == 400, answer.text  # the rules' helpful refusal
    assert "customers" in answer.json()["error"]["message"]
    assert len(server.requests) == 1


def test_typed_sql_is_never_sent(api: TestClient, ana: User, server: OpenAIServer) -> None:
    answer = api.post("/api/queries", json={"sql": "SELECT id FROM customers"}, headers=ana.auth)
    assert answer.status_code == 201, answer.text
    assert server.requests == []


def test_chat_asks_the_same_seam(api: TestClient, ana: User, server: OpenAIServer) -> None:
    server.script(
        Reply(completion(tool_call("run_query", {"sql": BY_COUNTRY, "title": "Per country"})))
    )
    answer = api.post("/api/chat", json={"message": CANNOT}, headers=ana.auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["reply"]["table"]["columns"] == ["country", "customers"]
    assert len(server.requests) == 1
