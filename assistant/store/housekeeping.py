"""Start-up and periodic clean-up: interrupted jobs, expired files, stray temporaries.

The exporter core writes ``.<name>.<random>.part`` next to the final file and renames it
into place only when it is whole, so a crash leaves (at most) a temporary file and an
export row that still says ``queued`` or ``running``. At start-up, before the job pool
takes work, call :func:`recover_interrupted` and :func:`remove_stray_temporaries`;
call :func:`expire_files` then and periodically. Each function is safe to run again
after a crash half way through: it only acts on what is still left to do.

The session functions flush but do not commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.models import Export, ExportStatus
from assistant.store.repo import AuditAction, audit

__all__ = [
    "INTERRUPTED",
    "TEMPORARY_PATTERN",
    "expire_files",
    "recover_interrupted",
    "remove_stray_temporaries",
]

INTERRUPTED = "interrupted"
TEMPORARY_PATTERN = ".*.part"


def recover_interrupted(session: Session, now: dt.datetime) -> list[str]:
    """Mark exports a crash left ``queued`` or ``running`` as failed ("interrupted").

    Only call it when no other process runs jobs on this store (the embedded default);
    the rows keep their request, so :func:`assistant.store.repo.requeue` retries them.
    Returns their ids, oldest first.
    """
    exports = session.scalars(
        select(Export)
        .where(Export.status.in_([ExportStatus.QUEUED, ExportStatus.RUNNING]))
        .order_by(Export.created_at, Export.id)
    ).all()
    for export in exports:
        was = export.status
        export.status = ExportStatus.FAILED
        export.error = INTERRUPTED
        export.finished_at = now
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
    storage_dir: Path, older_than: dt.timedelta | None = None
) -> list[Path]:
    """Delete leftover ``.*.part`` files under ``storage_dir``; return what was removed.

    At start-up nothing is writing, so every temporary is stray. While jobs run, pass
    ``older_than`` (longer than any export takes) to leave live temporaries alone.
    """
    if not storage_dir.is_dir():
        return []
    cutoff = None if older_than is None else time.time() - older_than.total_seconds()
    removed = []
    for path in sorted(storage_dir.rglob(TEMPORARY_PATTERN)):
        if not path.is_file() or path.is_symlink():
            continue
        if cutoff is not None and path.stat().st_mtime > cutoff:
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
