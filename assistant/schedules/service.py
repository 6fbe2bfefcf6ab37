"""Schedules of one user: create, list, change, pause, delete — through their scope.

Every function takes the owner's :class:`~assistant.scope.engine.Conversation`, so another
user's schedule answers like a missing one (:class:`~assistant.errors.NotFound`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.errors import NotFound, Unanswerable
from assistant.schedules.cron import describe, next_fire
from assistant.schedules.deliver import check_destination, check_email_set_up
from assistant.schedules.models import (
    Destination,
    RunInfo,
    ScheduleInfo,
    SchedulePatch,
    ScheduleSpec,
)
from assistant.schedules.only_new import check_cursor
from assistant.schedules.windows import Reading, question_reading, read_at, window_words
from assistant.scope import UserScope
from assistant.store import Schedule, ScheduleRun, get_owned
from intents.models import ExportRequest

__all__ = ["create", "delete", "get", "list_all", "run_info", "schedule_info", "update"]

_DESTINATION: TypeAdapter[Destination] = TypeAdapter(Destination)
#: How many of a schedule's latest runs its info shows.
RECENT_RUNS = 10


def create(scope: UserScope, spec: ScheduleSpec, *, reading: Reading | None = None) -> ScheduleInfo:
    """Store ``spec`` for the conversation's user; it first fires at its next cron time.

    ``reading`` is the question each run reads afresh instead of running the request's
    query as stored (:mod:`~assistant.schedules.windows`): the chat passes it, never the
    API body. A query the API stored in plain words gets its reading here
    (:func:`~assistant.schedules.windows.question_reading`); the chat stores SQL."""
    check_destination(scope.settings, spec.destination)  # no webhook to a private address
    if reading is None and spec.request.query:
        reading = question_reading(scope, spec.request.query, ZoneInfo(spec.timezone))
    check_cursor(scope, spec, reading)  # only new rows: by a column that says so
    now = scope.clock()
    name = spec.name or _name(spec)
    with scope.sessions.begin() as session:
        row = Schedule(
            owner_id=scope.user_id,
            conversation_id=scope.conversation_id,
            name=name,
            request=spec.request.model_dump(mode="json"),
            question=None if reading is None else reading.question,
            dialect=None if reading is None else reading.dialect,
            cron=spec.cron,
            timezone=spec.timezone,
            destination=spec.destination.model_dump(mode="json"),
            active=spec.active,
            skip_empty=spec.skip_empty,
            created_at=now,
            next_run_at=next_fire(spec.cron, ZoneInfo(spec.timezone), now) if spec.active else None,
        )
        session.add(row)
        session.flush()
        return schedule_info(session, row, scope)


def _name(spec: ScheduleSpec) -> str:
    what = spec.request.query or "export"
    fmt = spec.request.format.value if spec.request.format else ""
    return f"{what[:120]} as {fmt}, {describe(spec.cron)}".strip()


def list_all(scope: UserScope) -> list[ScheduleInfo]:
    """The user's schedules, oldest first."""
    with scope.sessions() as session:
        rows = session.scalars(
            select(Schedule)
            .where(Schedule.owner_id == scope.user_id)
            .order_by(Schedule.created_at, Schedule.id)
        ).all()
        return [schedule_info(session, row, scope) for row in rows]


def get(scope: UserScope, schedule_id: str) -> ScheduleInfo:
    with scope.sessions() as session:
        return schedule_info(
            session, get_owned(session, Schedule, schedule_id, scope.user_id), scope
        )


def run_info(scope: UserScope, schedule_id: str, run_id: int) -> RunInfo:
    """One run of the user's schedule, by its id: a run fired now is found even when more
    than the schedule's latest :data:`RECENT_RUNS` were fired since."""
    with scope.sessions() as session:
        get_owned(session, Schedule, schedule_id, scope.user_id)
        run = session.get(ScheduleRun, run_id)
        if run is None or run.schedule_id != schedule_id:
            raise NotFound(f"Schedule {schedule_id} has no run {run_id}.")
        return _run_info(run)


