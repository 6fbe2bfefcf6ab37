"""Fixtures for external services (skipped with a reason locally, required under CI=true)
and the local OpenAI-compatible server the LLM path is tested against."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.intents.openai_server import OpenAIServer


def _service_url(variable: str) -> str:
    url = os.environ.get(variable, "")
    if url:
        return url
    reason = f"{variable} is not set (the service did not answer when `make test` started)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL for a database tests may create tables in."""
    return _service_url("TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _service_url("TEST_REDIS_URL")


@pytest.fixture(autouse=True)
def _no_llm_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's real key never reaches a test: tests that want an LLM pass a seam
    (or set these variables themselves)."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ASSISTANT_LLM_MODEL",
        "ASSISTANT_LLM_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def running_server() -> Iterator[OpenAIServer]:
    """A local OpenAI-compatible server (the LLM path's tests), one per test module."""
    with OpenAIServer() as running:
        yield running


@pytest.fixture
def server(running_server: OpenAIServer) -> OpenAIServer:
    """The module's server with no scripted replies or recorded requests left over."""
    running_server.reset()
    return running_server
