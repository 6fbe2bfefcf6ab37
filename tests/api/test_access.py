"""Who may do what: another user's ids answer exactly like missing ones; bad keys answer 401.

The access matrix runs every id-taking route as ``bo`` with ``ana``'s ids and compares
the answer, byte for byte, with the answer for a made-up id of the same shape; the auth
matrix walks every route the app has, so a route added later is covered without edits.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from assistant.settings import Settings
from assistant.store import (
    Export,
    ExportStatus,
    KeyCache,
    create_store_engine,
    new_id,
    revoke_key,
    session_factory,
)
from tests.api.conftest import User, key_for

Request = Callable[[str], httpx2.Response]
"""Sends one request naming an id (as ``bo``)."""


@dataclass(frozen=True)
class Owned:
    """One of everything, made by ana."""

    query: str
    export: str
    batch: str
    template: int
    conversation: str


def _made_by(client: TestClient, ana: User) -> Owned:
    query = client.post("/api/queries", json={"sql": "SELECT * FROM customers"}, headers=ana.auth)
    assert query.status_code == 201, query.text
    export = client.post(
        "/api/exports", json={"query_id": query.json()["id"], "format": "csv"}, headers=ana.auth
    )
    assert export.status_code == 201 and export.json()["status"] == "done", export.text
    batch = client.post(
        "/api/exports/batch",
        json={"query_ids": [query.json()["id"]], "format": "json"},
        headers=ana.auth,
    )
    assert batch.status_code == 201 and batch.json()["status"] == "done", batch.text
    template = client.put(
        "/api/templates",
        json={"name": "mine", "shared": False,
              "request": {"intent": "export", "format": "csv", "target": "query",
                          "query": "show orders"}},
        headers=ana.auth,
    )  # fmt: skip
    assert template.status_code == 200, template.text
    chat = client.post("/api/chat", json={"message": "show customers"}, headers=ana.auth)
    assert chat.status_code == 200, chat.text
    return Owned(
        query=query.json()["id"],
        export=export.json()["id"],
        batch=batch.json()["id"],
        template=template.json()["id"],
        conversation=chat.json()["conversation_id"],
    )


def _probes(client: TestClient, bo: User) -> list[tuple[str, Request]]:
    """Every request naming an export id in its path, as bo."""

    def route(method: str, path: str) -> Request:
        return lambda id_: client.request(method, path.format(id=id_), headers=bo.auth)

    return [
        ("GET export", route("GET", "/api/exports/{id}")),
        ("download", route("GET", "/api/exports/{id}/download")),
        ("events", route("GET", "/api/exports/{id}/events")),
        ("retry", route("POST", "/api/exports/{id}/retry")),
        ("DELETE export", route("DELETE", "/api/exports/{id}")),  # last: it would delete
    ]


def _export_by_query(client: TestClient, bo: User) -> Request:
    return lambda id_: client.post(
        "/api/exports", json={"query_id": id_, "format": "csv"}, headers=bo.auth
    )


def _batch_by_query(client: TestClient, bo: User) -> Request:
    return lambda id_: client.post(
        "/api/exports/batch", json={"query_ids": [id_], "format": "csv"}, headers=bo.auth
    )


def _chat_in(client: TestClient, bo: User) -> Request:
    return lambda id_: client.post(
        "/api/chat", json={"message": "show customers", "conversation_id": id_}, headers=bo.auth
    )


def _same_as_missing(send: Request, theirs: str, made_up: str) -> None:
    """``send(theirs)`` is a 404 indistinguishable from ``send(made_up)`` but for the id."""
    assert len(theirs) == len(made_up) and theirs != made_up
    answer, missing = send(theirs), send(made_up)
    assert answer.status_code == missing.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "not_found"
    assert answer.content.replace(theirs.encode(), b"<id>") == missing.content.replace(
        made_up.encode(), b"<id>"
    )
    # Every header, in order, including Content-Length (the ids have the same length).
    assert answer.headers.multi_items() == missing.headers.multi_items()


def _same_length_int(taken: int) -> int:
    other = int("9" * len(str(taken)))
    return other if other != taken else other - 1


def test_another_users_ids_answer_like_missing_ones(
    client: TestClient, ana: User, bo: User, settings: Settings
) -> None:
    owned = _made_by(client, ana)
    before = {
        export_id: client.get(f"/api/exports/{export_id}", headers=ana.auth).json()
        for export_id in (owned.export, owned.batch)
    }
    for export_id in (owned.export, owned.batch):
        for name, send in _probes(client, bo):
            try:
                _same_as_missing(send, export_id, new_id())
            except AssertionError as exc:
                raise AssertionError(f"{name} of ana's export: {exc}") from exc
    _same_as_missing(_export_by_query(client, bo), owned.query, new_id())
    _same_as_missing(_batch_by_query(client, bo), owned.query, new_id())
    _same_as_missing(_chat_in(client, bo), owned.conversation, new_id())

    def delete_template(id_: str) -> httpx2.Response:
        return client.delete(f"/api/templates/{id_}", headers=bo.auth)

    _same_as_missing(delete_template, str(owned.template), str(_same_length_int(owned.template)))

    # Nothing of ana's changed, and bo has nothing.
    for export_id, seen in before.items():
        now = client.get(f"/api/exports/{export_id}", headers=ana.auth).json()
        link = seen.pop("download_url")  # signed anew on every read: its time differs
        assert now.pop("download_url") and now == seen
        assert client.get(link).status_code == 200
        path = settings.storage_dir / export_id / seen["file_name"]
        assert path.is_file() and path.stat().st_size == seen["bytes"]
        assert client.get(f"/api/exports/{export_id}/download", headers=ana.auth).status_code == 200
    assert [t["id"] for t in client.get("/api/templates", headers=ana.auth).json()] == [
        owned.template
    ]
    again = client.post(
        "/api/chat",
        json={"message": "how many customers", "conversation_id": owned.conversation},
        headers=ana.auth,
    )
    assert again.status_code == 200 and again.json()["conversation_id"] == owned.conversation
    mine = client.post(
        "/api/exports", json={"query_id": owned.query, "format": "json"}, headers=ana.auth
    )
    assert mine.status_code == 201, mine.text
    assert client.get("/api/exports", headers=bo.auth).json()["total"] == 0
    assert client.get("/api/templates", headers=bo.auth).json() == []


def test_a_running_export_of_another_user_is_not_cancelled(
    client: TestClient, ana: User, bo: User, store: sessionmaker[Session]
) -> None:
    """The 404 comes before any state check: a live export is not revealed by a 409."""
    made = client.post(
        "/api/exports", json={"sql": "SELECT id FROM products", "format": "csv"}, headers=ana.auth
    ).json()
    with store.begin() as session:
        row = session.get(Export, made["id"])
        assert row is not None
        row.status = ExportStatus.RUNNING
    for name, send in _probes(client, bo):
        try:
            _same_as_missing(send, made["id"], new_id())
        except AssertionError as exc:
            raise AssertionError(f"{name} of ana's running export: {exc}") from exc
    assert client.get(f"/api/exports/{made['id']}", headers=ana.auth).json()["status"] == "running"


# --- authentication ----------------------------------------------------------------------

_OPEN = {("GET", "/api/health")}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    url: str  # the path with a made-up value of the right type in every parameter
    has_body: bool


def _operations(client: TestClient) -> list[Operation]:
    """Every operation under /api but health, from the OpenAPI document."""
    found = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        if not path.startswith("/api"):
            continue
        for method, operation in item.items():
            if (method.upper(), path) in _OPEN:
                continue
            values = {
                param["name"]: "7" if param["schema"].get("type") == "integer" else new_id()
                for param in operation.get("parameters", ())
                if param["in"] == "path"
            }
            url = path.format(**values)
            found.append(Operation(method.upper(), path, url, "requestBody" in operation))
    return found


def _served(client: TestClient) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves under /api, documented or not."""
    routes: Iterable[Any] = client.app.routes  # type: ignore[attr-defined]
    # FastAPI >= 0.16x keeps included routers unflattened; iter_route_contexts walks them.
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    if walk is not None:
        routes = walk(routes)
    return {
        (method, route.path)
        for route in routes
        if isinstance(getattr(route, "path", None), str) and route.path.startswith("/api")
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"
    }


