"""A 422 lists every problem of the body, each with its field path and message."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import User


def test_every_problem_is_listed_with_its_field(client: TestClient, ana: User) -> None:
    answer = client.post(
        "/api/exports",
        headers=ana.auth,
        json={"sql": 5, "format": "docx", "options": [], "colour": "red"},
    )
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == "invalid_request"
    message = body["error"]["message"]
    assert message.startswith("4 problems: ")
    for field in ("sql: ", "format: ", "options: ", "colour: "):
        assert field in message
    assert "more)" not in message
    assert "'csv'" in message  # the accepted formats are named


def test_one_problem_reads_as_one_sentence(client: TestClient, ana: User) -> None:
    answer = client.post("/api/exports", headers=ana.auth, json={"sql": "SELECT 1"})
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == "format: Field required."


def test_nested_fields_name_their_path(client: TestClient, ana: User) -> None:
    answer = client.post(
        "/api/schedules",
        headers=ana.auth,
        json={
            "cron": "0 9 * * 1",
            "request": {"intent": "export", "format": "csv", "query": "SELECT 1", "limit": -1},
            "destination": {"kind": "email", "to": "ana@example.com"},
        },
    )
    assert answer.status_code == 422
    assert "request.limit: " in answer.json()["error"]["message"]
