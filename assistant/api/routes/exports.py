"""Exports: create, list, follow (poll or SSE), cancel or delete, retry, batch, download.

Following an export is the API's most frequent request, so it is lean: the caller comes
from the key cache (:mod:`assistant.api.deps`), and the export is one narrow read of the
columns its view shows (:func:`~assistant.store.export_summary`), with no scope, no
relationship and no write.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import (
    AppState,
    CurrentScope,
    CurrentUser,
    LinkMaker,
    Links,
    State,
    app_state,
    link_maker,
    quick_read,
    read,
)
from assistant.api.download import file_response, safe_path
from assistant.api.errors import documented
from assistant.api.plans import plan_view
from assistant.api.schemas import (
    BatchCreate,
    ExportCreate,
    ExportPagePublic,
    ExportPublic,
    Id,
    PlanPublic,
)
from assistant.api.views import export_view
from assistant.errors import Conflict, NotFound
from assistant.exports.again import retry_export
from assistant.exports.chosen import BundleChoice
from assistant.exports.dry_run import plan_batch, plan_query
from assistant.exports.operations import create_batch, create_export, delete_export, export_request
from assistant.files.names import media_type_for
from assistant.scope import UserScope
from assistant.store import (
    AuditAction,
    Export,
    ExportStatus,
    SummaryPage,
    audit,
    export_summaries_page,
    export_summary,
    get_owned,
)

router = APIRouter(tags=["exports"])

#: The dry run's answer, beside the export's 201.
_PLANNED: dict[int | str, dict[str, Any]] = {
    200: {"model": PlanPublic, "description": "the plan (`dry_run`): nothing recorded or spent"}
}

#: How often the event stream looks at the export, and how long it stays quiet at most.
POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0


def _view(
    links: LinkMaker, store: Engine, user_id: int, export_id: str, now: dt.datetime
) -> ExportPublic:
    """Export ``export_id`` of ``user_id`` as the API shows it (NotFound for another's)."""
    with store.connect() as connection:
        row = export_summary(connection, export_id, user_id)
    return export_view(links, row, now)


def _scope_view(
    links: LinkMaker, state: AppState, scope: UserScope, export_id: str
) -> ExportPublic:
    return _view(links, state.assistant.store_engine, scope.user_id, export_id, scope.clock())


@router.post(
    "/api/exports",
    status_code=201,
    responses={**_PLANNED, **documented(400, 401, 404, 408, 409, 413, 422, 429, 502)},
)
async def create(
    body: ExportCreate, links: Links, caller: CurrentUser, state: State, response: Response
) -> ExportPublic | PlanPublic:
    """Export a query run (``query_id``) or new ``sql`` in ``format``.

    Small results are written before the answer (``done``, with ``download_url``);
    larger ones answer ``queued`` and run in the background. Starting one runs on the
    heavy pool (not counted in the caller's running queries: the rate limit and the cap
    on running exports hold exports). With ``"dry_run": true`` it answers 200 with the
    export's plan instead (rows, estimated size, caps), recording and spending nothing."""
    # The caller's scope (a read of their zone) is made on the heavy thread with the rest:
    # as a dependency it would cost a thread hop of its own.
    if body.dry_run:

        def planned() -> PlanPublic:
            scope = state.assistant.scope(caller.id)
            request = export_request(body.format, body.options)
            plan = plan_query(scope, request, query_id=body.query_id, sql=body.sql)
            return plan_view(plan, scope.settings)

        response.status_code = 200
        return await state.heavy.run(caller.id, planned)

    def start() -> ExportPublic:
        scope = state.assistant.scope(caller.id)
        request = export_request(body.format, body.options)
        info = create_export(scope, request, query_id=body.query_id, sql=body.sql)
        return _scope_view(links, state, scope, info.id)

    return await state.heavy.run(caller.id, start, counted=False)


@router.post(
    "/api/exports/batch",
    status_code=201,
    responses={**_PLANNED, **documented(400, 401, 404, 409, 413, 422, 429)},
)
async def batch(
    body: BatchCreate, links: Links, scope: CurrentScope, state: State, response: Response
) -> ExportPublic | PlanPublic:
    """One file of several results: a ZIP with a file per result and ``manifest.json``,
    or with ``"bundle": "workbook"`` one XLSX with a sheet per result. With
    ``"dry_run": true``: 200 with the plan, a part per result."""
    chosen = BundleChoice(
        query_ids=body.query_ids,
        since=body.since,
        until=body.until,
        workbook=body.bundle == "workbook",
    )
    if body.dry_run:

        def planned() -> PlanPublic:
            plan = plan_batch(scope, export_request(body.format, body.options), chosen)
            return plan_view(plan, scope.settings)

        response.status_code = 200
        return await state.heavy.run(scope.user_id, planned)

    def start() -> ExportPublic:
        info = create_batch(scope, export_request(body.format, body.options), chosen)
        return _scope_view(links, state, scope, info.id)

    return await state.heavy.run(scope.user_id, start, counted=False)


@router.get("/api/exports", responses=documented(401, 422))
async def history(
    links: Links,
    caller: CurrentUser,
    state: State,
    status: ExportStatus | None = None,
    format: Annotated[str | None, Query(max_length=16, pattern=r"^[a-z0-9]+$")] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ExportPagePublic:
    """The caller's exports, newest first."""

    def page_of_history() -> SummaryPage:
        with state.assistant.store_engine.connect() as connection:
            return export_summaries_page(
                connection,
                caller.id,
                status=status,
                format=format,
                since=since,
                until=until,
                page=page,
                per_page=per_page,
            )

    found = await read(state, page_of_history)
    now = state.assistant.clock()
    items = [export_view(links, row, now) for row in found.items]
    return ExportPagePublic(items=items, total=found.total, page=page, per_page=per_page)


@router.get("/api/exports/{export_id}", responses=documented(401, 404, 422))
async def get(export_id: Id, request: Request, caller: CurrentUser) -> ExportPublic:
    """One export: progress while it runs, the file's size, hash and link once done."""
    # The most frequent request, so the leanest: async, with its one read on the event
    # loop for a SQLite file, else on a worker thread (a sync route would also hop to one
    # to check its answer against the model), and the app's parts taken from the request
    # rather than through two more dependencies.
    state, links = app_state(request), link_maker(request)
    now = state.assistant.clock()
    row = await quick_read(state, lambda store: export_summary(store, export_id, caller.id))
    return export_view(links, row, now)


@router.delete(
    "/api/exports/{export_id}", status_code=204, responses=documented(401, 404, 409, 422)
)
def remove(export_id: Id, scope: CurrentScope) -> Response:
    """Cancel a queued or running export (it keeps no file), or delete a finished one
    and its file; its download links stop working."""
    delete_export(scope, export_id)
    return Response(status_code=204)


@router.post(
    "/api/exports/{export_id}/retry",
    responses=documented(401, 404, 409, 422, 429),
)
async def retry(export_id: Id, links: Links, scope: CurrentScope, state: State) -> ExportPublic:
    """Run a failed, cancelled, interrupted or expired export again under its id."""

    def again() -> ExportPublic:
        retry_export(scope, export_id)
        return _scope_view(links, state, scope, export_id)

    return await state.heavy.run(scope.user_id, again, counted=False)


@router.get(
    "/api/exports/{export_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`event: export` with the export object on every change, "
            "until it is done, failed, cancelled or expired",
        },
        **documented(401, 404, 422),
    },
)
def events(
    export_id: Id, request: Request, links: Links, caller: CurrentUser, state: State
) -> StreamingResponse:
    """Server-Sent Events: the export object whenever it changes, until it ends."""
    assistant = state.assistant

    def view() -> ExportPublic:
        return _view(links, assistant.store_engine, caller.id, export_id, assistant.clock())

    first = view()  # 404 before the stream starts

    async def stream() -> AsyncIterator[str]:
        last, quiet = first, 0.0
        yield _event(first)
        while last.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            await asyncio.sleep(POLL_SECONDS)
            if await request.is_disconnected():
                return
            try:
                now = await run_in_threadpool(view)
            except NotFound:  # deleted while watched
                yield "event: gone\ndata: {}\n\n"
                return
            quiet += POLL_SECONDS
            if now != last:
                last, quiet = now, 0.0
                yield _event(now)
            elif quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield ": still working\n\n"  # a comment: keeps proxies from closing it

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _event(export: ExportPublic) -> str:
    return f"event: export\ndata: {json.dumps(export.model_dump(mode='json'))}\n\n"


