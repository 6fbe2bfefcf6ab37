"""What the frequent requests cost the store, counted statement by statement (never timed):
a status poll is one read, a history page two, the caller's key is looked up once per
``ASSISTANT_KEY_CACHE_SECONDS``, and an export of new SQL reads its rows once, leaving a
large result's count to the background job."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from assistant.api import create_app
from assistant.process import Assistant
from assistant.settings import Settings
from assistant.source.datasource import Counted, DataSource
from assistant.store import (
    Export,
    ExportStatus,
    KeyCache,
    create_store_engine,
    process_identity,
    session_factory,
)
from tests.api.conftest import User, key_for

NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@contextlib.contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL ``engine`` runs inside the block, each statement once."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _quiet(app_client: Callable[..., TestClient], **overrides: object) -> tuple[TestClient, User]:
    """An app whose store sees nothing but the requests (no scheduler), and a user."""
    client = app_client(scheduler=False, **overrides)
    settings = client.app.state.parts.settings  # type: ignore[attr-defined]
    return client, User("ana", key_for(settings, "ana"))


def _engine(client: TestClient) -> Engine:
    engine: Engine = client.app.state.parts.assistant.store_engine  # type: ignore[attr-defined]
    return engine


def _ended(client: TestClient, user: User, export_id: str) -> dict[str, Any]:
    for _ in range(300):
        now: dict[str, Any] = client.get(f"/api/exports/{export_id}", headers=user.auth).json()
        if now["status"] not in ("queued", "running"):
            return now
        threading.Event().wait(0.1)
    raise AssertionError(f"export {export_id} is still {now['status']}")


def test_a_status_poll_is_one_read_of_the_export(app_client: Callable[..., TestClient]) -> None:
    client, ana = _quiet(app_client, key_cache_seconds=3600)
    made = client.post("/api/exports", json={"sql": "SELECT 1", "format": "csv"}, headers=ana.auth)
    path = f"/api/exports/{made.json()['id']}"
    assert client.get(path, headers=ana.auth).status_code == 200  # the key is verified now
    loop_reads = client.app.state.parts.loop_reads  # type: ignore[attr-defined]
    threads: list[int] = []
    event.listen(loop_reads, "before_cursor_execute", lambda *_: threads.append(_thread()))
    with _statements(_engine(client)) as hopped, _statements(loop_reads) as seen:
        for _ in range(5):
            answer = client.get(path, headers=ana.auth)
            assert answer.status_code == 200 and answer.json()["download_url"]
    assert len(seen) == 5 and not hopped, (seen, hopped)
    assert set(threads) == {_loop_thread(client)}  # read on the event loop: no thread hop
    assert all(s.startswith("SELECT exports.id, exports.format, exports.status") for s in seen)
    assert not any(word in s for s in seen for word in ("api_keys", "users", "preferences"))


def _thread() -> int:
    return threading.get_ident()


def _loop_thread(client: TestClient) -> int:
    """The thread of the event loop serving ``client``'s requests."""

    async def ident() -> int:
        return _thread()

    portal = client.portal
    assert portal is not None
    return portal.call(ident)


def test_a_status_poll_waits_for_a_locked_store_on_a_thread(
    app_client: Callable[..., TestClient],
) -> None:
    """A read that meets a lock on the event loop gives up (after 50 ms) and waits on a
    thread instead, so the loop serves everyone else meanwhile; the answer is the same.
    (WAL readers are locked out only while a crashed writer's log is recovered: here the
    loop's connection is refused as SQLite refuses it then.)"""
    client, ana = _quiet(app_client, key_cache_seconds=3600)
    made = client.post("/api/exports", json={"sql": "SELECT 1", "format": "csv"}, headers=ana.auth)
    path = f"/api/exports/{made.json()['id']}"
    expected = client.get(path, headers=ana.auth).json()

    def locked() -> sqlite3.Connection:
        raise sqlite3.OperationalError("database is locked")

    parts = client.app.state.parts  # type: ignore[attr-defined]
    refused = create_engine("sqlite://", creator=locked, poolclass=StaticPool)
    client.app.state.parts = dataclasses.replace(parts, loop_reads=refused)  # type: ignore[attr-defined]
    with _statements(_engine(client)) as hopped:
        answer = client.get(path, headers=ana.auth)
    assert answer.status_code == 200 and answer.json() == expected
    assert len(hopped) == 1, hopped  # read on a thread, with the store's own pool


