"""The API's dry run: the export plan of ``POST /api/exports`` (and ``/batch``) without
the export.

Nothing is recorded (no query run, no export, no audit entry) and the export budget is
not spent: a script may ask what an export would be before deciding to start it. New
``sql`` is checked by the guard and counted; on PostgreSQL a count slower than
``ASSISTANT_PLAN_COUNT_SECONDS`` gives way to the planner's estimate (EXPLAIN's
"Plan Rows"), marked as one. A query run's own count (``query_id``) is exact: its
preview counted it.
"""

from __future__ import annotations

from assistant.errors import NothingToExport
from assistant.exports.bundles import runs_asked
from assistant.exports.chosen import (
    BundleChoice,
    named_runs,
    one_of,
    recorded_run,
    window_request,
)
from assistant.exports.plan import ExportPlan, PlanPart, plan_export
from assistant.scope import UserScope
from exporters import (
    CheckedQuery,
    QueryTimeout,
    TimeLimits,
    check_query,
    count_rows,
    estimate_rows,
)
from intents.models import ExportRequest

__all__ = ["COUNT_LIMIT", "plan_batch", "plan_query"]

#: The setting a dry run's count is bounded by (named in its timeout's message).
COUNT_LIMIT = "ASSISTANT_PLAN_COUNT_SECONDS"


def plan_query(
    scope: UserScope,
    request: ExportRequest,
    *,
    query_id: str | None = None,
    sql: str | None = None,
) -> ExportPlan:
    """The plan of exporting a recorded query run (``query_id``) or new ``sql``."""
    one_of(query_id, sql)
    if sql is not None:
        checked = check_query(sql, scope.dialect)
        rows, estimated = _counted(scope, checked)
        part = PlanPart("sql", checked.sql, rows, estimated)
    else:
        assert query_id is not None
        run = recorded_run(scope, query_id)
        part = PlanPart(run.question or run.sql, run.sql, run.row_count)
    return plan_export(scope, request, [part])


def plan_batch(
    scope: UserScope,
    request: ExportRequest,
    choice: BundleChoice,
) -> ExportPlan:
    """The plan of a bundle: one part per chosen query run, or per run in a window; a ZIP
    of files, or (``workbook``) one workbook with a sheet per part."""
    runs = named_runs(scope, choice)
    if runs is None:
        runs = runs_asked(scope, window_request(request, scope, choice))
    if not runs:
        raise NothingToExport(
            "You ran no queries in that time window, so there is nothing to export. "
            "Ask a question first, like “show orders”."
        )
    parts = [
        PlanPart(f"{index:02d} {run.question or run.sql}", run.sql, run.row_count)
        for index, run in enumerate(runs, start=1)
    ]
    return plan_export(scope, request, parts, zipped=not choice.workbook)


def _counted(scope: UserScope, checked: CheckedQuery) -> tuple[int, bool]:
    """(rows, estimated): counted; on PostgreSQL, a count slower than the plan's limit is
    the planner's estimate instead (SQLite has none: its count has the query's limit)."""
    url = scope.source.url
    if scope.dialect != "postgres":
        return count_rows(url, checked, timeout=scope.source.limits), False
    seconds = scope.settings.plan_count_seconds
    try:
        limit = TimeLimits(seconds, seconds, COUNT_LIMIT, COUNT_LIMIT)
        return count_rows(url, checked, timeout=limit), False
    except QueryTimeout:
        estimate = estimate_rows(url, checked, timeout=scope.source.limits)
        if estimate is None:  # pragma: no cover - PostgreSQL always plans
            raise
        return estimate, True
