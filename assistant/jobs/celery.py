"""The job runner for many machines: exports go to Celery workers through Redis.

Celery delivers *at least once*; the store makes it *exactly once* (see
:mod:`assistant.worker.job`). So :func:`make_celery` is about never losing a task:

- ``task_acks_late``: a task is acknowledged when it ends, not when it arrives, and
  ``task_reject_on_worker_lost`` puts it back when its worker dies mid-task;
- the broker's ``visibility_timeout`` (``ASSISTANT_VISIBILITY_TIMEOUT_SECONDS``) is when
  Redis hands an unacknowledged task to another worker: it must be longer than the
  longest export, or a slow export would be delivered twice (harmless, but wasted);
- ``worker_prefetch_multiplier=1``: a worker takes one task per free slot, so a long
  export never sits on tasks another worker could run.

Chosen when ``ASSISTANT_BROKER_URL`` is set. The API (or chat) records the export
``queued`` with ``runner="celery"`` and sends its id; a worker (``python -m assistant
worker``) claims it from the store and runs it (:mod:`assistant.worker.job`). The store
is the one record, so everything here reads or writes it:

- ``cancel`` cancels a queued export at once and flags a running one, which its worker
  sees at the next batch, wherever it runs;
- ``status`` and the handles read the export's row; the per-user cap is enforced by the
  workers' claims, so it holds across every worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from celery import Celery
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import JobError
from assistant.jobs.base import JobControl, JobHandle, JobState
from assistant.settings import Settings
from assistant.store import Export, ExportStatus, leases
from exporters import ExportResult
from intents.models import Format

__all__ = ["EXPORT_TASK", "CeleryRunner", "StoreHandle", "make_celery"]

#: The task's name: ``[export_id]`` runs that export (then any other claimable one),
#: ``[None]`` only drains what is claimable.
EXPORT_TASK = "assistant.export"

T = TypeVar("T")

_log = logging.getLogger(__name__)

_STATES = {
    ExportStatus.QUEUED: JobState.queued,
    ExportStatus.RUNNING: JobState.running,
    ExportStatus.DONE: JobState.done,
    ExportStatus.EXPIRED: JobState.done,
    ExportStatus.FAILED: JobState.failed,
    ExportStatus.CANCELLED: JobState.cancelled,
}


def make_celery(settings: Settings) -> Celery:
    """The Celery app for ``settings.broker_url``, as producers and workers both use it."""
    if not settings.broker_url:
        raise ValueError("ASSISTANT_BROKER_URL is not set: the workers need a Redis broker")
    app = Celery("assistant", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_seconds},
        # A producer whose broker is down gives up after a few seconds (the export stays
        # queued in the store, and a LeaseWatch wakes a worker for it later).
        task_publish_retry_policy={
            "max_retries": 3,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 2,
        },
    )
    return app


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CeleryRunner:
    """Hands exports to Celery workers; the store says how they stand."""

    store_runner: str | None = leases.RUNNER

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.app = make_celery(settings)

    def submit(self, owner: str, job_id: str, work: Callable[[JobControl], T]) -> JobHandle[T]:
        """Send export ``job_id`` to the workers (``work`` stays here: they rebuild it
        from the store row, which must already say ``queued``, ``runner="celery"``)."""
        try:
            self.app.send_task(EXPORT_TASK, args=[job_id], queue=self.settings.queue)
        except BrokerUnavailable:
            # Not lost: the row is queued, and a worker's lease watch wakes one for it.
            _log.warning("the broker is unreachable; export %s waits in the store", job_id)
        return StoreHandle(job_id, owner, self.sessions, self.settings.storage_dir)

    def cancel(self, job_id: str) -> bool:
        with self.sessions.begin() as session:
            return leases.request_cancel(session, job_id, self.clock())

    def status(self, job_id: str) -> JobState | None:
        with self.sessions() as session:
            row = session.get(Export, job_id)
            if row is None or row.runner != leases.RUNNER:
                return None
            return _STATES[row.status]

    def shutdown(self, wait: bool = True) -> list[str]:
        """Nothing runs here: the workers finish what they hold."""
        self.app.close()
        return []


class StoreHandle(JobHandle[T]):
    """A job's handle that follows the export's row (polling, every ``poll`` seconds)."""

    def __init__(
        self,
        job_id: str,
        owner: str,
        sessions: sessionmaker[Session],
        storage_dir: Path,
        *,
        poll: float = 0.2,
    ) -> None:
        super().__init__(job_id, owner)
        self._sessions = sessions
        self._storage_dir = storage_dir
        self._poll = poll

    @property
    def state(self) -> JobState:
        self._look()
        return self._state

    def done(self) -> bool:
        self._look()
        return super().done()

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._look():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(self._poll)
        return True

    def result(self, timeout: float | None = None) -> T:
        self.wait(timeout)
        return super().result(0)

    def _look(self) -> bool:
        """Read the row; resolve the handle once the export is final. True if final."""
        if self._finished.is_set():
            return True
        with self._sessions() as session:
            row = session.get(Export, self.job_id)
            if row is None:
                self._set_state(JobState.failed, "the export was deleted")
                self._resolve(exception=JobError(f"export {self.job_id} was deleted"))
                return True
            state = _STATES[row.status]
            self._set_state(state, row.error if state.final else None)
            if not state.final:
                return False
            if state is JobState.done:
                self._resolve(value=self._result(row))
            elif state is JobState.failed:
                self._resolve(exception=JobError(f"export {self.job_id} failed: {row.error}"))
            else:
                self._resolve()
            return True

    def _result(self, row: Export) -> ExportResult:
        elapsed = 0.0
        if row.started_at and row.finished_at:
            elapsed = (row.finished_at - row.started_at).total_seconds()
        return ExportResult(
            format=Format(row.format),
            rows=row.rows_done,
            bytes=row.bytes or 0,
            sha256=row.sha256 or "",
            seconds=elapsed,
            path=self._storage_dir / (row.file_path or row.id),
        )