def test_a_history_page_is_two_reads(app_client: Callable[..., TestClient]) -> None:
    client, ana = _quiet(app_client, key_cache_seconds=3600)
    for n in range(3):
        client.post("/api/exports", json={"sql": f"SELECT {n}", "format": "csv"}, headers=ana.auth)
    assert client.get("/api/exports", headers=ana.auth).json()["total"] == 3
    with _statements(_engine(client)) as seen:
        page = client.get("/api/exports?per_page=2", headers=ana.auth).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert len(seen) == 2 and all(s.startswith("SELECT") for s in seen), seen


def test_the_key_is_looked_up_once_per_key_cache_time(
    app_client: Callable[..., TestClient],
) -> None:
    client, ana = _quiet(app_client)
    now = [0.0]
    parts = client.app.state.parts  # type: ignore[attr-defined]
    ttl = parts.settings.key_cache_seconds
    client.app.state.parts = dataclasses.replace(  # type: ignore[attr-defined]
        parts, keys=KeyCache(ttl, clock=lambda: now[0])
    )
    with _statements(_engine(client)) as seen:
        for moment in (0.0, 1.0, ttl - 0.1, ttl, ttl + 1.0):
            now[0] = moment
            assert client.get("/api/exports", headers=ana.auth).status_code == 200
    lookups = [s for s in seen if "FROM api_keys" in s]
    assert len(lookups) == 2, lookups  # at 0 and once the first was no longer trusted
    other = User("bo", key_for(parts.settings, "bo"))  # a key made now works at once
    assert client.get("/api/exports", headers=other.auth).status_code == 200


def test_a_running_export_says_how_long_it_has_left(app_client: Callable[..., TestClient]) -> None:
    """The status view's ETA, from the row alone: the rate so far over what is left."""
    client, ana = _quiet(app_client)
    settings = client.app.state.parts.settings  # type: ignore[attr-defined]
    made = client.post("/api/exports", json={"sql": "SELECT 1", "format": "csv"}, headers=ana.auth)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            row = session.get(Export, made.json()["id"])
            assert row is not None
            row.status, row.rows_done, row.rows_total = ExportStatus.RUNNING, 100, 400
            row.started_at, row.sha256 = NOW - dt.timedelta(seconds=10), None
            row.worker = process_identity()  # alive: the next app's start-up spares it
    finally:
        engine.dispose()
    pinned = Assistant(settings, clock=lambda: NOW)
    try:
        with TestClient(create_app(settings, assistant=pinned)) as pinned_client:
            path = f"/api/exports/{made.json()['id']}"
            running = pinned_client.get(path, headers=ana.auth).json()
            listed = pinned_client.get("/api/exports", headers=ana.auth).json()["items"][0]
    finally:
        pinned.close()
    assert running["status"] == "running" and running["eta_seconds"] == 30.0  # 300 rows at 10/s
    assert running["download_url"] is None and listed == running


