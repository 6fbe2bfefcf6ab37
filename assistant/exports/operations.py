"""The API's operations on a user's data, beside the chat: queries, exports, batches.

Each takes the user's :class:`~assistant.scope.UserScope` (from
:meth:`assistant.process.Assistant.scope`), so it uses the same guard, store, job runner,
per-user cap and export budget as the chat, and raises the engine's typed errors
(``InvalidInput``, ``NotFound``, ``Conflict``, ``TooManyRequests``, the exporter's
``QueryRejected``...), which the API maps to statuses in one place. An export or batch
spends the budget once its input is checked and before its query runs.
"""

from __future__ import annotations

import shutil
from typing import Any

from assistant.errors import Conflict, TooManyRows
from assistant.exports.background import export_query_run
from assistant.exports.bundles import export_history
from assistant.exports.chosen import (
    BundleChoice,
    named_runs,
    one_of,
    recorded_run,
    window_request,
)
from assistant.questions.runs import count_sql
from assistant.replies import ExportInfo
from assistant.scope import UserScope
from assistant.store import (
    AuditAction,
    Export,
    ExportStatus,
    audit,
    get_owned,
    record_ended,
    worker_alive,
)
from exporters import get_format, parse_options
from intents.models import ExportRequest, Format, Intent, Target

__all__ = ["TooManyRows", "create_batch", "create_export", "delete_export", "export_request"]


def export_request(format: Format, options: dict[str, Any] | None = None) -> ExportRequest:
    """An export request for the API's ``format`` and ``options``, checked up front.

    The options are validated by the exporter's model for the format now, so a bad key
    is a 400 before anything runs, not a failed export later."""
    options = dict(options or {})
    parse_options(get_format(format).options, options)
    return ExportRequest(
        intent=Intent.EXPORT, format=format, target=Target.LAST_RESULT, options=options
    )


def create_export(
    scope: UserScope,
    request: ExportRequest,
    *,
    query_id: str | None = None,
    sql: str | None = None,
) -> ExportInfo:
    """Export a recorded query run (``query_id``) or new ``sql``: inline when small,
    queued on the job runner otherwise (the answer then says ``queued``).

    New SQL is not previewed: its rows are counted up to ``inline_export_rows``, which
    is all the choice needs. A small result is then read (and typed) once, by the
    export itself; a larger one is left to the job, which counts it whole (the export's
    ``rows_total`` is null until then) and checks it against ``max_export_rows``."""
    one_of(query_id, sql)
    if sql is not None:
        scope = scope.spend_export()  # before the query runs: it is the export's work
        inline, limit = scope.settings.inline_export_rows, scope.settings.max_export_rows
        run = count_sql(scope, sql, at_most=inline)
        if run.row_count is None and limit <= inline:  # more than inline, so more than limit
            raise TooManyRows(
                f"The result has more than {inline:,} rows; one export holds at most "
                f"{limit:,}. Narrow the query (a WHERE clause or a LIMIT) and export again."
            )
    else:
        assert query_id is not None
        run = recorded_run(scope, query_id)
    scope = scope.spend_export()  # a recorded run's export (spent already for new sql)
    reply = export_query_run(scope, request, run, scope.clock())
    assert reply.export is not None
    return reply.export


def create_batch(
    scope: UserScope,
    request: ExportRequest,
    choice: BundleChoice,
) -> ExportInfo:
    """One bundle of several results: the chosen query runs, or every run in a window.

    A ZIP with a file per result and a ``manifest.json``, or (``workbook``, for xlsx) one
    workbook with a sheet per result."""
    runs = named_runs(scope, choice)
    scope = scope.spend_export()
    batch = window_request(request, scope, choice)
    return export_history(scope, batch, scope.clock(), runs=runs, workbook=choice.workbook)


def _ask_to_stop(scope: UserScope, export_id: str) -> bool:
    """Cancel an export another process of this deployment runs on its own pool (``serve
    --workers N`` without a broker): flag it, and that process stops it at its next step
    (:class:`~assistant.exports.background.ExportEvents`); if that process is gone, the
    export is cancelled here. False when it is not such an export (any more)."""
    if scope.jobs.store_runner is not None:  # workers' exports: the runner asked already
        return False
    with scope.sessions.begin() as session:
        row = get_owned(session, Export, export_id, scope.user_id)
        if row.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING) or row.runner:
            return False
        if worker_alive(row.worker):
            row.cancel_requested = True
        else:  # its process died: nobody will ever stop it but us
            record_ended(session, row, ExportStatus.CANCELLED, "cancelled", scope.clock())
    return True


def delete_export(scope: UserScope, export_id: str) -> str:
    """Cancel a queued or running export, or delete a finished one and its file.

    Answers what happened: ``"cancelled"`` or ``"deleted"``. The audit log keeps the record."""
    with scope.sessions.begin() as session:
        row = get_owned(session, Export, export_id, scope.user_id)
        if row.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            live = True
        else:
            live = False
            session.delete(row)
            audit(
                session,
                AuditAction.EXPORT_DELETED,
                user_id=scope.user_id,
                export_id=export_id,
                at=scope.clock(),
            )
    if live:
        if not scope.jobs.cancel(export_id) and not _ask_to_stop(scope, export_id):
            raise Conflict(f"Export {export_id} is run by another process; try again shortly.")
        return "cancelled"
    # The row is gone first, so no link or download can reach a half-removed folder.
    folder = (scope.settings.storage_dir / export_id).resolve()
    if folder.parent == scope.settings.storage_dir.resolve():
        shutil.rmtree(folder, ignore_errors=True)
    return "deleted"
