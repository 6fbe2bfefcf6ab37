"""Crash recovery and expiry: interrupted jobs, expired files, stray temporaries."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store import (
    INTERRUPTED,
    AuditEntry,
    Export,
    ExportStatus,
    User,
    expire_files,
    process_identity,
    recover_interrupted,
    remove_stray_temporaries,
    requeue,
    worker_alive,
)
from tests.assistant.store.conftest import NOW

HOUR = dt.timedelta(hours=1)


def _export(session: Session, user: User, status: ExportStatus, **fields: object) -> Export:
    export = Export(owner_id=user.id, request={"intent": "export"}, format="csv", status=status)
    for name, value in fields.items():
        setattr(export, name, value)
    session.add(export)
    session.flush()
    return export


def test_recover_interrupted_fails_running_and_queued_exports(session: Session, ana: User) -> None:
    queued = _export(session, ana, ExportStatus.QUEUED, created_at=NOW - 2 * HOUR)
    running = _export(session, ana, ExportStatus.RUNNING, created_at=NOW - 3 * HOUR, rows_done=7)
    done = _export(session, ana, ExportStatus.DONE, created_at=NOW - HOUR)
    cancelled = _export(session, ana, ExportStatus.CANCELLED, created_at=NOW - HOUR)
    session.commit()

    assert recover_interrupted(session, NOW) == [running.id, queued.id]
    session.commit()
    session.expire_all()
    for export in (queued, running):
        assert (export.status, export.error, export.finished_at) == (
            ExportStatus.FAILED,
            INTERRUPTED,
            NOW,
        )
    assert done.status is ExportStatus.DONE and cancelled.status is ExportStatus.CANCELLED
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.export_id, e.rows, e.details) for e in entries] == [
        ("export_interrupted", running.id, 7, {"was": "running"}),
        ("export_interrupted", queued.id, 0, {"was": "queued"}),
    ]
    assert recover_interrupted(session, NOW) == []


def test_an_interrupted_export_can_be_retried(session: Session, ana: User) -> None:
    export = _export(session, ana, ExportStatus.RUNNING, rows_done=5, rows_total=10, started_at=NOW)
    recover_interrupted(session, NOW)
    requeue(export)
    session.commit()
    session.expire_all()
    assert export.status is ExportStatus.QUEUED
    assert (export.rows_done, export.rows_total, export.error, export.started_at) == (
        0,
        None,
        None,
        None,
    )
    assert export.request == {"intent": "export"}


def test_expire_files_removes_files_and_marks_exports(
    session: Session, ana: User, tmp_path: Path
) -> None:
    storage = tmp_path / "exports"
    (storage / "1").mkdir(parents=True)
    old = storage / "1" / "old.csv"
    fresh = storage / "1" / "fresh.csv"
    old.write_text("id\n1\n")
    fresh.write_text("id\n2\n")
    due = _export(session, ana, ExportStatus.DONE, file_path="1/old.csv", expires_at=NOW)
    later = _export(session, ana, ExportStatus.DONE, file_path="1/fresh.csv", expires_at=NOW + HOUR)
    gone = _export(session, ana, ExportStatus.DONE, file_path="1/gone.csv", expires_at=NOW - HOUR)
    failed = _export(session, ana, ExportStatus.FAILED, expires_at=NOW - HOUR)
    session.commit()

    assert expire_files(session, storage, NOW) == [gone.id, due.id]
    session.commit()
    session.expire_all()
    assert not old.exists() and fresh.exists()
    assert (due.status, due.file_path) == (ExportStatus.EXPIRED, None)
    assert gone.status is ExportStatus.EXPIRED
    assert later.status is ExportStatus.DONE and later.file_path == "1/fresh.csv"
    assert failed.status is ExportStatus.FAILED
    actions = session.scalars(select(AuditEntry.export_id).order_by(AuditEntry.id)).all()
    assert actions == [gone.id, due.id]
    assert expire_files(session, storage, NOW) == []


@pytest.mark.parametrize("path", ["../outside.csv", "/etc/hostname-copy", "."])
def test_expire_files_never_removes_outside_storage(
    session: Session, ana: User, tmp_path: Path, path: str
) -> None:
    storage = tmp_path / "exports"
    storage.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_text("keep me")
    export = _export(session, ana, ExportStatus.DONE, file_path=path, expires_at=NOW)
    assert expire_files(session, storage, NOW) == [export.id]
    assert outside.read_text() == "keep me" and storage.is_dir()
    assert export.status is ExportStatus.EXPIRED


def test_remove_stray_temporaries(tmp_path: Path) -> None:
    storage = tmp_path / "exports"
    (storage / "1" / "abc").mkdir(parents=True)
    strays = [storage / ".orders.csv.k2j3.part", storage / "1" / "abc" / ".x.xlsx.9f.part"]
    keep = [storage / "orders.csv", storage / "1" / "abc" / "notes.part", storage / ".hidden"]
    for path in strays + keep:
        path.write_bytes(b"data")
    assert remove_stray_temporaries(storage) == sorted(strays)
    assert [path.exists() for path in strays + keep] == [False, False, True, True, True]
    assert remove_stray_temporaries(storage) == []


def test_remove_stray_temporaries_takes_a_dead_workers_attempt_folder(tmp_path: Path) -> None:
    """A worker killed mid-file leaves ``<id>/.attempt-<fence>/``; once the export is not
    live any more (failed, say), the whole folder goes, the export's own file stays."""
    attempt = tmp_path / "exp1" / ".attempt-3"
    attempt.mkdir(parents=True)
    (attempt / ".orders.csv.k2.part").write_bytes(b"half")
    final = tmp_path / "exp1" / "orders.csv"
    final.write_bytes(b"whole")
    assert remove_stray_temporaries(tmp_path, spare={"exp2"}) == [attempt]
    assert not attempt.exists() and final.read_bytes() == b"whole"
    live = tmp_path / "exp2" / ".attempt-1"
    live.mkdir(parents=True)
    assert remove_stray_temporaries(tmp_path, spare={"exp2"}) == [] and live.is_dir()


