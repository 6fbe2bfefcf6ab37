"""The worker's Celery app: the export task, and the watch that wakes workers when a
lease runs out. (The configuration both sides share is
:func:`assistant.jobs.celery.make_celery`.)

A store that cannot be reached (``OperationalError``) is retried with exponential
backoff; every other failure is the export's own and is recorded on it.

A worker killed outright (``SIGKILL``, lost machine) leaves its task unacknowledged
until the visibility timeout; the :class:`LeaseWatch` in every worker sees the export's
lease run out long before and sends a wake-up task, so another worker takes it over.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from celery import Celery
from celery.worker import state
from sqlalchemy.exc import OperationalError

from assistant.jobs.celery import EXPORT_TASK, make_celery
from assistant.settings import Settings
from assistant.store import create_store_engine, leases, session_factory
from assistant.worker.job import ExportWorker

__all__ = ["LeaseWatch", "worker_app"]

_log = logging.getLogger(__name__)


def worker_app(settings: Settings, worker: ExportWorker | None = None) -> Celery:
    """The app a worker process runs: :func:`make_celery` with the export task."""
    app = make_celery(settings)
    runner = worker or ExportWorker(settings)

    @app.task(  # type: ignore[untyped-decorator]
        name=EXPORT_TASK,
        autoretry_for=(OperationalError,),
        retry_backoff=2,
        retry_backoff_max=60,
        retry_jitter=True,
        max_retries=8,
    )
    def export(export_id: str | None = None) -> list[str]:
        outcomes = [] if export_id is None else [runner.run(export_id)]
        outcomes += runner.drain(stopping=_shutting_down)
        return [str(outcome) for outcome in outcomes]

    return app


def _shutting_down() -> bool:
    """Whether this worker was told to stop (SIGTERM: warm, SIGQUIT: cold); its running
    exports finish, but it takes no more."""
    # Identity, not equality: a warm stop sets the exit code 0, which equals False.
    flags = (state.should_stop, state.should_terminate)
    return any(flag is not None and flag is not False for flag in flags)


class LeaseWatch:
    """Every few seconds: give up on poison exports, wake a worker for stranded ones.

    Stranded: running under a lease that ran out (its worker is gone), or queued longer
    than a lease with its owner under the cap (its task was lost, say by a Redis
    restart). The wake-up is one ``[None]`` task: whoever takes it drains the store.
    """

    def __init__(self, settings: Settings, app: Celery, *, interval: float | None = None) -> None:
        self.settings = settings
        self.app = app
        self.interval = interval or max(0.5, settings.lease_seconds / 3)
        self._engine = create_store_engine(settings.database_url)
        self._sessions = session_factory(self._engine)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lease-watch", daemon=True)

    def start(self) -> LeaseWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        self._engine.dispose()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # the store or the broker is away: try again next time
                _log.exception("the lease watch could not look at the store")

    def tick(self, now: dt.datetime | None = None) -> bool:
        """One look; True if a wake-up task was sent."""
        now = now or dt.datetime.now(dt.UTC)
        with self._sessions.begin() as session:
            for export_id in leases.abandon_exhausted(session, now):
                _log.warning("export %s given up after %d attempts", export_id, leases.MAX_ATTEMPTS)
        with self._sessions() as session:
            stranded = leases.stranded(
                session,
                now,
                queued_before=now - dt.timedelta(seconds=self.settings.lease_seconds),
                cap=self.settings.max_running_exports_per_user,
            )
        if stranded:
            _log.info("waking a worker for %s", ", ".join(stranded))
            self.app.send_task(EXPORT_TASK, args=[None], queue=self.settings.queue)
        return bool(stranded)