def test_the_operations_walked_are_every_route_served(client: TestClient) -> None:
    walked = {(operation.method, operation.path) for operation in _operations(client)}
    assert walked == _served(client) - _OPEN  # no route is hidden from the document
    assert len(walked) >= 14  # the contract's routes at least; nothing silently dropped


def _revoke(store: sessionmaker[Session], key: str) -> None:
    prefix = re.match(r"ak_[0-9a-f]{12}", key)  # the key's public prefix
    assert prefix is not None, "the key format changed; update the test"
    with store.begin() as session:
        assert revoke_key(session, prefix.group())


def _revoked_key(settings: Settings, store: sessionmaker[Session]) -> str:
    key = key_for(settings, "carla")
    _revoke(store, key)
    return key


def _bad_credentials(settings: Settings, store: sessionmaker[Session]) -> dict[str, dict[str, str]]:
    return {
        "no header": {},
        "garbage": {"Authorization": "Bearer not-a-key"},
        "empty bearer": {"Authorization": "Bearer "},
        "wrong scheme": {"Authorization": "Basic YW5hOnNlY3JldA=="},
        "revoked": {"Authorization": f"Bearer {_revoked_key(settings, store)}"},
        "over-long": {"Authorization": "Bearer ak_" + "x" * 10_240},
    }