def test_new_sql_is_read_once_and_never_previewed(
    app_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small export of new SQL: its rows counted (bounded), then read and typed once by
    the export itself; no preview of first rows."""
    client, ana = _quiet(app_client)
    opened: list[str] = []
    real_open = DataSource.open

    def no_preview(self: DataSource, sql: str) -> None:
        raise AssertionError("an export of new SQL previewed it")

    def open_once(self: DataSource, sql: str, **kwargs: Any) -> Any:
        opened.append(sql)
        return real_open(self, sql, **kwargs)

    monkeypatch.setattr(DataSource, "preview", no_preview)
    monkeypatch.setattr(DataSource, "open", open_once)
    sql = "SELECT * FROM customers WHERE id <= 30"
    made = client.post("/api/exports", json={"sql": sql, "format": "csv"}, headers=ana.auth).json()
    assert made["status"] == "done" and made["rows_done"] == made["rows_total"] == 30
    assert opened == [sql]


def test_a_small_export_of_new_sql_costs_the_store_ten_statements(
    app_client: Callable[..., TestClient],
) -> None:
    """Recorded in three short transactions (the run, the export, its end: each with its
    audit entry); the question is not read back from the run the request just made."""
    client, ana = _quiet(app_client, key_cache_seconds=3600)
    client.post("/api/exports", json={"sql": "SELECT 0", "format": "csv"}, headers=ana.auth)
    with _statements(_engine(client)) as seen:
        made = client.post(
            "/api/exports", json={"sql": "SELECT 1", "format": "csv"}, headers=ana.auth
        ).json()
    assert made["status"] == "done" and made["download_url"]
    verbs = [" ".join(s.split()[:3]) for s in seen]
    assert verbs.count("INSERT INTO audit_log") == 3, seen
    assert not any("FROM query_runs" in s for s in seen), seen
    assert len(seen) == 10, seen


def test_a_large_result_is_counted_by_the_job_not_the_request(
    app_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over ``inline_export_rows`` the request counts no further than it needs to choose;
    the job counts the whole result (the export's ``rows_total``)."""
    client, ana = _quiet(app_client, inline_export_rows=10)
    counts: list[int | None] = []
    real_count = DataSource.count

    def count(self: DataSource, sql: str, *, at_most: int | None = None) -> Counted:
        counts.append(at_most)
        return real_count(self, sql, at_most=at_most)

    monkeypatch.setattr(DataSource, "count", count)
    made = client.post(
        "/api/exports", json={"sql": "SELECT * FROM customers", "format": "csv"}, headers=ana.auth
    )
    assert made.status_code == 201 and made.json()["status"] in ("queued", "running", "done")
    assert made.json()["rows_total"] in (None, 100)  # null until the job has counted
    done = _ended(client, ana, made.json()["id"])
    assert done["status"] == "done" and done["rows_done"] == done["rows_total"] == 100
    settings = client.app.state.parts.settings  # type: ignore[attr-defined]
    assert counts == [10, settings.max_export_rows]  # the request's, bounded; the job's


def test_a_large_result_over_the_export_limit_fails_saying_why(
    app_client: Callable[..., TestClient],
) -> None:
    """The limit on an export's rows holds for results too large to count in the request:
    the job counts, and the export fails with the reason (no file)."""
    client, ana = _quiet(app_client, inline_export_rows=10, max_export_rows=50)
    made = client.post(
        "/api/exports", json={"sql": "SELECT * FROM customers", "format": "csv"}, headers=ana.auth
    )
    assert made.status_code == 201, made.text
    ended = _ended(client, ana, made.json()["id"])
    assert ended["status"] == "failed" and ended["download_url"] is None
    assert "more than 50 rows" in ended["error"] and "Narrow the query" in ended["error"]


def test_start_up_objects_are_kept_out_of_the_garbage_collectors_walks(
    settings: Settings,
) -> None:
    """A full collection over everything start-up made took ~180 ms of a core and
    stalled the requests in flight; the running app keeps those objects frozen."""
    gc.unfreeze()
    with TestClient(create_app(settings)):
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0  # given back at shutdown


def test_the_export_writers_are_loaded_before_start_up_is_frozen(settings: Settings) -> None:
    """Imported on the first export, the writers (and pandas, which pyarrow loads for
    them) were 33,000 objects every full collection walked; they load at start-up now."""
    probe = (
        "import gc, sys\n"
        "from fastapi.testclient import TestClient\n"
        "from assistant.api import create_app\n"
        "from assistant.settings import load_settings\n"
        "assert 'exporters.writers' not in sys.modules\n"
        "with TestClient(create_app(load_settings())):\n"
        "    assert 'exporters.writers' in sys.modules and gc.get_freeze_count()\n"
        "    print(len(gc.get_objects()))\n"
    )
    env = {
        **os.environ,
        "ASSISTANT_DATABASE_URL": settings.database_url,
        "ASSISTANT_SOURCE_URL": settings.source_url,
        "ASSISTANT_STORAGE_DIR": str(settings.storage_dir),
        "ASSISTANT_SECRET_KEY": "a-test-secret-that-is-long-enough-0123456789",
        "ASSISTANT_SCHEDULER": "false",
    }
    ran = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert int(ran.stdout.split()[-1]) < 5_000  # what a full collection still walks
