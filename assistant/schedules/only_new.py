"""A schedule that sends only new rows: its run's file, and its cursor moved on delivery.

Each schedule keeps its own cursor (``schedule:<id>``), apart from its owner's chat
exports of the same query. A run makes the file of the rows after the cursor up to the
last row now and *holds* that range with the export; the scheduler *settles* it in the
transaction that records the run done, after the delivery. A failed export or delivery
moves nothing: the retry sends the same file, a later run the same rows and any newer.

The first run is the baseline (every row). When nothing is new the run sends a file with
no rows saying so, or, when the schedule skips empty runs, nothing (recorded skipped).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from assistant.errors import InvalidInput
from assistant.exports.delta import Choices, schedule_key
from assistant.exports.newrows import count_new, cursor_for, hold, plan_delta, settle
from assistant.exports.records import check_size, export_info
from assistant.exports.writing import run_export
from assistant.replies import ExportInfo
from assistant.schedules.models import ScheduleInfo, ScheduleSpec
from assistant.schedules.windows import Reading, read_at
from assistant.scope import UserScope
from assistant.store import Export, QueryRun
from intents.models import ExportRequest

__all__ = ["check_cursor", "new_rows_export", "settle_run"]


def new_rows_export(
    scope: UserScope, info: ScheduleInfo, request: ExportRequest, run: QueryRun, now: dt.datetime
) -> ExportInfo | None:
    """The run's file of the rows new since the schedule's last delivery; None when none
    is new and the schedule skips empty runs. A cursor that cannot be chosen is an
    :class:`InvalidInput` naming the columns to choose from (``request.cursor_column``)."""
    delta = plan_delta(scope, run.sql, schedule_key(info.id), named=request.cursor_column)
    if isinstance(delta, Choices):
        raise InvalidInput(
            f"{delta.question()} Set the schedule's request.cursor_column to one of them."
        )
    if delta.empty and info.skip_empty:
        return None
    rows = count_new(scope, delta)
    check_size(scope, rows)
    only = QueryRun(id=run.id, owner_id=run.owner_id, question=run.question, sql=delta.sql,
                    columns=list(run.columns), row_count=rows)  # fmt: skip
    made = run_export(scope, request, only, now)
    said = delta.said(made.rows or 0) if not delta.empty else delta.said(0)
    with scope.sessions.begin() as session:
        row = session.get(Export, made.id)
        assert row is not None
        row.notes = [*(row.notes or []), delta.range_note(), said]
        hold(session, scope.user_id, delta, made.id, info.id)
        session.flush()
        return export_info(row, scope)


def check_cursor(scope: UserScope, spec: ScheduleSpec, reading: Reading | None) -> None:
    """Refuse, before it is stored, an only-new schedule whose result has no obvious
    column saying a row is new and names none (:class:`InvalidInput` with the choices)."""
    request = spec.request
    if not request.only_new:
        return
    zone = ZoneInfo(spec.timezone)
    sql = read_at(scope, reading or Reading(request.query or ""), scope.clock(), zone).sql
    chosen = cursor_for(scope, sql, request.cursor_column)
    if isinstance(chosen, Choices):
        raise InvalidInput(f"{chosen.question()} Name it as the schedule's request.cursor_column.")


def settle_run(
    session: Session, owner: int, info: ScheduleInfo, export_id: str, now: dt.datetime
) -> None:
    """The run's file was delivered: move the schedule's cursor (in ``session``'s
    transaction, the one recording the run done)."""
    if info.request.only_new:
        settle(session, owner, schedule_key(info.id), export_id, now)
