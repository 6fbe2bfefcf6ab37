"""The same end-to-end exports through the HTTP API with either job runner.

``in-process``: the API's own thread pool (no broker). ``celery``: the API hands every
export to two real ``python -m assistant worker`` processes through Redis. Both run on
a PostgreSQL store, and every background export must come out the same: the file, its
hash, cancellation mid-file leaving nothing, the per-user cap, retry under the same id.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.api import create_app
from assistant.store import Export, create_user_with_key
from tests.assistant.worker.conftest import Deployment, build_events

ROWS = 1_000_000
SMALL = 4_000  # still above the inline limit below: a background export
INLINE_ROWS = 100
_LIVE = ("queued", "running")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_events(tmp_path_factory.mktemp("source") / "events.db", ROWS)


@pytest.fixture(params=["in-process", "celery"])
def api(
    request: pytest.FixtureRequest, deploy: Callable[..., Deployment], source: Path
) -> Iterator[Api]:
    """The app (with its lifespan) over a fresh deployment, with the runner the param names."""
    celery = request.param == "celery"
    deployment = deploy(
        source,
        inline_export_rows=INLINE_ROWS,
        max_running_exports_per_user=2,
        exports_per_minute=100,
        lease_seconds=2.0,
        **({} if celery else {"broker_url": None}),
    )
    if celery:
        deployment.start_worker(concurrency=2)
        deployment.start_worker(concurrency=2)
    with TestClient(create_app(deployment.settings), base_url="http://127.0.0.1:8000") as client:
        yield Api(client, deployment)


class Api:
    def __init__(self, client: TestClient, deployment: Deployment) -> None:
        self.client = client
        self.deployment = deployment

    def user(self, name: str) -> dict[str, str]:
        with self.deployment.sessions.begin() as session:
            key = create_user_with_key(session, name)[1]
        return {"Authorization": f"Bearer {key}"}

    def create(self, auth: dict[str, str], sql: str, format: str = "csv") -> dict[str, Any]:
        answer = self.client.post("/api/exports", json={"sql": sql, "format": format},
                                  headers=auth)  # fmt: skip
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def get(self, auth: dict[str, str], export_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/exports/{export_id}", headers=auth)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def wait(
        self,
        auth: dict[str, str],
        export_id: str,
        until: Callable[[dict[str, Any]], bool] = lambda e: (
            e["status"] not in ("queued", "running")
        ),
        timeout: float = 120,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not until(export := self.get(auth, export_id)):
            assert time.monotonic() < deadline, export
            time.sleep(0.05)
        return export

    def download(self, auth: dict[str, str], export_id: str) -> bytes:
        answer = self.client.get(f"/api/exports/{export_id}/download", headers=auth)
        assert answer.status_code == 200, answer.text
        return answer.content


@pytest.fixture(scope="module")
def expected() -> dict[str, str]:
    """SHA-256 of each CSV, from the first runner that makes it (the other must agree)."""
    return {}


def test_a_background_export_is_made_and_downloads_the_same_with_either_runner(
    api: Api, expected: dict[str, str]
) -> None:
    ana = api.user("ana")
    sql = f"SELECT * FROM events WHERE id <= {SMALL} ORDER BY id"
    created = api.create(ana, sql)
    assert created["status"] in ("queued", "running")  # the in-process runner may start at once
    done = api.wait(ana, created["id"])
    assert done["status"] == "done" and done["rows_done"] == SMALL
    body = api.download(ana, created["id"])
    assert hashlib.sha256(body).hexdigest() == done["sha256"]
    assert body.count(b"\n") == SMALL + 1  # the header and every row
    assert expected.setdefault(sql, done["sha256"]) == done["sha256"]


def test_a_spreadsheet_from_the_background_opens_with_every_row(api: Api) -> None:
    ana = api.user("ana")
    created = api.create(ana, f"SELECT * FROM events WHERE id <= {SMALL}", "xlsx")
    done = api.wait(ana, created["id"])
    assert done["status"] == "done", done
    book = openpyxl.load_workbook(io.BytesIO(api.download(ana, created["id"])), read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("id", "name") and len(rows) == SMALL + 1
    assert rows[-1][1] == f"event {SMALL}"


def test_cancelling_mid_file_leaves_no_file_and_a_retry_makes_it_whole(
    api: Api, expected: dict[str, str]
) -> None:
    ana = api.user("ana")
    # Three million rows: long enough (seconds) that the cancel lands mid-file.
    sql = (
        "SELECT e.*, k.k FROM events e CROSS JOIN "
        "(SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) k ORDER BY e.id, k.k"
    )
    created = api.create(ana, sql)
    api.wait(ana, created["id"], lambda e: e["status"] == "running" and e["rows_done"] > 0)
    assert api.client.delete(f"/api/exports/{created['id']}", headers=ana).status_code == 204
    cancelled = api.wait(ana, created["id"])
    assert cancelled["status"] == "cancelled", cancelled
    assert 0 < cancelled["rows_done"] < 3 * ROWS
    folder = api.deployment.settings.storage_dir / created["id"]
    assert not folder.exists() or list(folder.rglob("*")) == []

    retried = api.client.post(f"/api/exports/{created['id']}/retry", headers=ana)
    assert retried.status_code == 200, retried.text
    done = api.wait(ana, created["id"])
    assert done["status"] == "done" and done["rows_done"] == 3 * ROWS
    body = api.download(ana, created["id"])
    assert hashlib.sha256(body).hexdigest() == done["sha256"]
    assert expected.setdefault(sql, done["sha256"]) == done["sha256"]


def test_each_user_runs_at_most_two_at_once_and_every_export_finishes(api: Api) -> None:
    users = {name: api.user(name) for name in ("ana", "bo")}
    created = {
        name: [api.create(auth, f"SELECT * FROM events WHERE id % 50 = {n}") for n in range(5)]
        for name, auth in users.items()
    }
    for name, exports in created.items():
        for n, export in enumerate(exports):
            done = api.wait(users[name], export["id"])
            assert done["status"] == "done" and done["rows_done"] == len(
                range(n or 50, ROWS + 1, 50)
            )
            body = api.download(users[name], export["id"])
            assert hashlib.sha256(body).hexdigest() == done["sha256"]
    with api.deployment.sessions() as session:
        rows = session.scalars(select(Export)).all()
        spans: dict[int, list[tuple[Any, Any]]] = {}
        for row in rows:
            spans.setdefault(row.owner_id, []).append((row.started_at, row.finished_at))
    assert len(spans) == 2
    for intervals in spans.values():
        assert _most_at_once(intervals) <= 2


def _most_at_once(intervals: list[tuple[Any, Any]]) -> int:
    """The most intervals that overlap at any instant (an end before a start at a tie)."""
    points = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    most = now = 0
    for _, step in points:
        now += step
        most = max(most, now)
    return most


def test_server_sent_events_follow_a_background_export_to_its_end(api: Api) -> None:
    ana = api.user("ana")
    created = api.create(ana, "SELECT * FROM events WHERE id % 4 = 0")
    seen = []
    url = f"/api/exports/{created['id']}/events"
    with api.client.stream("GET", url, headers=ana) as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line.removeprefix("data: ")))
    assert seen[0]["status"] in ("queued", "running")
    assert seen[-1]["status"] == "done" and seen[-1]["rows_done"] == ROWS // 4
    statuses = [event["status"] for event in seen]
    assert statuses == sorted(statuses, key=["queued", "running", "done"].index)
