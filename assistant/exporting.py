"""One export of a query run's result into a file, recorded in the store and the audit log.

The query's SQL is re-run through :meth:`DataSource.open` (guarded, read-only, streamed
in one transaction, so the file is a consistent snapshot) and written by
:func:`exporters.export`, which only puts the file under its final name once it is whole.
The :class:`~assistant.store.Export` row goes ``running`` → ``done`` (or ``failed`` with the
reason), and each outcome is appended to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from assistant.errors import AssistantError, InvalidInput
from assistant.files import export_folder, file_name, stem_for
from assistant.preferences import export_options, read_preferences
from assistant.replies import ExportInfo
from assistant.store import (
    AuditAction,
    Export,
    ExportStatus,
    QueryRun,
    audit,
    process_identity,
    record_done,
    record_ended,
)
from exporters import CancelToken, ExporterError, ExportResult, Progress, export
from intents import ExportRequest

if TYPE_CHECKING:
    from assistant.engine import Conversation

__all__ = [
    "ExportFailed",
    "TooManyRows",
    "check_size",
    "export_info",
    "fail_export",
    "finish_export",
    "options_for",
    "run_export",
    "start_export",
    "write_file",
]


class ExportFailed(AssistantError):
    """The file could not be written; the message says why (a column, the database)."""

    code = "export_failed"


class TooManyRows(InvalidInput):
    """The result is larger than one export may be (``ASSISTANT_MAX_EXPORT_ROWS``)."""

    code = "too_many_rows"


def check_size(conversation: Conversation, rows: int | None) -> None:
    """Refuse an export of more rows than ``max_export_rows``, before anything runs."""
    limit = conversation.settings.max_export_rows
    if rows is not None and rows > limit:
        raise TooManyRows(
            f"The result has {rows:,} rows; one export holds at most {limit:,}. "
            "Narrow the query (a WHERE clause or a LIMIT) and export again."
        )


def export_info(row: Export, conversation: Conversation) -> ExportInfo:
    """The chat's view of an export row (``path`` absolute when there is a file)."""
    path = None
    if row.file_path is not None:
        path = str((conversation.settings.storage_dir / row.file_path).resolve())
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
        eta_seconds=_eta(row, conversation.clock()),
        error=row.error,
        created_at=row.created_at,
        notes=row.notes or [],
    )


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


def run_export(
    conversation: Conversation,
    request: ExportRequest,
    run: QueryRun,
    now: dt.datetime,
    *,
    retry: str | None = None,
) -> ExportInfo:
    """Export ``run``'s result as ``request`` asks, inline; raise ExportFailed on failure.

    ``retry`` names a requeued export to run again under its own id."""
    assert request.format is not None
    row_id = start_export(conversation, request, request.format.value, now, run, retry=retry)
    folder = export_folder(conversation.settings.storage_dir, row_id)
    try:
        result = write_file(conversation, request, run, now, folder)
    except (ExporterError, OSError) as exc:
        fail_export(conversation, row_id, str(exc))
        raise ExportFailed(str(exc)) from exc
    return finish_export(conversation, row_id, result.path.name, result.rows, result.bytes,
                         result.sha256, result.notes)  # fmt: skip


def write_file(
    conversation: Conversation,
    request: ExportRequest,
    run: QueryRun,
    now: dt.datetime,
    folder: Path,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Re-run ``run``'s query and write its file into ``folder`` as ``request`` asks.

    The name says what and when (``orders-2026-11-18.csv``, the day in the user's zone);
    the file appears under it only when whole.
    """
    assert request.format is not None
    with conversation.source.open(run.sql) as stream:
        day = now.astimezone(ZoneInfo(conversation.timezone)).date()
        name = file_name(stem_for(stream.query.tables, day), request.format, request.compression)
        return export(
            stream, folder / name, request.format, options_for(conversation, request),
            query=run.question or run.sql, rows_total=run.row_count,
            progress=progress, cancel=cancel,
        )  # fmt: skip


def options_for(conversation: Conversation, request: ExportRequest) -> dict[str, Any]:
    """The exporter options for ``request``: the user's saved ones for its format, then its own."""
    with conversation.sessions() as session:
        saved = read_preferences(session, conversation.user_id)
    return export_options(saved, request)


def start_export(
    conversation: Conversation,
    request: ExportRequest,
    format: str,
    now: dt.datetime,
    run: QueryRun | None = None,
    *,
    retry: str | None = None,
    queued: bool = False,
    run_ids: list[str] | None = None,
    runner: str | None = None,
) -> str:
    """Record a new running (or ``queued``) export and its audit entry; return its id.

    ``retry`` names a requeued export (:func:`assistant.store.requeue`) to start again
    instead: same id, same request, a new attempt in the audit log. ``run_ids`` are the
    query runs a batch holds. ``runner`` names a runner whose workers claim the export
    from the store (``celery``); otherwise this process runs it and is recorded."""
    user_id = conversation.user_id
    status = ExportStatus.QUEUED if queued else ExportStatus.RUNNING
    started = None if queued else now
    worker = None if runner else process_identity()
    with conversation.sessions.begin() as session:
        if retry is not None:
            row = session.get(Export, retry)
            assert row is not None and row.status is ExportStatus.QUEUED
            row.status = status
            row.rows_total = None if run is None else run.row_count
            row.started_at = started
            row.worker = worker
            row.runner = runner
            audit(session, AuditAction.EXPORT_RETRIED, user_id=user_id, export_id=row.id,
                  query_run_id=row.query_run_id, at=now, details={"format": format})  # fmt: skip
            return row.id
        row = Export(
            owner_id=user_id, conversation_id=conversation.id,
            query_run_id=None if run is None else run.id,
            request=request.model_dump(mode="json"), format=format,
            status=status, rows_total=None if run is None else run.row_count,
            created_at=now, started_at=started, worker=worker, run_ids=run_ids, runner=runner,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit(session, AuditAction.EXPORT_CREATED, user_id=user_id, export_id=row.id,
              query_run_id=row.query_run_id, at=now, details={"format": format})  # fmt: skip
        return row.id


def fail_export(conversation: Conversation, export_id: str, message: str) -> None:
    """Mark the export failed with ``message`` (what the person reads) and audit it."""
    with conversation.sessions.begin() as session:
        failed = session.get(Export, export_id)
        assert failed is not None
        record_ended(session, failed, ExportStatus.FAILED, message, conversation.clock())


def finish_export(
    conversation: Conversation,
    export_id: str,
    name: str,
    rows: int,
    size: int,
    sha256: str,
    notes: Sequence[str] = (),
) -> ExportInfo:
    """Mark the export done with its file ``storage/<id>/<name>``; it expires after the TTL.

    ``notes`` say what the file could not hold exactly (shown with the file)."""
    ttl = dt.timedelta(hours=conversation.settings.file_ttl_hours)
    with conversation.sessions.begin() as session:
        done = session.get(Export, export_id)
        assert done is not None
        record_done(session, done, name, rows, size, sha256, conversation.clock(), ttl, notes)
    return export_info(done, conversation)