def test_every_api_route_needs_a_valid_key(
    client: TestClient, settings: Settings, store: sessionmaker[Session]
) -> None:
    credentials = _bad_credentials(settings, store)
    for operation in _operations(client):
        bodies: dict[str, bytes] = {}
        for name, headers in credentials.items():
            sent: dict[str, object] | None = {} if operation.has_body else None  # key first
            answer = client.request(operation.method, operation.url, headers=headers, json=sent)
            where = f"{operation.method} {operation.path} with {name}"
            assert answer.status_code == 401, f"{where}: {answer.status_code} {answer.text}"
            assert answer.headers.get("www-authenticate") == "Bearer", where
            error = answer.json()
            assert set(error) == {"error"} and error["error"]["code"] == "unauthorized", where
            assert isinstance(error["error"]["message"], str) and error["error"]["message"]
            bodies[name] = answer.content
        # An unknown, a revoked and an over-long key are not told apart.
        assert bodies["garbage"] == bodies["revoked"] == bodies["over-long"], operation.path


def test_the_scheme_is_case_insensitive_but_the_key_is_not(client: TestClient, ana: User) -> None:
    """The scheme is case-insensitive (RFC 9110 §11.1); the key itself is not."""
    assert (
        client.get("/api/exports", headers={"Authorization": f"bearer {ana.key}"}).status_code
        == 200
    )
    swapped = ana.key[:-1] + ("A" if ana.key[-1] != "A" else "B")
    answer = client.get("/api/exports", headers={"Authorization": f"Bearer {swapped}"})
    assert answer.status_code == 401


def _refused_everywhere(client: TestClient, user: User, export_id: str) -> None:
    for path in ("/api/preferences", "/api/exports", f"/api/exports/{export_id}"):
        answer = client.get(path, headers=user.auth)
        assert answer.status_code == 401, f"{path}: {answer.status_code}"
        assert answer.json()["error"]["code"] == "unauthorized", path


def test_a_revoked_key_is_locked_out_once_the_key_cache_lets_it_go(
    client: TestClient, ana: User, store: sessionmaker[Session]
) -> None:
    """An API process trusts a key it verified for ASSISTANT_KEY_CACHE_SECONDS (the
    revocation happens in another process, the CLI); after that, it is refused on every
    route, the polled status included."""
    now = [1000.0]
    parts = client.app.state.parts  # type: ignore[attr-defined]
    ttl = parts.settings.key_cache_seconds
    assert 0 < ttl <= 10  # "within seconds", as the settings promise
    cache = KeyCache(ttl, clock=lambda: now[0])
    client.app.state.parts = dataclasses.replace(parts, keys=cache)  # type: ignore[attr-defined]
    made = client.post("/api/exports", json={"sql": "SELECT 1", "format": "csv"}, headers=ana.auth)
    assert client.get(f"/api/exports/{made.json()['id']}", headers=ana.auth).status_code == 200
    _revoke(store, ana.key)
    now[0] += ttl
    _refused_everywhere(client, ana, made.json()["id"])


def test_without_the_key_cache_a_revoked_key_is_locked_out_at_once(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client(key_cache_seconds=0)
    settings = client.app.state.parts.settings  # type: ignore[attr-defined]
    ana = User("ana", key_for(settings, "ana"))
    made = client.post("/api/exports", json={"sql": "SELECT 1", "format": "csv"}, headers=ana.auth)
    assert client.get("/api/preferences", headers=ana.auth).status_code == 200
    engine = create_store_engine(settings.database_url)
    try:
        _revoke(session_factory(engine), ana.key)
    finally:
        engine.dispose()
    _refused_everywhere(client, ana, made.json()["id"])


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_documentation_is_public(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200
