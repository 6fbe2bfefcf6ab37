"""Workers that die or stall mid-export: a 1,000,000-row export still ends exactly once.

Two real workers (``python -m assistant worker``) share a PostgreSQL store, a Redis
queue and a storage folder. The test kills (``SIGKILL``) or pauses (``SIGSTOP``) the
one that claimed the export, half way through its file, and checks the other finishes
it: the same bytes as a direct export, nothing partial ever under the final name, one
``export_done`` in the audit log, and a resumed stale worker that writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import open_conversation
from assistant.exports.operations import create_export, export_request
from assistant.process import Assistant
from assistant.store import Export, ExportStatus
from intents import Format
from tests.assistant.worker.conftest import (
    Deployment,
    build_events,
    file_identity,
    inline_settings,
)

ROWS = 1_000_000
SQL = "SELECT * FROM events ORDER BY id"
LEASE = 2.0  # seconds: a silent worker's export is taken over after this


@pytest.fixture(scope="module")
def events_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_events(tmp_path_factory.mktemp("events") / "events.db", ROWS)


@pytest.fixture(scope="module")
def direct_sha256(events_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SHA-256 of the same export made inline in this process, no workers."""
    settings = inline_settings(tmp_path_factory.mktemp("direct"), events_db, ROWS)
    with open_conversation(settings, "ana", mode="rules") as chat:
        info = create_export(chat.scope, export_request(Format.CSV), sql=SQL)
    assert info.status == "done" and info.rows == ROWS and info.sha256
    return info.sha256


@pytest.fixture
def deployment(deploy: Callable[..., Deployment], events_db: Path) -> Iterator[Deployment]:
    deployment = deploy(events_db, inline_export_rows=0, lease_seconds=LEASE)
    deployment.start_worker(concurrency=1)
    deployment.start_worker(concurrency=1)
    yield deployment


def _submit(deployment: Deployment) -> str:
    assistant = Assistant(deployment.settings)
    try:
        user = assistant.user_id("ana")
        info = create_export(assistant.scope(user), export_request(Format.CSV), sql=SQL)
    finally:
        assistant.close()
    assert info.status == "queued"
    return info.id


def _claimer(deployment: Deployment, export_id: str) -> int:
    """The pid of the worker writing the export, once it is part way through."""
    row = deployment.wait_for(export_id, lambda r: r.rows_done >= 100_000)
    assert row.status is ExportStatus.RUNNING and row.worker is not None
    pid = int(row.worker.rpartition(":")[2])
    assert pid in deployment.workers
    return pid


class FinalNameWatch:
    """Looks at the export's final path, over and over, from another thread: every
    time a file is there it must be the whole one (recorded as inode and size)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: set[tuple[str, int, int]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._look, daemon=True)
        self._thread.start()

    def _look(self) -> None:
        while not self._stop.is_set():
            if self.folder.is_dir():
                for path in self.folder.iterdir():
                    if not path.name.startswith("."):
                        try:
                            stat = path.stat()
                        except FileNotFoundError:
                            continue
                        self.seen.add((path.name, stat.st_ino, stat.st_size))
            time.sleep(0.002)

    def stop(self) -> set[tuple[str, int, int]]:
        self._stop.set()
        self._thread.join()
        return self.seen


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_done_once(deployment: Deployment, row: Export, direct_sha256: str) -> Path:
    assert row.status is ExportStatus.DONE and row.rows_done == ROWS
    assert row.sha256 == direct_sha256
    assert row.file_path is not None
    path = deployment.settings.storage_dir / row.file_path
    assert _sha256(path) == direct_sha256
    # Nothing else in the export's folder: no temporary, no other attempt's leftovers.
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert deployment.audit_count(row.id, "export_done") == 1
    assert deployment.audit_count(row.id, "export_reclaimed") == 1
    assert row.fence == 2
    return path


def test_a_worker_killed_mid_export_is_taken_over_and_the_file_is_made_once(
    deployment: Deployment, direct_sha256: str
) -> None:
    export_id = _submit(deployment)
    watch = FinalNameWatch(deployment.settings.storage_dir / export_id)
    victim = _claimer(deployment, export_id)
    os.kill(victim, signal.SIGKILL)
    deployment.workers[victim].wait(10)

    row = deployment.wait_for(
        export_id, lambda r: r.status in (ExportStatus.DONE, ExportStatus.FAILED)
    )
    seen = watch.stop()
    path = _check_done_once(deployment, row, direct_sha256)
    assert row.worker is None
    # Under its final name the file only ever appeared whole, and only once.
    assert seen == {(path.name, path.stat().st_ino, path.stat().st_size)}


def test_a_paused_worker_that_wakes_after_its_lease_cannot_overwrite_the_file(
    deployment: Deployment, direct_sha256: str
) -> None:
    export_id = _submit(deployment)
    stale = _claimer(deployment, export_id)
    os.kill(stale, signal.SIGSTOP)
    try:
        row = deployment.wait_for(
            export_id, lambda r: r.status in (ExportStatus.DONE, ExportStatus.FAILED)
        )
        path = _check_done_once(deployment, row, direct_sha256)
        before = file_identity(path)
    finally:
        os.kill(stale, signal.SIGCONT)

    # The stale worker wakes, finds its fence gone at its next write and stops.
    process = deployment.workers[stale]
    deadline = time.monotonic() + 60
    while f"{export_id}: superseded" not in deployment.log_of(process):
        assert time.monotonic() < deadline, deployment.log_of(process)[-3000:]
        time.sleep(0.1)
    assert file_identity(path) == before
    assert _sha256(path) == direct_sha256
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    final = deployment.row(export_id)
    assert final.status is ExportStatus.DONE and final.fence == 2
    assert deployment.audit_count(export_id, "export_done") == 1
