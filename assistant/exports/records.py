"""Export records: an export's row in the store from start to end, and its audit entries.

A row goes ``queued`` or ``running`` → ``done`` (with its file) or ``failed`` (with the
reason a person reads); each step is appended to the audit log. :func:`failing` turns a
writer's error into a failed row and an :class:`~assistant.errors.ExportFailed`, so no
export is left ``running`` by an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from assistant.errors import ExportFailed, TooManyRows
from assistant.replies import ExportInfo
from assistant.scope import UserScope
from assistant.store import (
    AuditAction,
    Export,
    ExportStatus,
    QueryRun,
    audit,
    exports_page,
    get_owned,
    process_identity,
    record_done,
    record_ended,
)
from exporters import ExporterError
from intents.models import ExportRequest

__all__ = [
    "NewExport",
    "check_size",
    "export_info",
    "export_status",
    "exports_page_info",
    "fail_export",
    "failing",
    "finish_export",
    "queue_text",
    "running_exports",
    "start_export",
]


@dataclass(frozen=True)
class NewExport:
    """What starting an export records.

    ``run`` is the query run it exports (None for bundles, whose runs are ``run_ids``);
    ``retry`` names a requeued export (:func:`assistant.store.requeue`) to start again
    under its own id; ``queued`` exports wait for the job runner, and ``runner`` names
    one whose workers claim them from the store (``celery``); otherwise this process runs
    the export and is recorded as its worker.
    """

    request: ExportRequest
    format: str
    run: QueryRun | None = None
    run_ids: list[str] | None = None
    retry: str | None = None
    queued: bool = False
    runner: str | None = None


def export_status(scope: UserScope, export_id: str) -> ExportInfo:
    """One of the user's exports as it stands now (rows done and ETA while it runs)."""
    with scope.sessions() as session:
        return export_info(get_owned(session, Export, export_id, scope.user_id), scope)


def exports_page_info(
    scope: UserScope, page: int = 1, per_page: int = 20
) -> tuple[list[ExportInfo], int]:
    """One page of the user's export history, newest first, and the total count."""
    with scope.sessions() as session:
        found = exports_page(session, scope.user_id, page=page, per_page=per_page)
        return [export_info(row, scope) for row in found.items], found.total


def running_exports(scope: UserScope, *, but: str | None = None) -> int:
    """How many of the user's exports are running now (``but`` one left out)."""
    with scope.sessions() as session:
        query = select(func.count()).where(
            Export.owner_id == scope.user_id, Export.status == ExportStatus.RUNNING
        )
        if but is not None:
            query = query.where(Export.id != but)
        return session.scalar(query) or 0


def queue_text(scope: UserScope, export_id: str) -> str:
    """Where a queued export stands: behind the user's running exports, or starting."""
    running = running_exports(scope, but=export_id)
    if running < scope.settings.max_running_exports_per_user:
        return "Starting now."
    ends = "your running export ends" if running == 1 else "one of your running exports ends"
    return f"Queued: it starts when {ends}."


def check_size(scope: UserScope, rows: int | None) -> None:
    """Refuse an export of more rows than ``max_export_rows``, before anything runs."""
    limit = scope.settings.max_export_rows
    if rows is not None and rows > limit:
        raise TooManyRows(
            f"The result has {rows:,} rows; one export holds at most {limit:,}. "
            "Narrow the query (a WHERE clause or a LIMIT) and export again."
        )


def export_info(row: Export, scope: UserScope, *, question: str | None = None) -> ExportInfo:
    """The faces' view of an export row (``path`` absolute when there is a file); its
    ``title`` is ``question`` when the caller has it at hand, else read from its run."""
    path = None
    if row.file_path is not None:
        path = str((scope.settings.storage_dir / row.file_path).resolve())
    return ExportInfo(
        id=row.id,
        format=row.format,
        status=row.status.value,
        rows=row.rows_done if row.status is ExportStatus.DONE else row.rows_total,
        bytes=row.bytes,
        sha256=row.sha256,
        path=path,
        file_name=row.file_name,
        rows_done=row.rows_done,
        rows_total=row.rows_total,
        eta_seconds=_eta(row, scope.clock()),
        error=row.error,
        created_at=row.created_at,
        notes=row.notes or [],
        title=question if question is not None else _question(row, scope),
    )