def update(scope: UserScope, schedule_id: str, patch: SchedulePatch) -> ScheduleInfo:
    """Apply ``patch``; pausing clears the next run, resuming sets it from now.

    Resuming an email schedule without a mail server is refused (:class:`EmailNotSetUp`)
    and changes nothing: the transaction is rolled back with the error."""
    if patch.destination is not None:
        check_destination(scope.settings, patch.destination)  # as create does
    now = scope.clock()
    with scope.sessions.begin() as session:
        row = get_owned(session, Schedule, schedule_id, scope.user_id)
        for field in ("name", "cron", "timezone", "active"):
            value = getattr(patch, field)
            if value is not None:
                setattr(row, field, value)
        if patch.destination is not None:
            row.destination = patch.destination.model_dump(mode="json")
        if patch.active and patch.destination is None:  # resumed: it must be able to send
            check_email_set_up(scope.settings, _DESTINATION.validate_python(row.destination))
        row.next_run_at = next_fire(row.cron, ZoneInfo(row.timezone), now) if row.active else None
        session.flush()
        return schedule_info(session, row, scope)


def delete(scope: UserScope, schedule_id: str) -> None:
    """Delete the schedule and its run history (exports it made stay in the history)."""
    with scope.sessions.begin() as session:
        session.delete(get_owned(session, Schedule, schedule_id, scope.user_id))


def schedule_info(session: Session, row: Schedule, scope: UserScope | None = None) -> ScheduleInfo:
    """What the API and the chat show of ``row``; with the owner's ``scope`` also its
    window in words and the SQL of its next run (the scheduler, which needs neither,
    passes none)."""
    runs = session.scalars(
        select(ScheduleRun)
        .where(ScheduleRun.schedule_id == row.id)
        .order_by(ScheduleRun.due_at.desc(), ScheduleRun.id.desc())
        .limit(RECENT_RUNS)
    ).all()
    request = ExportRequest.model_validate(row.request)
    reading = None if row.question is None else Reading(row.question, row.dialect)
    window, next_sql = (None, None) if scope is None else _next(scope, row, request, reading)
    return ScheduleInfo(
        id=row.id,
        name=row.name,
        cron=row.cron,
        description=describe(row.cron),
        timezone=row.timezone,
        request=request,
        destination=_DESTINATION.validate_python(row.destination),
        active=row.active,
        only_new=request.only_new,
        skip_empty=row.skip_empty,
        next_run_at=row.next_run_at,
        question=row.question,
        window=window,
        next_sql=next_sql,
        runs=[_run_info(r) for r in runs],
    )


def _next(
    scope: UserScope, row: Schedule, request: ExportRequest, reading: Reading | None
) -> tuple[str | None, str | None]:
    """The window in words and the next run's SQL (as of now when paused).

    Without a reading the stored query runs: SQL as it is; a question the API stored as
    the query is shown as the rules read it then (with an LLM configured, the LLM writes
    the run's SQL, so that one is known only when it runs)."""
    zone = ZoneInfo(row.timezone)
    moment: dt.datetime = row.next_run_at or scope.clock()
    when = "next run" if row.next_run_at is not None else "if run now"
    read = reading or Reading(request.query or "")
    try:
        next_sql: str | None = read_at(scope, read, moment, zone).sql
    except Unanswerable:
        next_sql = None  # said when it runs; the info still shows
    return None if reading is None else window_words(reading, moment, zone, when), next_sql


def _run_info(run: ScheduleRun) -> RunInfo:
    return RunInfo(
        due_at=run.due_at,
        status=run.status.value,
        attempts=run.attempts,
        rows=run.rows,
        bytes=run.bytes,
        export_id=run.export_id,
        error=run.error,
        finished_at=run.finished_at,
    )