def test_remove_stray_temporaries_spares_live_exports_and_newer_files(tmp_path: Path) -> None:
    old = tmp_path / "a" / ".old.csv.1.part"
    live = tmp_path / "b" / ".live.csv.2.part"
    newer = tmp_path / "c" / ".new.csv.3.part"
    parts = tmp_path / "d" / ".parts-x1"
    for path in (old, live, newer):
        path.parent.mkdir()
        path.write_bytes(b"")
    (parts / "01-orders.csv").parent.mkdir(parents=True)
    (parts / "01-orders.csv").write_bytes(b"id\r\n")
    two_hours_ago = time.time() - 7200
    for path in (old, live, parts):
        os.utime(path, (two_hours_ago, two_hours_ago))
    removed = remove_stray_temporaries(tmp_path, dt.datetime.now(dt.UTC) - HOUR, spare={"b"})
    assert removed == [old, parts]
    assert live.exists() and newer.exists() and not parts.exists()


def test_recovery_spares_exports_of_live_processes(session: Session, ana: User) -> None:
    gone = _export(session, ana, ExportStatus.RUNNING, worker="this-host:1")
    mine = _export(session, ana, ExportStatus.RUNNING, worker=process_identity())
    elsewhere = _export(session, ana, ExportStatus.QUEUED, worker="another-host:1")
    orphan = _export(session, ana, ExportStatus.QUEUED)
    session.commit()

    def alive(worker: str | None) -> bool:
        return worker is not None and worker != "this-host:1" and worker_alive(worker)

    assert set(recover_interrupted(session, NOW, alive=alive)) == {gone.id, orphan.id}
    assert mine.status is ExportStatus.RUNNING and elsewhere.status is ExportStatus.QUEUED
    assert gone.worker is None


def test_a_process_is_alive_while_it_runs() -> None:
    host = process_identity().rpartition(":")[0]
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert worker_alive(f"{host}:{child.pid}")
    finally:
        child.kill()
        child.wait()
    assert not worker_alive(f"{host}:{child.pid}")
    assert worker_alive(process_identity())
    assert worker_alive("a-host-we-cannot-ask:1")
    assert not worker_alive(None) and not worker_alive(f"{host}:not-a-pid")


def test_remove_stray_temporaries_without_a_storage_folder(tmp_path: Path) -> None:
    assert remove_stray_temporaries(tmp_path / "missing") == []
