"""The HTTP API (docs/api.md): ``create_app(settings)`` builds it, nothing global.

One :class:`~assistant.process.Assistant` per app (one store pool, one job runner, so the
per-user export cap holds across requests, and one export budget, which every way an
export starts spends: routes do not count exports themselves), a link signer and a
body-size limit; one router per resource; one set of error handlers. The lifespan
migrates the store and recovers from a crash before the first request, sweeps expired
files every ``cleanup_interval_seconds``, runs the scheduler (``ASSISTANT_SCHEDULER``), and
on shutdown lets running exports finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from anyio import CapacityLimiter
from fastapi import FastAPI
from sqlalchemy.pool import QueuePool
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import AppState
from assistant.api.docs import install_docs
from assistant.api.errors import install_error_handlers
from assistant.api.fair import HeavyWork
from assistant.api.limits import BodySizeLimit
from assistant.api.routes import (
    chat,
    conversations,
    exports,
    health,
    links,
    preferences,
    queries,
    schedules,
    templates,
)
from assistant.api.verifying import KeyLookups
from assistant.files.signing import LinkSigner
from assistant.process import Assistant, secret_key
from assistant.schedules.deliver import Deliverer
from assistant.schedules.scheduler import Scheduler
from assistant.settings import Settings
from assistant.store import KeyCache, loop_read_engine
from assistant.store.recovery import tidy
from exporters import registered_formats

__all__ = ["create_app"]

_log = logging.getLogger(__name__)

DESCRIPTION = """Chat with your data and export results as files.

Every route under `/api` needs `Authorization: Bearer <API key>` (create one with
`python -m assistant users create NAME`). Errors are
`{"error": {"code": "...", "message": "..."}}`. Another user's ids answer 404.
Small exports finish before the answer; large ones run in the background: follow them
with `GET /api/exports/{id}` or its `events` stream, and fetch the file with its
`download_url` (a signed link that works without a key until it expires).
"""


def create_app(settings: Settings, *, assistant: Assistant | None = None) -> FastAPI:
    """The API over ``settings`` (or over an ``assistant`` the caller built and owns)."""
    own = assistant is None
    service = assistant or Assistant(settings)
    parts = AppState(
        settings=settings,
        assistant=service,
        signer=LinkSigner(secret_key(settings), settings.link_ttl_hours * 3600),
        scheduler=Scheduler(
            service, Deliverer(settings), retry_seconds=settings.schedule_retry_seconds
        ),
        heavy=HeavyWork.from_settings(settings),
        keys=KeyCache(settings.key_cache_seconds),
        reads=CapacityLimiter(_pool_size(service)),
        loop_reads=loop_read_engine(settings.database_url),
        lookups=KeyLookups(),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        recovered = await run_in_threadpool(service.start)
        if recovered.interrupted:
            _log.warning(
                "%d exports were interrupted by a crash and marked failed (retryable)",
                len(recovered.interrupted),
            )
        sweeper = asyncio.create_task(_sweep(settings))
        if settings.scheduler:  # any number of processes may: each run is claimed once
            parts.scheduler.start(settings.scheduler_interval_seconds)
        # Every object alive now (the modules imported, the routes, the store's metadata:
        # most of the heap) leaves the garbage collector's sight until shutdown. A full
        # collection walked them all (about 170 ms of a core, every few thousand
        # requests), stalling every request in flight: the status polls' p99. The export
        # writers are imported first (on first use they brought 350 modules, pandas among
        # them through pyarrow: 33,000 objects a full collection walked again, ~50 ms).
        # Cyclic garbage alive now stays until shutdown; `serve` collects before it starts.
        await run_in_threadpool(registered_formats)
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await run_in_threadpool(parts.scheduler.stop)
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            if parts.loop_reads is not None:
                parts.loop_reads.dispose()
            if own:
                await run_in_threadpool(service.close)

    app = FastAPI(
        title="Data assistant",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local files by install_docs, not from a CDN
        redoc_url=None,
    )
    app.state.parts = parts
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    for module in (health, chat, queries, exports, links, preferences, templates, schedules):
        app.include_router(module.router)
    app.include_router(conversations.router)
    install_docs(app)
    return app


def _pool_size(service: Assistant) -> int:
    """How many connections the store's pool keeps open (a file: 5; in memory: one
    shared)."""
    pool = service.store_engine.pool
    return pool.size() if isinstance(pool, QueuePool) else 1


async def _sweep(settings: Settings) -> None:
    """Expire old files and stray temporaries every ``cleanup_interval_seconds``."""
    while True:
        await asyncio.sleep(settings.cleanup_interval_seconds)
        try:
            await run_in_threadpool(tidy, settings)
        except Exception:  # a failed sweep is retried next time; the API goes on
            _log.exception("the periodic clean-up failed")
