"""What one worker does with an export, in this process (ExportWorker) and through Celery:
a redelivered task is a no-op, failures and cancellations are recorded, the lease watch
wakes workers only for stranded exports."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from assistant.exports.operations import create_export, export_request
from assistant.jobs import JobState
from assistant.jobs.celery import EXPORT_TASK, CeleryRunner, make_celery
from assistant.process import Assistant
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.store import Export, ExportStatus, leases
from assistant.store.recovery import recover_at_start
from assistant.worker import ExportWorker, LeaseWatch, Outcome, OutcomeKind, job, worker_app
from exporters import Progress
from intents import Format
from tests.assistant.worker.conftest import ROOT, Deployment, build_events, file_identity

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("shop") / "demo.db", 3_000, today=NOW.date())


def _queue(deployment: Deployment, sql: str, user: str = "ana", fmt: Format = Format.CSV) -> str:
    """An export recorded queued for the workers, as the API records it (nothing sent if
    no worker runs: the test runs it with an ExportWorker of its own)."""
    assistant = Assistant(deployment.settings)
    try:
        scope = assistant.scope(assistant.user_id(user))
        info = create_export(scope, export_request(fmt), sql=sql)
    finally:
        assistant.close()
    assert info.status == "queued"
    return info.id


def test_a_redelivered_task_for_a_finished_export_does_nothing(
    deploy: Callable[..., Deployment], shop: Path
) -> None:
    deployment = deploy(shop, inline_export_rows=10)
    worker = deployment.start_worker()
    export_id = _queue(deployment, "SELECT * FROM orders")
    done = deployment.wait_for(export_id, lambda r: r.status is ExportStatus.DONE)
    assert done.file_path is not None
    path = deployment.settings.storage_dir / done.file_path
    before = file_identity(path)

    # Celery delivers at least once: the same task again, twice, as a broker might.
    app = make_celery(deployment.settings)
    for _ in range(2):
        app.send_task(EXPORT_TASK, args=[export_id], queue=deployment.settings.queue)
    app.close()
    deadline = time.monotonic() + 30
    while deployment.log_of(worker).count(f"'{export_id}: skipped'") < 2:
        assert time.monotonic() < deadline, deployment.log_of(worker)[-3000:]
        time.sleep(0.05)

    assert file_identity(path) == before
    row = deployment.row(export_id)
    assert (row.status, row.fence, row.sha256) == (ExportStatus.DONE, 1, done.sha256)
    assert deployment.audit_count(export_id, "export_done") == 1


def test_an_export_that_fails_is_recorded_with_the_reason_and_leaves_no_file(
    deploy: Callable[..., Deployment], tmp_path: Path, shop: Path
) -> None:
    source = tmp_path / "source.db"
    source.write_bytes(shop.read_bytes())
    deployment = deploy(source, inline_export_rows=10)
    export_id = _queue(deployment, "SELECT * FROM orders")
    with sqlite3.connect(source) as db:  # the table goes away before a worker runs it
        db.execute("DROP TABLE order_items")
        db.execute("DROP TABLE orders")
    db.close()

    worker = ExportWorker(deployment.settings)
    try:
        outcome = worker.run(export_id)
    finally:
        worker.close()
    assert outcome.kind is OutcomeKind.failed and "orders" in (outcome.detail or "")
    row = deployment.row(export_id)
    assert row.status is ExportStatus.FAILED and "orders" in (row.error or "")
    assert row.worker is None and row.lease_expires_at is None
    assert list((deployment.settings.storage_dir / export_id).iterdir()) == []
    assert deployment.audit_count(export_id, "export_failed") == 1


def test_a_cancel_asked_through_the_store_stops_the_export_at_its_next_batch(
    deploy: Callable[..., Deployment], shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = deploy(shop, inline_export_rows=10)
    export_id = _queue(deployment, "SELECT * FROM order_items")
    # The export is held after its first batch until the test has asked it to stop.
    first_batch, asked = threading.Event(), threading.Event()
    real_write_file = job.write_file

    def held_write_file(*args: Any, progress: Callable[[Progress], None], **kwargs: Any) -> Any:
        def held(step: Progress) -> None:
            first_batch.set()
            asked.wait(30)
            time.sleep(job.BATCH_RENEWAL_SECONDS)  # so this batch's renewal is not skipped
            progress(step)

        return real_write_file(*args, progress=held, **kwargs)

    monkeypatch.setattr(job, "write_file", held_write_file)
    worker = ExportWorker(deployment.settings)
    outcome: list[Outcome] = []
    thread = threading.Thread(target=lambda: outcome.append(worker.run(export_id)))
    thread.start()
    try:
        assert first_batch.wait(30)
        runner = CeleryRunner(deployment.settings, deployment.sessions)
        assert runner.cancel(export_id)
        assert deployment.row(export_id).cancel_requested
        asked.set()
        thread.join(60)
    finally:
        asked.set()
        worker.close()
    assert [o.kind for o in outcome] == [OutcomeKind.cancelled]
    row = deployment.row(export_id)
    assert row.status is ExportStatus.CANCELLED and row.file_path is None
    assert row.rows_done > 0 and row.error == "cancelled while it ran"
    assert list((deployment.settings.storage_dir / export_id).iterdir()) == []
    assert deployment.audit_count(export_id, "export_cancelled") == 1


def test_a_queued_export_is_cancelled_at_once_and_no_worker_runs_it(
    deploy: Callable[..., Deployment], shop: Path
) -> None:
    deployment = deploy(shop, inline_export_rows=10)
    export_id = _queue(deployment, "SELECT * FROM orders")
    runner = CeleryRunner(deployment.settings, deployment.sessions)
    handle = runner.submit("1", export_id, lambda control: None)
    assert runner.cancel(export_id)
    assert handle.wait(5) and handle.state is JobState.cancelled
    worker = ExportWorker(deployment.settings)
    try:
        assert worker.run(export_id).kind is OutcomeKind.skipped
        assert worker.drain() == []
    finally:
        worker.close()
        runner.shutdown()
    assert deployment.row(export_id).status is ExportStatus.CANCELLED


def test_the_lease_watch_wakes_workers_only_for_stranded_exports(
    deploy: Callable[..., Deployment], shop: Path
) -> None:
    deployment = deploy(shop, inline_export_rows=10, lease_seconds=30)
    export_id = _queue(deployment, "SELECT * FROM orders")
    sent: list[Any] = []

    class Broker:
        def send_task(self, name: str, args: list[Any], queue: str) -> None:
            sent.append((name, args, queue))

    watch = LeaseWatch(deployment.settings, Broker())  # type: ignore[arg-type]
    try:
        created = deployment.row(export_id).created_at
        assert not watch.tick(created + dt.timedelta(seconds=5))  # queued moments ago
        assert watch.tick(created + dt.timedelta(seconds=40))  # its task was lost, say
        assert sent == [(EXPORT_TASK, [None], deployment.settings.queue)]
        with deployment.sessions.begin() as session:  # a worker claims it, then vanishes
            holder = leases.claim(session, export_id, "gone:1", created, lease_seconds=30)
            assert holder is not None
        assert not watch.tick(created + dt.timedelta(seconds=10))  # its lease is live
        assert watch.tick(created + dt.timedelta(seconds=31))  # ran out: wake someone
        with deployment.sessions.begin() as session:  # attempts used up: given up on
            row = session.get(Export, export_id)
            assert row is not None
            row.attempts = leases.MAX_ATTEMPTS
        watch.tick(created + dt.timedelta(seconds=31))
    finally:
        watch.stop()
    row = deployment.row(export_id)
    assert row.status is ExportStatus.FAILED and "gave up after" in (row.error or "")


def test_the_worker_command_says_what_it_needs_without_a_broker(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "ASSISTANT_STORAGE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "worker"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "ASSISTANT_BROKER_URL is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_settings_for_workers_are_validated() -> None:
    with pytest.raises(ValueError, match="lease_seconds"):
        Settings(lease_seconds=0)
    with pytest.raises(ValueError, match="worker_concurrency"):
        Settings(worker_concurrency=0)


def test_the_visibility_timeout_must_outlast_the_lease() -> None:
    with pytest.raises(ValueError, match="visibility_timeout_seconds must be longer"):
        Settings(lease_seconds=60, visibility_timeout_seconds=30)


def test_start_up_recovery_leaves_worker_run_exports_to_their_leases(
    deploy: Callable[..., Deployment], shop: Path
) -> None:
    """A worker-run export names a process on this host that is gone; process recovery
    (which fails a dead process's own exports) must not touch it: its lease decides."""
    deployment = deploy(shop, inline_export_rows=10)
    export_id = _queue(deployment, "SELECT * FROM orders")
    with deployment.sessions.begin() as session:
        holder = leases.claim(session, export_id, f"{socket.gethostname()}:999999999", NOW,
                              lease_seconds=30)  # fmt: skip
        assert holder is not None
    recovered = recover_at_start(deployment.settings)
    assert export_id not in recovered.interrupted
    assert deployment.row(export_id).status is ExportStatus.RUNNING


def test_a_store_that_cannot_be_reached_is_retried_with_backoff(shop: Path, tmp_path: Path) -> None:
    """The task retries (exponential backoff, here run eagerly) when the store is away,
    and stops retrying once it answers."""
    attempts: list[str] = []

    class FlakyStore:
        def run(self, export_id: str) -> Outcome:
            attempts.append(export_id)
            if len(attempts) < 3:
                raise OperationalError("SELECT 1", {}, ConnectionRefusedError("store down"))
            return Outcome(export_id, OutcomeKind.skipped)

        def drain(self, stopping: Callable[[], bool]) -> list[Outcome]:
            return []

    settings = Settings(broker_url="redis://127.0.0.1:1/0", storage_dir=tmp_path)
    app = worker_app(settings, FlakyStore())  # type: ignore[arg-type]
    task = app.tasks[EXPORT_TASK]
    assert (task.retry_backoff, task.retry_jitter, task.max_retries) == (2, True, 8)
    assert task.autoretry_for == (OperationalError,)
    assert task.apply(args=["e1"]).get() == ["e1: skipped"]
    assert attempts == ["e1", "e1", "e1"]


def test_an_unexpected_error_fails_the_export_once_with_a_logged_reason(
    deploy: Callable[..., Deployment], shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = deploy(shop, inline_export_rows=10)
    export_id = _queue(deployment, "SELECT * FROM orders")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr(job, "write_file", broken)
    worker = ExportWorker(deployment.settings)
    try:
        outcome = worker.run(export_id)
    finally:
        worker.close()
    assert outcome.kind is OutcomeKind.failed
    row = deployment.row(export_id)
    assert row.status is ExportStatus.FAILED and row.attempts == 1
    assert row.error == "an unexpected error (KeyError); it was logged"
    assert list((deployment.settings.storage_dir / export_id).iterdir()) == []


def test_an_export_submitted_while_redis_is_down_waits_in_the_store(
    deploy: Callable[..., Deployment], shop: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The API answers (the export is queued, nothing lost) and the next worker's lease
    watch finds the export once it has waited longer than a lease."""
    deployment = deploy(shop, inline_export_rows=10)
    export_id = _queue(deployment, "SELECT * FROM orders")
    away = deployment.settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    runner = CeleryRunner(away, deployment.sessions)
    try:
        handle = runner.submit("1", export_id, lambda control: None)
    finally:
        runner.shutdown()
    assert handle.state is JobState.queued
    assert "the broker is unreachable" in caplog.text
    created = deployment.row(export_id).created_at
    later = created + dt.timedelta(seconds=deployment.settings.lease_seconds + 1)
    with deployment.sessions() as session:
        assert leases.stranded(
            session, later, queued_before=later - dt.timedelta(seconds=30), cap=2
        ) == [export_id]


def test_a_worker_told_to_stop_finishes_its_export_and_leaves_the_rest_queued(
    deploy: Callable[..., Deployment], tmp_path: Path
) -> None:
    source = build_events(tmp_path / "events.db", 300_000)
    deployment = deploy(source, inline_export_rows=10, max_running_exports_per_user=10)
    ids = [_queue(deployment, f"SELECT * FROM events WHERE id > {n} ORDER BY id") for n in range(6)]
    worker = deployment.start_worker(concurrency=1)
    deployment.wait_for(ids[0], lambda r: r.status is ExportStatus.RUNNING)
    worker.send_signal(signal.SIGTERM)  # a warm shutdown: finish what runs, take no more
    assert worker.wait(60) == 0, deployment.log_of(worker)[-3000:]
    statuses = [deployment.row(export_id).status for export_id in ids]
    assert ExportStatus.RUNNING not in statuses
    assert statuses.count(ExportStatus.DONE) >= 1 and ExportStatus.QUEUED in statuses

    deployment.start_worker(concurrency=1)  # the next worker runs what was left
    for export_id in ids:
        row = deployment.wait_for(export_id, lambda r: r.status is ExportStatus.DONE)
        assert row.fence == 1  # nothing was taken over: each ran once
