"""Schedules of one user: create, list, change, pause, delete — through their scope.

Every function takes the owner's :class:`~assistant.scope.engine.Conversation`, so another
user's schedule answers like a missing one (:class:`~assistant.errors.NotFound`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.errors import NotFound
from assistant.schedules.cron import describe, next_fire
from assistant.schedules.deliver import check_destination
from assistant.schedules.models import (
    Destination,
    RunInfo,
    ScheduleInfo,
    SchedulePatch,
    ScheduleSpec,
)
from assistant.scope import UserScope
from assistant.store import Schedule, ScheduleRun, get_owned
from intents.models import ExportRequest

__all__ = ["create", "delete", "get", "list_all", "run_info", "schedule_info", "update"]

_DESTINATION: TypeAdapter[Destination] = TypeAdapter(Destination)
#: How many of a schedule's latest runs its info shows.
RECENT_RUNS = 10


def create(scope: UserScope, spec: ScheduleSpec) -> ScheduleInfo:
    """Store ``spec`` for the conversation's user; it first fires at its next cron time."""
    check_destination(scope.settings, spec.destination)  # no webhook to a private address
    now = scope.clock()
    name = spec.name or _name(spec)
    with scope.sessions.begin() as session:
        row = Schedule(
            owner_id=scope.user_id,
            conversation_id=scope.conversation_id,
            name=name,
            request=spec.request.model_dump(mode="json"),
            cron=spec.cron,
            timezone=spec.timezone,
            destination=spec.destination.model_dump(mode="json"),
            active=spec.active,
            created_at=now,
            next_run_at=next_fire(spec.cron, ZoneInfo(spec.timezone), now) if spec.active else None,
        )
        session.add(row)
        session.flush()
        return schedule_info(session, row)


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
        return [schedule_info(session, row) for row in rows]


def get(scope: UserScope, schedule_id: str) -> ScheduleInfo:
    with scope.sessions() as session:
        return schedule_info(session, get_owned(session, Schedule, schedule_id, scope.user_id))


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
    """Apply ``patch``; pausing clears the next run, resuming sets it from now."""
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
        row.next_run_at = next_fire(row.cron, ZoneInfo(row.timezone), now) if row.active else None
        session.flush()
        return schedule_info(session, row)


def delete(scope: UserScope, schedule_id: str) -> None:
    """Delete the schedule and its run history (exports it made stay in the history)."""
    with scope.sessions.begin() as session:
        session.delete(get_owned(session, Schedule, schedule_id, scope.user_id))


def schedule_info(session: Session, row: Schedule) -> ScheduleInfo:
    runs = session.scalars(
        select(ScheduleRun)
        .where(ScheduleRun.schedule_id == row.id)
        .order_by(ScheduleRun.due_at.desc(), ScheduleRun.id.desc())
        .limit(RECENT_RUNS)
    ).all()
    return ScheduleInfo(
        id=row.id,
        name=row.name,
        cron=row.cron,
        description=describe(row.cron),
        timezone=row.timezone,
        request=ExportRequest.model_validate(row.request),
        destination=_DESTINATION.validate_python(row.destination),
        active=row.active,
        next_run_at=row.next_run_at,
        runs=[_run_info(r) for r in runs],
    )


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
