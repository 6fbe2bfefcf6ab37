"""/api/conversations over the real app: listed, renamed, deleted; exports outlive them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import User


def _chat(client: TestClient, user: User, message: str, conversation: str | None = None) -> Any:
    body = {"message": message} | ({"conversation_id": conversation} if conversation else {})
    answer = client.post("/api/chat", json=body, headers=user.auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _listed(client: TestClient, user: User, **params: int) -> list[tuple[str, str]]:
    answer = client.get("/api/conversations", params=params, headers=user.auth)
    assert answer.status_code == 200, answer.text
    return [(c["id"], c["title"]) for c in answer.json()]


def test_list_newest_first_titled_by_the_first_message(client: TestClient, ana: User) -> None:
    first = _chat(client, ana, "show products")["conversation_id"]
    long = "show customers " + "and more " * 10
    second = _chat(client, ana, long)["conversation_id"]
    assert _listed(client, ana) == [(second, long[:59] + "…"), (first, "show products")]
    assert _listed(client, ana, limit=1, offset=1) == [(first, "show products")]
    assert client.get("/api/conversations").status_code == 401
    assert client.get("/api/conversations?limit=0", headers=ana.auth).status_code == 422


def test_rename_then_listed_by_the_new_title(client: TestClient, ana: User) -> None:
    made = _chat(client, ana, "show products")["conversation_id"]
    renamed = client.patch(
        f"/api/conversations/{made}", json={"title": "  Products  "}, headers=ana.auth
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Products" and renamed.json()["id"] == made
    assert _listed(client, ana) == [(made, "Products")]


#: Bad titles as JSON text: the last is an escaped lone surrogate (no UTF-8 form).
_BAD = ['""', '"  "', json.dumps("x" * 201), '"a\\nb"', '"\\ud800"']


@pytest.mark.parametrize("title", _BAD)
def test_a_bad_title_is_refused_and_nothing_changes(
    client: TestClient, ana: User, title: str
) -> None:
    made = _chat(client, ana, "show products")["conversation_id"]
    answer = client.patch(
        f"/api/conversations/{made}",
        content=f'{{"title": {title}}}',
        headers=ana.auth | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_request" and error["message"].startswith("title: ")
    assert "1 to 200 characters on one line" in error["message"]
    assert _listed(client, ana) == [(made, "show products")]


def test_another_users_conversation_answers_404_like_a_missing_one(
    client: TestClient, ana: User, bo: User
) -> None:
    made = _chat(client, ana, "show products")["conversation_id"]
    for target in (made, "missing"):
        for method, body in (("PATCH", {"title": "Mine"}), ("DELETE", None)):
            answer = client.request(
                method, f"/api/conversations/{target}", json=body, headers=bo.auth
            )
            assert answer.status_code == 404, answer.text
            assert answer.json()["error"]["code"] == "not_found"
    assert _listed(client, bo) == []
    assert _listed(client, ana) == [(made, "show products")]


def test_delete_keeps_its_exports_downloadable(client: TestClient, ana: User) -> None:
    made = _chat(client, ana, "show customers")["conversation_id"]
    export = _chat(client, ana, "export this as csv", made)["reply"]["export"]
    kept = _chat(client, ana, "show products")["conversation_id"]
    answer = client.delete(f"/api/conversations/{made}", headers=ana.auth)
    assert answer.status_code == 204 and not answer.content
    assert _listed(client, ana) == [(kept, "show products")]
    again = client.post(
        "/api/chat", json={"message": "show orders", "conversation_id": made}, headers=ana.auth
    )
    assert again.status_code == 404  # gone: no more turns in it
    history = client.get("/api/exports", headers=ana.auth).json()
    assert [item["id"] for item in history["items"]] == [export["id"]]
    for url in (f"/api/exports/{export['id']}/download", export["download_url"]):
        data = client.get(url, headers=ana.auth).content
        assert hashlib.sha256(data).hexdigest() == export["sha256"]
        assert len(list(csv.reader(io.StringIO(data.decode())))) == 101
    assert client.delete(f"/api/conversations/{made}", headers=ana.auth).status_code == 404