_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "the file"},
    206: {"content": {"application/octet-stream": {}}, "description": "the requested range"},
    304: {"description": "not modified (If-None-Match)"},
}


@router.get(
    "/api/exports/{export_id}/download",
    response_class=Response,
    responses={**_FILE, **documented(401, 404, 409, 416, 422)},
)
def download(export_id: Id, request: Request, state: State, caller: CurrentUser) -> Response:
    """The export's file (owner only); ``Range`` requests answer 206."""
    with state.assistant.sessions.begin() as session:
        row = get_owned(session, Export, export_id, caller.id)
        return serve_file(state, row, request, session, via="api")


def serve_file(
    state: AppState, row: Export, request: Request, session: Session, *, via: str
) -> Response:
    """The response for a done export's file: 409 before it is done, 404 once it is gone.

    A whole download is audited (``via`` the API or a link); the ranges a client asks
    for along the way are not."""
    if row.status is not ExportStatus.DONE or row.file_path is None or row.sha256 is None:
        raise Conflict(
            f"Export {row.id} is {row.status.value}; its file is ready when it is "
            "done (see GET /api/exports/{id})."
        )
    try:
        path = safe_path(state.settings.storage_dir, row.file_path)
        response = file_response(
            path,
            file_name=row.file_name or path.name,
            sha256=row.sha256,
            media_type=media_type_for(row.file_name or path.name),
            request_headers=request.headers,
            method=request.method,
        )
    except (FileNotFoundError, ValueError):
        raise NotFound(
            f"The file of export {row.id} is no longer there; export it again."
        ) from None
    if response.status_code == 200:
        audit(
            session,
            AuditAction.EXPORT_DOWNLOADED,
            user_id=row.owner_id,
            export_id=row.id,
            details={"via": via},
        )
    return response
