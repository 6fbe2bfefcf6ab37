"""Background exports over HTTP: progress as Server-Sent Events, cancel mid-export, the cap."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.jobs import InProcessRunner, JobEvent, JobEventKind
from assistant.process import Assistant
from assistant.settings import Settings
from assistant.store import Export, ExportStatus, create_store_engine, session_factory
from tests.api.conftest import User, key_for, make_settings

# 400 orders x about 1,000 order items: several batches, so the export has a middle.
MANY_ROWS = "SELECT o.id AS order_id, i.id AS item_id FROM orders o CROSS JOIN order_items i"


@pytest.fixture
def background(tmp_path: Path, api_demo_db: Path) -> Settings:
    """Every export goes to the background; one running per user."""
    return make_settings(
        tmp_path, api_demo_db, inline_export_rows=0, max_running_exports_per_user=1
    )


class Held:
    """A job runner whose exports stop at their first progress step until released."""

    def __init__(self, assistant: Assistant) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        router = assistant.events

        def on_event(event: JobEvent) -> None:
            router(event)
            if event.kind is JobEventKind.progress and not self.reached.is_set():
                self.reached.set()
                self.release.wait(30)

        assistant.runner.shutdown()
        assistant.runner = InProcessRunner(max_workers=3, per_owner=1, on_event=on_event)


@pytest.fixture
def held(background: Settings) -> Iterator[tuple[TestClient, Held]]:
    assistant = Assistant(background)
    hold = Held(assistant)
    try:
        with TestClient(create_app(background, assistant=assistant)) as client:
            yield client, hold
    finally:
        hold.release.set()
        assistant.close()


def test_events_follow_an_export_until_it_is_done(background: Settings) -> None:
    user = User("ana", key_for(background, "ana"))
    with TestClient(create_app(background)) as client:
        made = client.post(
            "/api/exports", headers=user.auth, json={"sql": MANY_ROWS, "format": "csv"}
        )
        assert made.status_code == 201, made.text
        assert made.json()["status"] in ("queued", "running", "done")
        export_id = made.json()["id"]
        seen = []
        with client.stream("GET", f"/api/exports/{export_id}/events", headers=user.auth) as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            for line in events.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line.removeprefix("data: ")))
    assert seen and seen[-1]["status"] == "done" and seen[-1]["download_url"]
    assert seen[-1]["rows_done"] == seen[-1]["rows_total"] > 100_000
    statuses = [event["status"] for event in seen]
    assert statuses == sorted(statuses, key=["queued", "running", "done"].index)


def test_cancel_mid_export_leaves_no_file(
    held: tuple[TestClient, Held], background: Settings
) -> None:
    client, hold = held
    user = User("ana", key_for(background, "ana"))
    made = client.post("/api/exports", headers=user.auth, json={"sql": MANY_ROWS, "format": "xlsx"})
    export_id = made.json()["id"]
    assert hold.reached.wait(30)  # half written
    running = client.get(f"/api/exports/{export_id}", headers=user.auth).json()
    assert running["status"] == "running" and 0 < running["rows_done"] < running["rows_total"]
    assert client.delete(f"/api/exports/{export_id}", headers=user.auth).status_code == 204
    hold.release.set()
    for _ in range(300):
        now = client.get(f"/api/exports/{export_id}", headers=user.auth).json()
        if now["status"] != "running":
            break
        threading.Event().wait(0.1)
    assert now["status"] == "cancelled" and now["download_url"] is None
    assert not (background.storage_dir / export_id).exists()
    assert client.get(f"/api/exports/{export_id}/download", headers=user.auth).status_code == 409


def test_exports_beyond_the_cap_wait_in_order(
    held: tuple[TestClient, Held], background: Settings
) -> None:
    client, hold = held
    user = User("ana", key_for(background, "ana"))
    first = client.post(
        "/api/exports", headers=user.auth, json={"sql": MANY_ROWS, "format": "csv"}
    ).json()
    assert hold.reached.wait(30)
    later = [
        client.post(
            "/api/exports",
            headers=user.auth,
            json={"sql": "SELECT * FROM products", "format": "csv"},
        ).json()
        for _ in range(3)
    ]
    assert [e["status"] for e in later] == ["queued"] * 3  # the cap is 1, and it is taken
    hold.release.set()
    for export in [first, *later]:
        for _ in range(300):
            now = client.get(f"/api/exports/{export['id']}", headers=user.auth).json()
            if now["status"] == "done":
                break
            threading.Event().wait(0.1)
        assert now["status"] == "done"
    finished = [client.get(f"/api/exports/{e['id']}", headers=user.auth).json() for e in later]
    ends = [e["finished_at"] for e in finished]
    assert ends == sorted(ends)


def _ended(client: TestClient, user: User, export_id: str) -> dict[str, object]:
    for _ in range(300):
        now: dict[str, object] = client.get(f"/api/exports/{export_id}", headers=user.auth).json()
        if now["status"] not in ("queued", "running"):
            return now
        threading.Event().wait(0.1)
    raise AssertionError(f"export {export_id} is still {now['status']}")


def test_a_delete_reaching_another_process_cancels_the_export(
    held: tuple[TestClient, Held], background: Settings
) -> None:
    """Several API processes without a broker (``serve --workers N``): each runs the exports
    it started. A DELETE that another process answers flags the export in the store, and
    the process running it stops it at its next step, leaving no file."""
    client, hold = held
    user = User("ana", key_for(background, "ana"))
    made = client.post("/api/exports", headers=user.auth, json={"sql": MANY_ROWS, "format": "csv"})
    export_id = made.json()["id"]
    assert hold.reached.wait(30)  # running in the first app's pool, half written
    with TestClient(create_app(background)) as other:  # a second process's app, same store
        assert other.delete(f"/api/exports/{export_id}", headers=user.auth).status_code == 204
        hold.release.set()
        ended = _ended(other, user, export_id)
    assert ended["status"] == "cancelled" and ended["download_url"] is None
    assert not (background.storage_dir / export_id).exists()


def test_a_delete_of_an_export_whose_process_died_cancels_it_at_once(
    background: Settings,
) -> None:
    user = User("ana", key_for(background, "ana"))
    with TestClient(create_app(background)) as client:
        made = client.post(
            "/api/exports", headers=user.auth, json={"sql": "SELECT 1", "format": "csv"}
        ).json()
        assert _ended(client, user, made["id"])["status"] == "done"  # this pool is done with it
        engine = create_store_engine(background.database_url)
        try:
            with session_factory(engine).begin() as session:  # as if a dead process ran it
                row = session.get(Export, made["id"])
                assert row is not None
                row.status = ExportStatus.RUNNING
                row.worker = f"{socket.gethostname()}:{2**22 + 1}"  # above any pid here
        finally:
            engine.dispose()
        assert client.delete(f"/api/exports/{made['id']}", headers=user.auth).status_code == 204
        now = client.get(f"/api/exports/{made['id']}", headers=user.auth).json()
    assert now["status"] == "cancelled"
