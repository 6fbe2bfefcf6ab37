"""Fixtures for external services: skipped with a reason locally, required under CI=true."""

from __future__ import annotations

import os

import pytest


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