def _question(row: Export, scope: UserScope) -> str | None:
    """The question of the query run ``row`` exports (None for a bundle of past runs)."""
    if row.query_run_id is None:
        return None
    find = select(QueryRun.question).where(QueryRun.id == row.query_run_id)
    attached = object_session(row)
    if attached is not None:
        return attached.scalar(find)
    with scope.sessions() as session:
        return session.scalar(find)


def _eta(row: Export, now: dt.datetime) -> float | None:
    """Seconds left for a running export at its rate so far (None until it is known)."""
    if row.status is not ExportStatus.RUNNING or row.started_at is None or not row.rows_done:
        return None
    if row.rows_total is None:
        return None
    elapsed = (now - row.started_at).total_seconds()
    if elapsed <= 0:
        return None
    return round(max(0, row.rows_total - row.rows_done) * elapsed / row.rows_done, 1)


def start_export(scope: UserScope, new: NewExport, now: dt.datetime) -> str:
    """Record a new running (or queued) export and its audit entry; return its id.

    A new export under a scope whose budget is not spent yet counts against it here,
    before its row exists (:class:`~assistant.errors.TooManyRequests`, nothing recorded):
    a way of starting exports that forgot :meth:`UserScope.spend_export` still counts.
    The ways that start work spend it up front, before running the query or requeueing
    a retry (``new.retry``, which is never counted here: its row is already requeued)."""
    if new.retry is None and scope.budget is not None:
        scope.budget.take(scope.user_id)
    status = ExportStatus.QUEUED if new.queued else ExportStatus.RUNNING
    started = None if new.queued else now
    worker = None if new.runner else process_identity()
    rows_total = None if new.run is None else new.run.row_count
    details = {"format": new.format}
    with scope.sessions.begin() as session:
        if new.retry is not None:
            row = session.get(Export, new.retry)
            assert row is not None and row.status is ExportStatus.QUEUED
            row.status, row.rows_total, row.started_at = status, rows_total, started
            row.worker, row.runner = worker, new.runner
            action = AuditAction.EXPORT_RETRIED
        else:
            row = Export(
                owner_id=scope.user_id,
                conversation_id=scope.conversation_id,
                query_run_id=None if new.run is None else new.run.id,
                request=new.request.model_dump(mode="json"),
                format=new.format,
                status=status,
                rows_total=rows_total,
                created_at=now,
                started_at=started,
                worker=worker,
                run_ids=new.run_ids,
                runner=new.runner,
            )
            session.add(row)
            session.flush()
            action = AuditAction.EXPORT_CREATED
        audit(
            session,
            action,
            user_id=scope.user_id,
            export_id=row.id,
            query_run_id=row.query_run_id,
            at=now,
            details=details,
        )
        return row.id


def fail_export(scope: UserScope, export_id: str, message: str) -> None:
    """Mark the export failed with ``message`` (what the person reads) and audit it."""
    with scope.sessions.begin() as session:
        failed = session.get(Export, export_id)
        assert failed is not None
        record_ended(session, failed, ExportStatus.FAILED, message, scope.clock())


@contextlib.contextmanager
def failing(scope: UserScope, export_id: str) -> Iterator[None]:
    """Inside it, a writer's or the disk's error fails the export and becomes ExportFailed."""
    try:
        yield
    except (ExporterError, OSError) as exc:
        fail_export(scope, export_id, str(exc))
        raise ExportFailed(str(exc)) from exc


def finish_export(
    scope: UserScope,
    export_id: str,
    name: str,
    rows: int,
    size: int,
    sha256: str,
    notes: Sequence[str] = (),
    *,
    question: str | None = None,
) -> ExportInfo:
    """Mark the export done with its file ``storage/<id>/<name>``; it expires after the TTL.

    ``notes`` say what the file could not hold exactly (shown with the file); the
    ``question`` of its run, when the caller has it, saves reading it again."""
    ttl = dt.timedelta(hours=scope.settings.file_ttl_hours)
    with scope.sessions.begin() as session:
        done = session.get(Export, export_id)
        assert done is not None
        record_done(session, done, name, rows, size, sha256, scope.clock(), ttl, notes)
    return export_info(done, scope, question=question)
