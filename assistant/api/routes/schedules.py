"""Schedules: recurring exports delivered by email or webhook; ``run`` fires one now."""

from __future__ import annotations

from fastapi import APIRouter, Response

from assistant.api.deps import CurrentScope, Links, State
from assistant.api.errors import documented
from assistant.api.schemas import Id, ScheduleCreate, ScheduleUpdate
from assistant.schedules import RunInfo, ScheduleInfo, service
from assistant.schedules.deliver import check_email_set_up

router = APIRouter(tags=["schedules"])


@router.get("/api/schedules", responses=documented(401))
def list_schedules(scope: CurrentScope) -> list[ScheduleInfo]:
    """The caller's schedules, oldest first, each with its latest runs."""
    return service.list_all(scope)


@router.post("/api/schedules", status_code=201, responses=documented(400, 401, 413, 422))
def create(body: ScheduleCreate, scope: CurrentScope) -> ScheduleInfo:
    """Store a schedule: the request's query and export options run at each cron time
    (in ``timezone``) and the file goes to ``destination``."""
    return service.create(scope, body)


@router.get("/api/schedules/{schedule_id}", responses=documented(401, 404, 422))
def get(schedule_id: Id, scope: CurrentScope) -> ScheduleInfo:
    return service.get(scope, schedule_id)


@router.patch("/api/schedules/{schedule_id}", responses=documented(400, 401, 404, 413, 422))
def change(schedule_id: Id, body: ScheduleUpdate, scope: CurrentScope) -> ScheduleInfo:
    """Rename, re-time, redirect, pause (``active: false``) or resume a schedule."""
    return service.update(scope, schedule_id, body)


@router.delete("/api/schedules/{schedule_id}", status_code=204, responses=documented(401, 404, 422))
def delete(schedule_id: Id, scope: CurrentScope) -> Response:
    """Delete a schedule and its run history (the exports it made stay in the history)."""
    service.delete(scope, schedule_id)
    return Response(status_code=204)


@router.post("/api/schedules/{schedule_id}/run", responses=documented(401, 404, 409, 422, 429))
async def run_now(schedule_id: Id, state: State, scope: CurrentScope, links: Links) -> RunInfo:
    """Fire the schedule once now and answer how the run went (``done``, or ``retrying``
    with the error when the export or the delivery failed). The run and its delivery
    (webhook or email, each with its own timeout) take one of the caller's running
    queries on the heavy pool (429 over the cap); it counts against the caller's exports a
    minute like any export (429 with ``Retry-After``); while another run of the schedule
    is under way it answers 409; an email schedule without ``ASSISTANT_SMTP_URL`` answers
    422 before anything runs. The delivered link points at ``ASSISTANT_PUBLIC_URL``, else
    at the host this request came to."""

    def fire() -> RunInfo:
        info = service.get(scope, schedule_id)  # 404 for another user's or a missing id
        check_email_set_up(scope.settings, info.destination)
        fired = state.scheduler.run_now(schedule_id, link_base=links.base)
        return service.run_info(scope, schedule_id, fired.run_id)

    return await state.heavy.run(scope.user_id, fire)
