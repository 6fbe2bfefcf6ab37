"""Fixtures for external services (skipped with a reason locally, required under CI=true)
and the local OpenAI-compatible server the LLM path is tested against."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest

from exporters.sources.url import parse_url
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


@pytest.fixture(scope="session")
def sql_ascii_url(postgres_url: str) -> str:
    """A SQL_ASCII database (bytes in no declared encoding) beside the test one: UTF-8
    text, Latin-1 bytes, arrays, an enum, JSON and bytea."""
    url = parse_url(postgres_url)
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = 'legacy_ascii'")
        if not found.fetchone():
            connection.execute(
                "CREATE DATABASE legacy_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
                " TEMPLATE template0"
            )
    legacy = postgres_url.rsplit("/", 1)[0] + "/legacy_ascii"
    with psycopg.connect(parse_url(legacy).conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS people, clean")
        connection.execute("DROP TYPE IF EXISTS mood")
        connection.execute("CREATE TYPE mood AS ENUM ('glad', 'sad')")
        connection.execute(
            "CREATE TABLE people (id integer, name text, code varchar(8), tags text[],"
            " doc jsonb, feeling mood, photo bytea)"
        )
        connection.execute(
            "INSERT INTO people VALUES"
            " (1, 'plain', 'A1', '{a,b}', '{\"k\": \"v\"}', 'glad', '\\x00ff'),"
            " (2, E'caf\\xc3\\xa9 \\xe6\\x9d\\xb1\\xe4\\xba\\xac', 'B2', E'{\\xc3\\xa9}',"
            "  E'{\"k\": \"\\xc3\\xa9\"}', 'sad', NULL),"
            " (3, E'Gr\\xfc\\xdfe', E'\\xe9t\\xe9', NULL, NULL, NULL, NULL)"
        )
        connection.execute('DROP TABLE IF EXISTS "caf\xc3\xa9"'.encode("latin-1"))
        # A name such a session cannot send as text: created from its UTF-8 bytes.
        connection.execute(
            'CREATE TABLE "caf\xc3\xa9" (id integer, "gr\xc3\xb6\xc3\x9fe" text)'.encode("latin-1")
        )
        connection.execute("CREATE TABLE clean (word text)")
        connection.execute(
            "INSERT INTO clean VALUES (E'fa\\xc3\\xa7ade'),"
            " (E'\\xe6\\x9d\\xb1\\xe4\\xba\\xac'), (NULL)"
        )
    return legacy
