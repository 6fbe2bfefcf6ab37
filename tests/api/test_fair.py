"""Fair share: one user saturating heavy work leaves others served, and is capped.

Ana's queries are held inside the data source (a gate the test opens at the end), so
"saturated" is a state, not a timing: while they hang, Bo's requests must complete, and
Ana's one too many must answer 429. No timing thresholds here; ``make bench`` times it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.source.datasource import DataSource, Preview
from tests.api.conftest import User, key_for

#: Generous bound on any one wait: a hang fails the test instead of blocking the run.
WAIT = 30.0


class Gate:
    """Holds every preview whose SQL contains ``marker`` until :meth:`open`."""

    def __init__(self, source: DataSource, marker: str) -> None:
        self.marker = marker
        self.held = threading.Semaphore(0)
        self._open = threading.Event()
        self._preview = source.preview

    def __call__(self, sql: str) -> Preview:
        if self.marker in sql:
            self.held.release()
            self._open.wait(WAIT)
        return self._preview(sql)

    def wait_held(self, count: int) -> None:
        for _ in range(count):
            assert self.held.acquire(timeout=WAIT), "a held query never reached the source"

    def open(self) -> None:
        self._open.set()


@pytest.fixture
def gated(app_client: Callable[..., TestClient]) -> Iterator[tuple[TestClient, Gate]]:
    client = app_client(max_queries_per_user=2, heavy_threads=3)
    source = client.app.state.parts.assistant.source  # type: ignore[attr-defined]
    gate = Gate(source, "/* hold */")
    source.preview = gate  # the app's own source object, for this app only
    try:
        yield client, gate
    finally:
        gate.open()


def _key(client: TestClient, name: str) -> User:
    return User(name, key_for(client.app.state.parts.settings, name))  # type: ignore[attr-defined]


def test_a_user_at_their_cap_gets_429_and_others_are_served(
    gated: tuple[TestClient, Gate],
) -> None:
    client, gate = gated
    ana, bo = _key(client, "ana"), _key(client, "bo")
    slow = {"sql": "SELECT count(*) AS n FROM orders /* hold */"}
    with ThreadPoolExecutor(4) as pool:
        held: list[Future[Any]] = [
            pool.submit(client.post, "/api/queries", json=slow, headers=ana.auth) for _ in range(2)
        ]
        gate.wait_held(2)  # Ana's two queries are running, and stay so

        over = client.post("/api/queries", json=slow, headers=ana.auth)
        assert over.status_code == 429
        assert over.json()["error"]["message"] == (
            "You have 2 queries running; wait for one to finish."
        )
        assert int(over.headers["retry-after"]) >= 1
        export = {"sql": "SELECT 1 AS x", "format": "csv"}  # exports have their own limits
        assert client.post("/api/exports", json=export, headers=ana.auth).status_code == 201

        assert client.get("/api/preferences", headers=bo.auth).status_code == 200
        small = client.post("/api/queries", json={"sql": "SELECT 1 AS one"}, headers=bo.auth)
        assert small.status_code == 201 and small.json()["rows"] == [[1]]
        assert client.get("/api/health").status_code == 200
        assert all(not future.done() for future in held)  # Ana's are still held

        gate.open()
        assert [future.result(WAIT).status_code for future in held] == [201, 201]
    again = client.post("/api/queries", json=slow, headers=ana.auth)  # a slot is free again
    assert again.status_code == 201


def test_light_routes_are_served_while_the_heavy_pool_is_full(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client(max_queries_per_user=3, heavy_threads=3)
    source = client.app.state.parts.assistant.source  # type: ignore[attr-defined]
    gate = Gate(source, "/* hold */")
    source.preview = gate
    ana, bo = _key(client, "ana"), _key(client, "bo")
    try:
        with ThreadPoolExecutor(4) as pool:
            held = [
                pool.submit(
                    client.post,
                    "/api/chat",
                    json={"message": "SELECT count(*) AS n FROM orders /* hold */"},
                    headers=ana.auth,
                )
                for _ in range(3)
            ]
            gate.wait_held(3)  # every heavy thread is Ana's now
            for _ in range(5):
                assert client.get("/api/preferences", headers=bo.auth).status_code == 200
                assert client.get("/api/exports", headers=bo.auth).status_code == 200
            assert all(not future.done() for future in held)
            gate.open()
            assert [future.result(WAIT).status_code for future in held] == [200, 200, 200]
    finally:
        gate.open()
