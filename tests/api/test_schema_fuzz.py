"""Schemathesis over the in-process app's own OpenAPI document, with a valid key.

Every operation gets generated requests (valid and not); no answer may be a 5xx or break
its documented schema. The example count is kept small here so the suite stays fast;
``make fuzz`` runs the same test with many more (``FUZZ_EXAMPLES``). The operations are
driven from a plain test (not ``schema.parametrize``) so the app, its store and the key
come from ordinary fixtures.

One check is left out: "schema-valid request accepted". Some rules span fields ("exactly
one of sql and question") or reach into free-form JSON (no NUL in options), which the
schema describes in words, so a generated ``{}`` is rightly refused with 422. Everything
else runs: no 5xx, status codes, content types, headers and bodies as documented, and
invalid data refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok

from assistant.api import create_app
from assistant.settings import Settings
from tests.api.conftest import key_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))


@pytest.fixture
def api_schema(settings: Settings) -> Iterator[schemathesis.schemas.BaseSchema]:
    app = create_app(settings.model_copy(update={"exports_per_minute": 100_000}))
    with TestClient(app):  # runs the lifespan: migrations, recovery
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_server_errors_and_answers_match_the_schema(
    api_schema: schemathesis.schemas.BaseSchema, settings: Settings
) -> None:
    auth = {"Authorization": f"Bearer {key_for(settings, 'fuzz')}"}
    operations = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result  # the app's own schema must load whole
        operations.append(result.ok())
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @examples(
            max_examples=EXAMPLES, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )  # fmt: skip
        def check(case: Any) -> None:  # a schemathesis Case
            case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])

        check()
