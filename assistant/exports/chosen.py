"""Which query runs an export holds: one recorded run or new SQL; for a bundle, the
runs named or every run in a time window.

Each export and its dry run read a caller's choice the same way, so a plan is refused
for exactly what the export itself would refuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.errors import Conflict, InvalidInput
from assistant.scope import UserScope
from assistant.store import QueryRun, get_owned
from intents.models import ExportRequest, Target


@dataclass(frozen=True)
class BundleChoice:
    """The results a caller chose for a bundle: ``query_ids``, or the window ``since``..
    ``until``; and whether they go into one workbook (else a ZIP of files)."""

    query_ids: list[str] | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    workbook: bool = False


def one_of(query_id: str | None, sql: str | None) -> None:
    """A single export is of a recorded run or of new SQL: InvalidInput otherwise."""
    if (query_id is None) == (sql is None):
        raise InvalidInput("Give either query_id or sql, not both and not neither.")


def recorded_run(scope: UserScope, query_id: str) -> QueryRun:
    """The caller's query run ``query_id`` (NotFound for anyone else's), with a result."""
    with scope.sessions() as session:
        run = get_owned(session, QueryRun, query_id, scope.user_id)
    if run.error:
        raise Conflict(f"Query {run.id} failed ({run.error}); there is nothing to export.")
    return run


def named_runs(scope: UserScope, choice: BundleChoice) -> list[QueryRun] | None:
    """The runs ``choice`` names (the caller's own, none failed), or None when its window
    chooses instead; InvalidInput for neither or both."""
    query_ids, since, until = choice.query_ids, choice.since, choice.until
    if query_ids is None:
        if since is None:
            raise InvalidInput("Give query_ids, or since (and optionally until) for a window.")
        return None
    if since is not None or until is not None:
        raise InvalidInput("Give either query_ids or since/until, not both.")
    if not query_ids:
        raise InvalidInput("query_ids is empty: name at least one query to export.")
    with scope.sessions() as session:
        runs = [get_owned(session, QueryRun, i, scope.user_id) for i in query_ids]
    failed = [run.id for run in runs if run.error]
    if failed:
        raise Conflict(f"These queries failed and have no result: {', '.join(failed)}.")
    return runs


def window_request(request: ExportRequest, scope: UserScope, choice: BundleChoice) -> ExportRequest:
    """``request`` for the user's past results in ``choice``'s window."""
    return request.model_copy(
        update={
            "target": Target.HISTORY,
            "since": _wall_clock(choice.since, scope),
            "until": _wall_clock(choice.until, scope),
        }
    )


def _wall_clock(moment: dt.datetime | None, scope: UserScope) -> dt.datetime | None:
    """A request's window is wall-clock time in the user's zone (contracts/intents.md)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(scope.zone).replace(tzinfo=None)
