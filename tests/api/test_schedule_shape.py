"""``POST /api/schedules`` takes what ``POST /api/exports`` takes (``sql``, ``format``,
``options``) as well as the stored ``request`` it always took; both mean the same."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import User

SQL = "SELECT id, name, email FROM customers"
WHEN = {"cron": "0 9 * * 1", "timezone": "Europe/Berlin"}
TO = {"destination": {"kind": "email", "to": "ana@example.com"}}


def _made(client: TestClient, user: User, body: dict[str, Any]) -> dict[str, Any]:
    made = client.post("/api/schedules", json=WHEN | TO | body, headers=user.auth)
    assert made.status_code == 201, made.text
    info: dict[str, Any] = made.json()
    return info


def test_the_export_shape_and_the_request_shape_mean_the_same(
    client: TestClient, ana: User
) -> None:
    options = {"columns": ["name", "email"], "bom": True}
    new = _made(client, ana, {"sql": SQL, "format": "csv", "options": options})
    old = _made(
        client,
        ana,
        {
            "request": {
                "intent": "export", "format": "csv", "target": "query", "query": SQL,
                "options": options,
            }
        },
    )  # fmt: skip
    assert new["request"] == old["request"]
    assert new["name"] == old["name"]
    assert new["request"]["query"] == SQL and new["request"]["options"] == options


def test_options_may_be_left_out(client: TestClient, ana: User) -> None:
    made = _made(client, ana, {"sql": SQL, "format": "xlsx"})
    assert made["request"]["format"] == "xlsx" and made["request"]["options"] == {}


def test_both_shapes_at_once_or_a_query_id_are_refused(client: TestClient, ana: User) -> None:
    request = {"intent": "export", "format": "csv", "target": "query", "query": SQL}
    for body, words in (
        ({"sql": SQL, "format": "csv", "request": request}, "not both"),
        ({"query_id": "Qh1Yl2vV9dTnq0cY5xk3Jw", "format": "csv"}, "give its sql"),
        ({"query_id": "Qh1Yl2vV9dTnq0cY5xk3Jw"}, "give its sql"),
        ({"format": "csv"}, "needs a query and a format"),
    ):
        answer = client.post("/api/schedules", json=WHEN | TO | body, headers=ana.auth)
        assert answer.status_code == 422, body
        assert words in answer.json()["error"]["message"], answer.json()


def test_the_openapi_document_shows_both_shapes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ScheduleCreate"]
    assert {"sql", "format", "options", "request"} <= set(schema["properties"])
    assert "request" not in schema["required"]
