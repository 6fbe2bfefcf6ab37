"""Large exports in the background: submit to the job runner, persist what it reports.

An export of more rows than ``settings.inline_export_rows`` is queued on the scope's
:class:`~assistant.jobs.JobRunner` (the in-process pool by default), at most
``max_running_exports_per_user`` running per user. The runner persists nothing itself;
:class:`ExportEvents` writes each :class:`~assistant.jobs.JobEvent` to the export's row:
``running`` with its start, progress (rows done of total), then ``done`` with the file,
``failed`` with the reason or ``cancelled`` (the exporter removes its temporary file, so
a cancelled export leaves no file). The job id is the export id.
"""

from __future__ import annotations

import datetime as dt

from assistant.exports.records import (
    NewExport,
    check_size,
    export_info,
    fail_export,
    finish_export,
    queue_text,
    start_export,
)
from assistant.exports.sizes import size_warning
from assistant.exports.wording import not_done, said_back, said_in_words
from assistant.exports.writing import run_export, write_file
from assistant.files import export_folder
from assistant.jobs import JobControl, JobEvent, JobEventKind, JobHandle, JobState
from assistant.replies import ExportInfo, Reply
from assistant.scope import UserScope
from assistant.store import Export, ExportStatus, QueryRun, record_ended
from exporters import ExportResult, Progress
from intents.models import ExportRequest

__all__ = [
    "ExportEvents",
    "export_in_background",
    "export_query_run",
    "file_text",
    "in_background",
    "submit_export",
    "waited",
]


class ExportEvents:
    """The runner's listener for one export: each job event written to its row.

    Another API process of the deployment (``serve --workers N``) cannot reach this
    process's runner; to stop one of its exports it flags the row (``cancel_requested``,
    see :func:`assistant.exports.operations.delete_export`), and the export stops here at
    its next step, as if cancelled in this process."""

    def __init__(self, scope: UserScope) -> None:
        self.scope = scope

    def __call__(self, event: JobEvent) -> None:
        scope = self.scope
        if event.state is JobState.done and isinstance(event.result, ExportResult):
            result = event.result
            finish_export(
                scope,
                event.job_id,
                result.path.name,
                result.rows,
                result.bytes,
                result.sha256,
                result.notes,
            )
        elif event.state is JobState.failed:
            fail_export(scope, event.job_id, event.error or "the export failed")
        elif event.state is JobState.cancelled:
            self._cancelled(event)
        elif event.state is JobState.running:
            with scope.sessions.begin() as session:
                row = session.get(Export, event.job_id)
                if row is None:
                    return
                stop = row.cancel_requested
                if event.kind is JobEventKind.state:
                    row.status = ExportStatus.RUNNING
                    row.started_at = scope.clock()
                row.rows_done = event.rows_done
                if event.rows_total is not None:
                    row.rows_total = event.rows_total
            if stop:  # asked by another process: it ends "cancelled" at its next batch
                scope.jobs.cancel(event.job_id)

    def _cancelled(self, event: JobEvent) -> None:
        scope = self.scope
        with scope.sessions.begin() as session:
            row = session.get(Export, event.job_id)
            if row is None:
                return
            row.rows_done = event.rows_done
            reason = event.error or "cancelled"
            record_ended(session, row, ExportStatus.CANCELLED, reason, scope.clock())
        folder = scope.settings.storage_dir / event.job_id
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def submit_export(
    scope: UserScope,
    request: ExportRequest,
    run: QueryRun,
    now: dt.datetime,
    *,
    retry: str | None = None,
) -> tuple[ExportInfo, JobHandle[ExportResult]]:
    """Queue ``run``'s export as ``request`` asks; return the queued export and its job.

    ``retry`` names a requeued export to run again under its own id."""
    assert request.format is not None
    runner = scope.jobs
    new = NewExport(
        request, request.format.value, run, retry=retry, queued=True, runner=runner.store_runner
    )
    export_id = start_export(scope, new, now)
    with scope.sessions() as session:
        row = session.get(Export, export_id)
        assert row is not None

    def work(control: JobControl) -> ExportResult:
        def progress(step: Progress) -> None:
            control.progress(step.rows_done, step.rows_total)

        folder = export_folder(scope.settings.storage_dir, export_id)
        return write_file(
            scope, request, run, now, folder, progress=progress, cancel=control.cancel
        )

    if runner.store_runner is None:
        # Watched before it is submitted: the runner may report before submit() returns.
        # (A store runner's workers write the row themselves and report nothing here.)
        scope.events.watch(export_id, ExportEvents(scope))
    handle = runner.submit(str(scope.user_id), export_id, work)
    return export_info(row, scope), handle


