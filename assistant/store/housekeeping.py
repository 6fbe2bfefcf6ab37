"""Start-up and periodic clean-up: interrupted jobs, expired files, stray temporaries.

The exporter core writes ``.<name>.<random>.part`` next to the final file and renames it
into place only when it is whole (a history bundle gathers its parts in a ``.parts-*``
folder), so a crash leaves (at most) temporaries and an export row that still says
``queued`` or ``running``. Each queued or running export names its process
(:func:`process_identity`), so when several processes share a store, recovery fails only
the exports whose process is gone. Each function is safe to run again after a crash half
way through: it only acts on what is still left to do.

The session functions flush but do not commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
from collections.abc import Callable, Collection
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.models import Export, ExportStatus
from assistant.store.repo import AuditAction, audit

__all__ = [
    "INTERRUPTED",
    "TEMPORARY_PATTERNS",
    "expire_files",
    "process_identity",
    "recover_interrupted",
    "remove_stray_temporaries",
    "worker_alive",
]

INTERRUPTED = "interrupted"
TEMPORARY_PATTERNS = (".*.part", ".parts-*", ".attempt-*")


def process_identity() -> str:
    """``host:pid`` of this process, recorded on the exports it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(worker: str | None) -> bool:
    """Whether the process named ``worker`` may still be running its exports.

    A process on this host is asked directly; one on another host cannot be, so it is
    presumed alive (its own start-up recovers it). Rows naming nobody are orphans.
    """
    if not worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname():
        return True
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def recover_interrupted(
    session: Session, now: dt.datetime, *, alive: Callable[[str | None], bool] = worker_alive
) -> list[str]:
    """Mark exports left ``queued`` or ``running`` by a dead process failed ("interrupted").

    The rows keep their request, so :func:`assistant.store.repo.requeue` retries them.
    Returns their ids, oldest first.
    """
    exports = session.scalars(
        select(Export)
        .where(
            Export.status.in_([ExportStatus.QUEUED, ExportStatus.RUNNING]),
            Export.runner.is_(None),  # workers' exports are recovered by their leases
        )
        .order_by(Export.created_at, Export.id)
    ).all()
    exports = [export for export in exports if not alive(export.worker)]
    for export in exports:
        was = export.status
        export.status = ExportStatus.FAILED
        export.error = INTERRUPTED
        export.finished_at = now
        export.worker = None
        audit(
            session,
            AuditAction.EXPORT_INTERRUPTED,
            user_id=export.owner_id,
            export_id=export.id,
            query_run_id=export.query_run_id,
            rows=export.rows_done,
            at=now,
            details={"was": was.value},
        )
    session.flush()
    return [export.id for export in exports]


def expire_files(session: Session, storage_dir: Path, now: dt.datetime) -> list[str]:
    """Remove the files of done exports past ``expires_at`` and mark them ``expired``.

    The file goes first, then the row: a crash in between leaves a row that the next run
    expires again (a missing file is fine), never a ``done`` row without its file for
    long. Paths that would point outside ``storage_dir`` are never removed. Returns the
    ids expired, oldest first.
    """
    root = storage_dir.resolve()
    exports = session.scalars(
        select(Export)
        .where(
            Export.status == ExportStatus.DONE,
            Export.expires_at.is_not(None),
            Export.expires_at <= now,
        )
        .order_by(Export.expires_at, Export.id)
    ).all()
    for export in exports:
        if export.file_path:
            target = (root / export.file_path).resolve()
            if target.is_relative_to(root) and target != root:
                target.unlink(missing_ok=True)
        export.status = ExportStatus.EXPIRED
        export.file_path = None
        audit(
            session,
            AuditAction.EXPORT_EXPIRED,
            user_id=export.owner_id,
            export_id=export.id,
            at=now,
        )
    session.flush()
    return [export.id for export in exports]


def remove_stray_temporaries(
    storage_dir: Path,
    modified_before: dt.datetime | None = None,
    *,
    spare: Collection[str] = (),
) -> list[Path]:
    """Delete leftover temporaries under ``storage_dir``; return what was removed.

    ``spare`` names exports still queued or running (their folders are left alone), and
    ``modified_before`` spares anything written since: an export another process starts
    while this runs writes newer files.
    """
    if not storage_dir.is_dir():
        return []
    cutoff = None if modified_before is None else modified_before.timestamp()
    found = {path for pattern in TEMPORARY_PATTERNS for path in storage_dir.rglob(pattern)}
    removed = []
    for path in sorted(found):
        if path.is_symlink() or not path.exists():
            continue
        if path.relative_to(storage_dir).parts[0] in spare:
            continue
        if cutoff is not None and path.stat().st_mtime >= cutoff:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
