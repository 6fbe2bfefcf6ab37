"""Request bodies the API must refuse cleanly, what the OpenAPI document promises, and limits.

Every route with a JSON body (taken from the OpenAPI document, so a new one cannot be
missed) gets malformed JSON, bytes that are not UTF-8, NUL characters, oversized and
wrongly typed bodies: each answer is a 4xx in the contract's error shape, never a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.errors import ErrorBody
from tests.api.conftest import User, key_for, make_settings

Op = tuple[str, str]  # (method, path)

TEMPLATE_REQUEST = {"intent": "export", "format": "csv", "target": "query", "query": "show orders"}

#: A valid body for every route that takes one; the test below checks none is missing.
SCHEDULE: dict[str, Any] = {
    "cron": "0 9 * * 1",
    "timezone": "Europe/Berlin",
    "request": {"intent": "export", "format": "csv", "target": "query", "query": "SELECT 1"},
    "destination": {"kind": "email", "to": "ana@example.com"},
}

VALID: dict[Op, dict[str, Any]] = {
    ("POST", "/api/chat"): {"message": "how many customers"},
    ("POST", "/api/queries"): {"sql": "SELECT 1 AS one"},
    ("POST", "/api/exports"): {"sql": "SELECT 1 AS one", "format": "csv"},
    ("POST", "/api/exports/batch"): {"since": "2000-01-01T00:00:00Z", "format": "csv"},
    ("PUT", "/api/preferences"): {"default_format": "csv"},
    ("PUT", "/api/templates"): {"name": "weekly", "request": TEMPLATE_REQUEST},
    ("POST", "/api/schedules"): SCHEDULE,
    ("PATCH", "/api/schedules/{schedule_id}"): {"active": False, "cron": "0 8 * * 1"},
    ("PATCH", "/api/conversations/{conversation_id}"): {"title": "Weekly numbers"},
}

#: For every route, bodies with a NUL in a text field (top level and nested).
WITH_NUL: dict[Op, list[dict[str, Any]]] = {
    ("POST", "/api/chat"): [
        {"message": "show\x00 customers"},
        {"message": "show customers", "conversation_id": "abc\x00"},
    ],
    ("POST", "/api/queries"): [{"sql": "SELECT 1\x00"}, {"question": "how many\x00 customers"}],
    ("POST", "/api/exports"): [
        {"sql": "SELECT 1 AS one\x00", "format": "csv"},
        {"sql": "SELECT 1 AS one", "format": "csv", "options": {"null\x00": "-"}},
        {"sql": "SELECT 1 AS one", "format": "csv", "options": {"null": "\x00"}},
        {"sql": "SELECT 1 AS one", "format": "pdf", "options": {"title": "a\x00b"}},
        {"sql": "SELECT 1 AS one", "format": "csv", "options": {"columns": ["o\x00ne"]}},
        {"sql": "SELECT 1 AS one", "format": "csv", "options": {"rename": {"one": "\x00"}}},
        {"query_id": "abc\x00", "format": "csv"},
    ],
    ("POST", "/api/exports/batch"): [
        {"since": "2000-01-01T00:00:00Z", "format": "csv", "options": {"null": "\x00"}},
        {"query_ids": ["abc\x00"], "format": "csv"},
    ],
    ("PUT", "/api/preferences"): [
        {"timezone": "Europe/Ber\x00lin"},
        {"options": {"csv": {"null": "\x00"}}},
        {"options": {"pdf": {"title": "a\x00b"}}},
    ],
    ("PUT", "/api/templates"): [
        {"name": "week\x00ly", "request": TEMPLATE_REQUEST},
        {"name": "weekly", "request": {**TEMPLATE_REQUEST, "query": "show\x00 orders"}},
        {"name": "weekly", "request": {**TEMPLATE_REQUEST, "columns": ["na\x00me"]}},
    ],
    ("POST", "/api/schedules"): [
        {**SCHEDULE, "name": "week\x00ly"},
        {**SCHEDULE, "request": {**SCHEDULE["request"], "query": "SELECT 1\x00"}},
        {**SCHEDULE, "destination": {"kind": "email", "to": "a\x00@example.com"}},
    ],
    ("PATCH", "/api/schedules/{schedule_id}"): [{"name": "a\x00"}, {"timezone": "UTC\x00"}],
    ("PATCH", "/api/conversations/{conversation_id}"): [{"title": "a\x00b"}],
}

#: For every route, bodies with a field of the wrong type.
WRONG_TYPES: dict[Op, list[dict[str, Any]]] = {
    ("POST", "/api/chat"): [{"message": 5}, {"message": "hi", "conversation_id": ["x"]}],
    ("POST", "/api/queries"): [{"sql": ["SELECT 1"]}, {"question": {"q": 1}}, {"sql": None}],
    ("POST", "/api/exports"): [
        {"sql": "SELECT 1", "format": 7},
        {"sql": "SELECT 1", "format": "csv", "options": ["bom"]},
        {"query_id": 12, "format": "csv"},
        {"sql": "SELECT 1", "format": "docx"},
    ],
    ("POST", "/api/exports/batch"): [
        {"query_ids": "abc", "format": "csv"},
        {"since": "yesterday-ish", "format": "csv"},
        {"since": "2000-01-01T00:00:00Z", "format": "csv", "bundle": "tarball"},
    ],
    ("PUT", "/api/preferences"): [{"default_format": 1}, {"options": "csv"}],
    ("PUT", "/api/templates"): [
        {"name": {}, "request": TEMPLATE_REQUEST},
        {"name": "weekly", "request": "export orders"},
        {"name": "weekly", "request": TEMPLATE_REQUEST, "shared": [1]},
    ],
    ("POST", "/api/schedules"): [
        {**SCHEDULE, "cron": 5},
        {**SCHEDULE, "destination": {"kind": "fax", "to": "1"}},
        {**SCHEDULE, "active": "sometimes"},
    ],
    ("PATCH", "/api/schedules/{schedule_id}"): [{"active": [1]}, {"cron": {"m": 1}}],
    ("PATCH", "/api/conversations/{conversation_id}"): [{"title": 5}, {"title": None}],
}

MALFORMED = [
    b'{"message": ',
    b"{'message': 'single quotes'}",
    b'{"message": "trailing",}',
    b"\x00",
    b'{"message": "raw control \x01 character"}',
    b"[" * 100_000,  # deeper than any parser recurses
]

NOT_UTF8 = [
    b'{"message": "\xff\xfe"}',
    b'{"message": "caf\xe9"}',  # Latin-1
    b'\xff{"message": "hi"}',
]

TWO_MIB = 2 * 1024 * 1024


def assert_error(
    answer: httpx2.Response, status: int | None = None, code: str | None = None
) -> None:
    """``answer`` is a 4xx whose body is exactly ``{"error": {"code": str, "message": str}}``."""
    request = answer.request
    where = f"{request.method} {request.url.path}: {answer.status_code} {answer.text[:300]}"
    assert 400 <= answer.status_code < 500, where
    if status is not None:
        assert answer.status_code == status, where
    assert answer.headers["content-type"] == "application/json", where
    body = answer.json()
    ErrorBody.model_validate(body, strict=True)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, where
    assert body["error"]["code"] and body["error"]["message"].strip(), where
    if code is not None:
        assert body["error"]["code"] == code, where


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, api_demo_db: Path) -> Iterator[TestClient]:
    """One app for the module's refusals: a refused request changes nothing, so they share.

    The export rate limit is moved out of the way: refused bodies count towards it too
    (the key and the limit are checked before the body), and this module sends many."""
    root = tmp_path_factory.mktemp("bodies")
    settings = make_settings(root, api_demo_db, exports_per_minute=100_000)
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.fixture(scope="module")
def caller(api: TestClient) -> User:
    return User("ana", key_for(api.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def openapi(api: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = api.get("/openapi.json").json()
    return document


@pytest.fixture(scope="module")
def body_routes(openapi: dict[str, Any]) -> list[Op]:
    return [
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]


def _send(
    client: TestClient, user: User, op: Op, content: bytes | Iterator[bytes], **headers: str
) -> httpx2.Response:
    method, path = op
    if "{schedule_id}" in path:  # a route on one schedule: on a real one of the caller's
        made = client.post("/api/schedules", json=SCHEDULE, headers=user.auth)
        path = path.replace("{schedule_id}", made.json()["id"])
    if "{conversation_id}" in path:  # likewise on one of the caller's conversations
        made = client.post("/api/chat", json={"message": "hello"}, headers=user.auth)
        path = path.replace("{conversation_id}", made.json()["conversation_id"])
    return client.request(
        method,
        path,
        content=content,
        headers={**user.auth, "Content-Type": "application/json", **headers},
    )


def test_every_body_route_is_covered(body_routes: list[Op]) -> None:
    assert sorted(body_routes) == sorted(VALID) == sorted(WITH_NUL) == sorted(WRONG_TYPES)


def test_the_valid_bodies_are_accepted(client: TestClient, ana: User) -> None:
    """The baseline: the bodies the refusals below start from work as they are."""
    for op, body in VALID.items():
        answer = _send(client, ana, op, json.dumps(body).encode())
        assert answer.status_code in (200, 201), f"{op}: {answer.text}"


def test_malformed_json_is_400(api: TestClient, caller: User, body_routes: list[Op]) -> None:
    for op in body_routes:
        for content in MALFORMED:
            assert_error(_send(api, caller, op, content), 400, "malformed_json")


def test_bytes_that_are_not_utf8_are_400(
    api: TestClient, caller: User, body_routes: list[Op]
) -> None:
    for op in body_routes:
        for content in NOT_UTF8:
            answer = _send(api, caller, op, content)
            assert_error(answer, 400, "malformed_json")
            assert "not UTF-8" in answer.json()["error"]["message"]


def test_encoded_surrogates_are_refused(api: TestClient, caller: User) -> None:
    """UTF-8-encoded surrogates (invalid UTF-8) and their JSON escapes: the JSON decoder
    lets them through as lone surrogates, which no text field accepts (422)."""
    for content in (b'{"message": "\xed\xa0\x80"}', b'{"message": "\\ud800"}'):
        answer = _send(api, caller, ("POST", "/api/chat"), content)
        assert_error(answer, 422, "invalid_request")


def test_nul_characters_are_422(api: TestClient, caller: User) -> None:
    for op, bodies in WITH_NUL.items():
        for body in bodies:
            content = json.dumps(body).encode()  # NUL as the JSON escape \u0000
            assert b"\\u0000" in content
            answer = _send(api, caller, op, content)
            assert_error(answer, 422, "invalid_request")
    # Nothing was stored along the way.
    assert api.get("/api/exports", headers=caller.auth).json()["total"] == 0
    assert api.get("/api/templates", headers=caller.auth).json() == []
    assert api.get("/api/preferences", headers=caller.auth).json()["timezone"] is None


def test_lone_surrogates_are_422_not_500(api: TestClient, caller: User) -> None:
    """A "\\ud800" escape has no UTF-8 form: refused up front wherever it hides, instead of
    failing (500) when a file, a JSON column or the answer is written."""
    for op, bodies in WITH_NUL.items():
        for body in bodies:
            content = json.dumps(body).replace("\\u0000", "\\ud800").encode()
            assert_error(_send(api, caller, op, content), 422, "invalid_request")
    assert api.get("/api/exports", headers=caller.auth).json()["total"] == 0
    assert api.get("/api/preferences", headers=caller.auth).status_code == 200


def test_a_raw_nul_byte_inside_a_string_is_malformed(api: TestClient, caller: User) -> None:
    answer = _send(api, caller, ("POST", "/api/chat"), b'{"message": "a\x00b"}')
    assert_error(answer, 400, "malformed_json")


def test_wrong_types_are_422(api: TestClient, caller: User) -> None:
    for op, bodies in WRONG_TYPES.items():
        for body in bodies:
            assert_error(_send(api, caller, op, json.dumps(body).encode()), 422, "invalid_request")


def test_a_body_that_is_not_an_object_is_422(
    api: TestClient, caller: User, body_routes: list[Op]
) -> None:
    for op in body_routes:
        for content in (b"[]", b"null", b'"text"', b"42", b""):
            assert_error(_send(api, caller, op, content), 422, "invalid_request")


def test_unknown_fields_are_422(api: TestClient, caller: User) -> None:
    for op, body in VALID.items():
        answer = _send(api, caller, op, json.dumps({**body, "surprise": 1}).encode())
        assert_error(answer, 422, "invalid_request")
        assert "surprise" in answer.json()["error"]["message"]


def _oversized(op: Op) -> bytes:
    """A valid-looking body of the route, padded past 2 MiB in a string field."""
    body = json.dumps(VALID[op])
    return (body[:-1] + ', "pad": "' + "a" * TWO_MIB + '"}').encode()


def test_a_2_mib_body_is_413_with_content_length(
    api: TestClient, caller: User, body_routes: list[Op]
) -> None:
    for op in body_routes:
        answer = _send(api, caller, op, _oversized(op))
        assert_error(answer, 413, "payload_too_large")
        assert "1 MiB" in answer.json()["error"]["message"]


def test_a_2_mib_body_is_413_when_chunked(
    api: TestClient, caller: User, body_routes: list[Op]
) -> None:
    for op in body_routes:
        content = _oversized(op)
        chunks = (content[at : at + 65536] for at in range(0, len(content), 65536))
        answer = _send(api, caller, op, chunks)
        assert "content-length" not in {k.lower() for k in answer.request.headers}
        assert answer.request.headers.get("transfer-encoding") == "chunked"
        assert_error(answer, 413, "payload_too_large")


def test_a_body_just_under_the_limit_is_read(api: TestClient, caller: User) -> None:
    """Just under 1 MiB is read and judged on what it says (an unknown field), not its size."""
    padding = "a" * (1024 * 1024 - 200)
    body = json.dumps({"message": "hi", "pad": padding}).encode()
    assert len(body) < 1024 * 1024
    answer = _send(api, caller, ("POST", "/api/chat"), body)
    assert_error(answer, 422, "invalid_request")  # the unknown field, not the size


# --- the OpenAPI document -----------------------------------------------------------------

ERROR_REF = "#/components/schemas/ErrorBody"


def _operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _error_schema(response: dict[str, Any]) -> Any:
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")


def test_every_operation_documents_its_errors_in_the_error_shape(openapi: dict[str, Any]) -> None:
    for method, path, operation in _operations(openapi):
        where = f"{method} {path}"
        errors = {status: r for status, r in operation["responses"].items() if status[0] in "45"}
        if (method, path) == ("GET", "/api/health"):
            assert set(errors) == {"503"}  # no input, no key: nothing a caller can get wrong
        else:
            assert any(status.startswith("4") for status in errors), f"{where}: no 4xx documented"
        for status, response in errors.items():
            assert _error_schema(response) == ERROR_REF, f"{where} {status}: not ErrorBody"
        if path.startswith("/api") and path != "/api/health":
            assert "401" in errors, f"{where}: 401 not documented"
        if "requestBody" in operation:
            for status in ("400", "413", "422"):
                assert status in errors, f"{where}: {status} not documented"
        if operation.get("parameters"):
            assert "422" in errors, f"{where}: a bad parameter answers 422"


def test_no_operation_documents_fastapis_own_error_shape(openapi: dict[str, Any]) -> None:
    """FastAPI's default 422 ({"detail": [...]}) is never what the API answers."""
    assert "HTTPValidationError" not in json.dumps(openapi)