def export_query_run(
    scope: UserScope,
    request: ExportRequest,
    run: QueryRun,
    now: dt.datetime,
    *,
    retry: str | None = None,
) -> Reply:
    """Export ``run``'s result: inline when small, otherwise on the job runner."""
    if in_background(scope, run):
        return export_in_background(scope, request, run, now, retry=retry)
    info = run_export(scope, request, run, now, retry=retry)
    return Reply(text=file_text(info, request), export=info)


def in_background(scope: UserScope, run: QueryRun) -> bool:
    """Whether ``run``'s export goes to the job runner: more rows than run inline, or a
    count not made yet (the job makes it); an export larger than any may be is refused
    here, before anything runs, when its count is known."""
    check_size(scope, run.row_count)
    return run.row_count is None or run.row_count > scope.settings.inline_export_rows


def export_in_background(
    scope: UserScope,
    request: ExportRequest,
    run: QueryRun,
    now: dt.datetime,
    *,
    retry: str | None = None,
) -> Reply:
    """Queue the export and say so; when the face waits (chat --json), reply with the file."""
    info, job = submit_export(scope, request, run, now, retry=retry)
    if not scope.wait_for_exports:
        warning = size_warning(scope, request, run)  # said now, not when the file is done
        return Reply(
            text=f"That is {_rows_said(scope, run)}, so I am exporting it in the background. "
            + queue_text(scope, info.id)
            + said_back(request)
            + (f" {warning}" if warning else ""),
            export=info,
        )
    info = waited(scope, info.id, job)
    if info.status != ExportStatus.DONE.value:
        return Reply(text=f"The export {info.status}: {info.error}", export=info)
    return Reply(text=file_text(info, request), export=info)


def _rows_said(scope: UserScope, run: QueryRun) -> str:
    if run.row_count is None:  # counted only as far as needed (assistant.exports.operations)
        return f"more than {scope.settings.inline_export_rows:,} rows"
    return f"{run.row_count:,} rows"


def waited(scope: UserScope, export_id: str, job: JobHandle[ExportResult]) -> ExportInfo:
    """The export as it stands once its job has ended (done, failed or cancelled)."""
    job.wait()
    with scope.sessions() as session:
        row = session.get(Export, export_id)
        assert row is not None
        return export_info(row, scope)


def file_text(info: ExportInfo, request: ExportRequest | None = None) -> str:
    """ "Here is your file …", the options said in chat in words ("CSV, semicolon-separated,
    with BOM, 3 columns"), what of them could not be done, and what the file could not
    hold exactly, when there is something."""
    rows = "1 row" if info.rows == 1 else f"{info.rows or 0:,} rows"
    said = said_in_words(request) if request is not None else ""
    text = f"Here is your file {info.file_name} ({rows}){': ' + said if said else ''}."
    if request is not None and (missing := not_done(request)):
        text += " Not done: " + "; ".join(missing) + "."
    masking = [note for note in info.notes or () if note.startswith(_MASK_NOTES)]
    for note in masking:  # "Masked: email (partially); hashed: name." (exporters.masking)
        text += f" {note[0].upper()}{note[1:]}."
    others = [note for note in info.notes or () if note not in masking]
    if others:
        text += " Note: " + "; ".join(others) + "."
    return text


_MASK_NOTES = ("masked: ", "hashed: ", "left out: ", "still masked by the admin's policy")
