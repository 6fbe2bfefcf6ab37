"""Writing one query run's file: the SQL re-run through the guard, then the exporter.

The query is re-run through :meth:`DataSource.open` (guarded, read-only, streamed in one
transaction, so the file is a consistent snapshot) and written by
:func:`exporters.export`, which only puts the file under its final name once it is whole.
A sort said in chat orders the query itself, and renamed columns are matched to the
result's names (:mod:`assistant.exports.said`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import update

from assistant.errors import TooManyRows
from assistant.exports.records import NewExport, failing, finish_export, start_export
from assistant.exports.said import (
    mask_columns,
    order_by,
    resolve_masks,
    resolve_rename,
    sort_keys,
)
from assistant.exports.wording import titled
from assistant.files import export_folder, file_name, stem_for
from assistant.replies import ExportInfo
from assistant.scope import UserScope
from assistant.source.policy import strongest
from assistant.store import QueryRun
from assistant.store.preferences import export_options, read_preferences
from exporters import CancelToken, ExportResult, MaskKind, Progress, export
from intents.models import ExportRequest

__all__ = ["count_rows", "options_for", "policy_kept", "run_export", "with_masks", "write_file"]


def run_export(
    scope: UserScope,
    request: ExportRequest,
    run: QueryRun,
    now: dt.datetime,
    *,
    retry: str | None = None,
) -> ExportInfo:
    """Export ``run``'s result as ``request`` asks, inline; raise ExportFailed on failure.

    ``retry`` names a requeued export to run again under its own id."""
    assert request.format is not None
    new = NewExport(request, request.format.value, run, retry=retry)
    export_id = start_export(scope, new, now)
    with failing(scope, export_id):
        result = write_file(
            scope, request, run, now, export_folder(scope.settings.storage_dir, export_id)
        )
    return finish_export(
        scope,
        export_id,
        result.path.name,
        result.rows,
        result.bytes,
        result.sha256,
        result.notes,
        question=run.question,
    )


def write_file(
    scope: UserScope,
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
    the file appears under it only when whole. A run whose rows were not counted when it
    was asked for (new SQL exported over the API) is counted here first, off the request:
    the count gives the progress its total and refuses a result over ``max_export_rows``.
    """
    assert request.format is not None
    if run.row_count is None:
        count_rows(scope, run)
    options = titled(options_for(scope, request), request.format.value, run.question)
    sql = run.sql
    if request.options.get("sort") or options.get("rename"):
        sql, options = _as_said(scope, request, run, options)
    with scope.source.open(sql) as stream:
        day = now.astimezone(scope.zone).date()
        name = file_name(stem_for(stream.query.tables, day), request.format, request.compression)
        columns = stream.schema.names
        result = export(
            stream,
            folder / name,
            request.format,
            with_masks(scope, request, options, columns),
            query=run.question or run.sql,
            rows_total=run.row_count,
            progress=progress,
            cancel=cancel,
            mask_key=scope.source.policy.key,
        )
    kept = policy_kept(scope, request, columns)
    return dataclasses.replace(result, notes=(*result.notes, kept)) if kept else result


def with_masks(
    scope: UserScope,
    request: ExportRequest,
    options: dict[str, Any],
    columns: Sequence[str] | None,
) -> dict[str, Any]:
    """``options`` with the masks said in chat (matched to ``columns`` when known) and the
    admin's policy (:mod:`assistant.source.policy`); the exporter keeps the strongest."""
    said = resolve_masks(request.mask, columns) if request.mask else {}
    mask = strongest(options.get("mask") or {}, said, scope.source.policy.mask)
    return {**options, "mask": mask} if mask else options


def policy_kept(scope: UserScope, request: ExportRequest, columns: Sequence[str]) -> str | None:
    """ "email stays masked: ..." when the chat asked to unmask what the policy masks."""
    unmasked = {
        column
        for word, kind in (request.mask or {}).items()
        if kind is MaskKind.NONE
        for column in mask_columns(word, columns)
    }
    plan = scope.source.policy.plan(columns)
    kept = [
        f"{column} ({kind.words})"
        for column, kind in zip(columns, plan.kinds, strict=True)
        if column in unmasked and kind not in (None, MaskKind.NONE)
    ]
    if not kept:
        return None
    return "still masked by the admin's policy, which no request can lift: " + ", ".join(kept)


def count_rows(scope: UserScope, run: QueryRun) -> None:
    """Count ``run``'s rows, up to ``max_export_rows`` (:class:`TooManyRows` beyond), and
    keep the count on the run (so a batch or a retry of it is checked by its size)."""
    limit = scope.settings.max_export_rows
    rows = scope.source.count(run.sql, at_most=limit).rows
    if rows is None:
        raise TooManyRows(
            f"The result has more than {limit:,} rows; one export holds at most {limit:,}. "
            "Narrow the query (a WHERE clause or a LIMIT) and export again."
        )
    run.row_count = rows
    with scope.sessions.begin() as session:
        session.execute(update(QueryRun).where(QueryRun.id == run.id).values(row_count=rows))


def _as_said(
    scope: UserScope, request: ExportRequest, run: QueryRun, options: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """``run``'s SQL in the order said in chat, and ``options`` with renames matched."""

    def schema() -> pa.Schema:
        with scope.source.open(run.sql, batch_size=1) as stream:
            return stream.schema

    columns = list(run.columns) or schema().names
    if options.get("rename"):
        options = {**options, "rename": resolve_rename(options["rename"], columns)}
    sort = request.options.get("sort")
    if not sort:
        return run.sql, options
    keys = sort_keys(sort, columns, schema)
    return order_by(run.sql, keys, columns, scope.dialect), options


def options_for(scope: UserScope, request: ExportRequest) -> dict[str, Any]:
    """The exporter options for ``request``: the user's saved ones for its format, then its own."""
    with scope.sessions() as session:
        saved = read_preferences(session, scope.user_id)
    return export_options(saved, request)