def test_every_response_has_a_description(openapi: dict[str, Any]) -> None:
    for method, path, operation in _operations(openapi):
        assert operation.get("summary") or operation.get("description"), f"{method} {path}"
        for status, response in operation["responses"].items():
            assert response.get("description", "").strip(), f"{method} {path} {status}"


def test_the_error_schema_names_both_fields(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert schemas["ErrorBody"]["required"] == ["error"]
    detail = schemas["ErrorDetail"]
    assert sorted(detail["required"]) == ["code", "message"]
    assert all(detail["properties"][name]["type"] == "string" for name in ("code", "message"))


def _resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _self_explaining(openapi: dict[str, Any], prop: dict[str, Any]) -> bool:
    """Examples, an enum or a boolean say what to send; so do those behind ``anyOf``."""
    if prop.get("examples") or prop.get("example") is not None:
        return True
    variants = [_resolve(openapi, v) for v in prop.get("anyOf", [prop]) if v.get("type") != "null"]
    return bool(variants) and all(
        v.get("enum") or v.get("const") is not None or v.get("type") == "boolean" for v in variants
    )


def test_request_bodies_show_examples(openapi: dict[str, Any]) -> None:
    for method, path, operation in _operations(openapi):
        if "requestBody" not in operation:
            continue
        content = operation["requestBody"]["content"]["application/json"]
        schema = _resolve(openapi, content["schema"])
        if content.get("examples") or content.get("example") or schema.get("examples"):
            continue
        missing = [
            name
            for name, prop in schema["properties"].items()
            if not _self_explaining(openapi, prop)
        ]
        assert not missing, f"{method} {path}: no example for {missing}"


# --- limits through settings --------------------------------------------------------------


def test_batches_and_chat_exports_keep_to_max_rows(app_client: Callable[..., TestClient]) -> None:
    client = app_client(max_export_rows=50)
    ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
    ids = [
        client.post("/api/queries", json={"sql": sql}, headers=ana.auth).json()["id"]
        for sql in ("SELECT * FROM customers WHERE id <= 30", "SELECT * FROM products LIMIT 30")
    ]
    batch = client.post(
        "/api/exports/batch", json={"query_ids": ids, "format": "csv"}, headers=ana.auth
    )
    assert_error(batch, 400, "too_many_rows")  # 60 rows together
    chat = client.post("/api/chat", json={"message": "show customers"}, headers=ana.auth).json()
    reply = client.post(
        "/api/chat", headers=ana.auth,
        json={"message": "export this as csv", "conversation_id": chat["conversation_id"]},
    ).json()["reply"]  # fmt: skip
    assert reply["export"] is None and "at most 50" in reply["text"]


def test_an_export_over_max_rows_is_refused(app_client: Callable[..., TestClient]) -> None:
    client = app_client(max_export_rows=5)
    ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
    answer = client.post(
        "/api/exports", json={"sql": "SELECT * FROM customers", "format": "csv"}, headers=ana.auth
    )
    assert_error(answer, 400, "too_many_rows")
    assert "100" in answer.json()["error"]["message"] and "5" in answer.json()["error"]["message"]
    query = client.post("/api/queries", json={"sql": "SELECT * FROM customers"}, headers=ana.auth)
    by_id = client.post(
        "/api/exports", json={"query_id": query.json()["id"], "format": "xlsx"}, headers=ana.auth
    )
    assert_error(by_id, 400, "too_many_rows")
    small = client.post(
        "/api/exports",
        json={"sql": "SELECT * FROM customers WHERE id <= 5", "format": "csv"},
        headers=ana.auth,
    )
    assert small.status_code == 201, small.text
    assert client.get("/api/exports", headers=ana.auth).json()["total"] == 1


def test_exports_are_rate_limited_per_user(app_client: Callable[..., TestClient]) -> None:
    client = app_client(exports_per_minute=2)
    settings = client.app.state.parts.settings  # type: ignore[attr-defined]
    ana, bo = User("ana", key_for(settings, "ana")), User("bo", key_for(settings, "bo"))
    body = {"sql": "SELECT 1 AS one", "format": "csv"}
    for _ in range(2):
        assert client.post("/api/exports", json=body, headers=ana.auth).status_code == 201
    for path, payload in (
        ("/api/exports", body),
        ("/api/exports/batch", {"since": "2000-01-01T00:00:00Z", "format": "csv"}),
    ):
        answer = client.post(path, json=payload, headers=ana.auth)
        assert_error(answer, 429, "rate_limited")
        retry_after = answer.headers["retry-after"]
        assert retry_after.isdigit() and 1 <= int(retry_after) <= 60, retry_after
    assert client.get("/api/exports", headers=ana.auth).json()["total"] == 2
    assert client.post("/api/exports", json=body, headers=bo.auth).status_code == 201
