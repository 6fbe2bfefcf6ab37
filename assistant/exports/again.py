"""Exports made again: retry one that failed, cancel one that runs, or make one anew.

Retry runs a failed, cancelled, interrupted or expired export again, under its own id.
The export row keeps the request and the query run it came from, so a retry re-runs the
same SQL (through the guard, in a fresh read-only snapshot) into the same kind of file:
inline or in the background by size, like the first attempt. The audit log gains an
``export_retried`` entry; the earlier failure stays recorded. A retry, like an export
made again, spends the user's export budget: a retry refused by it leaves the export as
it was (failed, cancelled or expired), not requeued.

Cancel stops a queued or running background export of this process's job runner: it
ends at its next batch and leaves no file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.exports.background import export_query_run
from assistant.exports.bundles import export_past
from assistant.exports.records import export_status, fail_export
from assistant.replies import Reply
from assistant.scope import UserScope
from assistant.store import Export, ExportStatus, QueryRun, get_owned, requeue
from intents.models import ExportRequest, Target

__all__ = ["cancel_export", "export_again", "retry_export"]

_LIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)
_RETRYABLE = (ExportStatus.FAILED, ExportStatus.CANCELLED, ExportStatus.EXPIRED)


def retry_export(scope: UserScope, export_id: str | None = None) -> Reply:
    """Retry ``export_id`` (default: the user's latest retryable export) and say how it went.

    Another user's export answers like a missing one (:class:`~assistant.errors.NotFound`);
    one that is queued, running or done is a :class:`~assistant.errors.Conflict`.
    """
    now = scope.clock()
    with scope.sessions.begin() as session:
        export_id = export_id or _latest(session, scope.user_id, _RETRYABLE)
        if export_id is None:
            return Reply(text="There is no failed or cancelled export to retry.")
        row = get_owned(session, Export, export_id, scope.user_id)
        requeue(row)  # a Conflict for one that is live or done: nothing spent
        # Inside the transaction: TooManyRequests rolls the requeue back.
        scope = scope.spend_export()
        session.flush()  # before _again lets go of the row
        again = _again(session, row)
    reply = _run(scope, again, now, retry=export_id)
    with scope.sessions() as session:
        status = session.scalar(select(Export.status).where(Export.id == export_id))
    if status is ExportStatus.QUEUED and reply.export is None:  # it never started
        fail_export(scope, export_id, reply.text)
    what = reply.export.label(scope.zone) if reply.export else "the export"
    return reply.model_copy(update={"text": f"Retrying {what}. {reply.text}"})


def export_again(scope: UserScope, export_id: str) -> Reply:
    """A new export made as ``export_id`` was (its request, its query, fresh data).

    Works for any export of the user's, finished or not; the old one stays as it is."""
    with scope.sessions() as session:
        again = _again(session, get_owned(session, Export, export_id, scope.user_id))
    return _run(scope.spend_export(), again, scope.clock())


@dataclass(frozen=True)
class _Again:
    """What it takes to make an export again, read from its row."""

    request: ExportRequest
    run: QueryRun | None
    chosen: list[QueryRun]
    workbook: bool | None


def _again(session: Session, row: Export) -> _Again:
    request = ExportRequest.model_validate(row.request)
    run = None if row.query_run_id is None else session.get(QueryRun, row.query_run_id)
    chosen = [r for r in (session.get(QueryRun, i) for i in row.run_ids or ()) if r]
    session.expunge_all()
    # A bundle keeps its shape: an Excel history was a workbook unless it was a ZIP.
    workbook = row.format == "xlsx" if request.target is Target.HISTORY else None
    return _Again(request, run, chosen, workbook)


def _run(scope: UserScope, again: _Again, now: dt.datetime, *, retry: str | None = None) -> Reply:
    if again.run is None:
        return export_past(
            scope,
            again.request,
            now,
            retry=retry,
            runs=again.chosen or None,
            workbook=again.workbook,
        )
    return export_query_run(scope, again.request, again.run, now, retry=retry)


def cancel_export(scope: UserScope, export_id: str | None = None) -> Reply:
    """Cancel ``export_id`` (default: the user's latest queued or running export)."""
    with scope.sessions() as session:
        export_id = export_id or _latest(session, scope.user_id, _LIVE)
        if export_id is None:
            return Reply(text="No export is running, so there is nothing to cancel.")
        row = get_owned(session, Export, export_id, scope.user_id)
        status = row.status
    name = export_status(scope, export_id).label(scope.zone)
    if status not in _LIVE:
        return Reply(text=f"{name} is already {status.value}; nothing to cancel.")
    if not scope.jobs.cancel(export_id):
        return Reply(
            text=f"{name} is run by another process of the assistant; "
            "cancel it where it was started."
        )
    return Reply(
        text=f"Cancelling {name}: it stops at its next batch and keeps no file.",
        export=export_status(scope, export_id),
    )


def _latest(session: Session, user_id: int, statuses: tuple[ExportStatus, ...]) -> str | None:
    """The id of the user's newest export in one of ``statuses``."""
    return session.scalar(
        select(Export.id)
        .where(Export.owner_id == user_id, Export.status.in_(statuses))
        .order_by(Export.created_at.desc(), Export.id.desc())
        .limit(1)
    )
