"""What every job runner speaks: states, events, the work's control, handles, errors.

The engine submits a *work function* under an owner and an id; the runner decides when it
runs, passes it a :class:`JobControl` (a cancel token and a progress reporter) and tells
the engine about every change through :class:`JobEvent` values, which the engine persists.
Runners keep no store of their own, so the in-process pool and a later Celery runner are
interchangeable behind :class:`JobRunner`.

Its errors are in the assistant's one tree (:mod:`assistant.errors`): ``RunnerClosed``
when submit() comes after shutdown() began, ``DuplicateJob`` for the id of a job that is
still queued or running, ``JobCancelled`` from result() of a cancelled job.
A failed job's ``result()`` re-raises the work's own exception (an ``exporters`` error
keeps its type), so callers map it exactly as they would an inline call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar, cast

from assistant.errors import JobCancelled
from exporters import CancelToken

T = TypeVar("T")


class JobState(StrEnum):
    """The life of a job; the last three are final."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def final(self) -> bool:
        return self in (JobState.done, JobState.failed, JobState.cancelled)


class JobEventKind(StrEnum):
    state = "state"  # the job entered ``event.state``
    progress = "progress"  # rows moved while running


@dataclass(frozen=True)
class JobEvent:
    """One change to persist: a new state, or progress while running.

    Every event carries the latest known progress, so a listener can write the whole row
    from any single event. ``rows_per_second`` is the average since the job started;
    ``eta_seconds`` is known only when ``rows_total`` is. A final ``done`` event carries
    the work's return value in ``result`` (an ``ExportResult`` for exports), a ``failed``
    or ``cancelled`` one the reason in ``error``. ``sequence`` numbers jobs in the order
    the runner accepted them (concurrent submitters' events may arrive in another order):
    an owner's jobs start in this order.
    """

    kind: JobEventKind
    job_id: str
    owner: str
    state: JobState
    sequence: int = 0
    rows_done: int = 0
    rows_total: int | None = None
    elapsed_seconds: float = 0.0
    rows_per_second: float | None = None
    eta_seconds: float | None = None
    error: str | None = None
    result: object = None


def _ignore_progress(rows_done: int, rows_total: int | None) -> None:
    """The reporter of a control made outside any runner (an inline run)."""


@dataclass(frozen=True)
class JobControl:
    """What a work function gets: a token to honour and a way to report progress.

    Pass ``cancel`` straight to ``exporters.export(cancel=...)``; the export then stops at
    the next batch, removes its temporary file and raises ``ExportCancelled``. Built
    directly (``JobControl("id", "owner")``) it suits an inline run: progress goes nowhere.
    """

    job_id: str
    owner: str
    cancel: CancelToken = field(default_factory=CancelToken)
    reporter: Callable[[int, int | None], None] = field(
        default=_ignore_progress, repr=False, compare=False
    )

    def progress(self, rows_done: int, rows_total: int | None = None) -> None:
        """Record that ``rows_done`` of ``rows_total`` (if known) rows are through."""
        if rows_done < 0 or (rows_total is not None and rows_total < 0):
            raise ValueError(f"row counts cannot be negative (got {rows_done}, {rows_total})")
        self.reporter(rows_done, rows_total)


class JobHandle(Generic[T]):
    """The submitter's view of one job: its state now, and its result once final.

    The handle resolves only after listeners have seen the final event, so whoever waits
    on ``result()`` finds the store already up to date. The ``_``-methods are for runners.
    """

    def __init__(self, job_id: str, owner: str) -> None:
        self.job_id = job_id
        self.owner = owner
        self._state = JobState.queued
        self._finished = threading.Event()
        self._value: T | None = None
        self._exception: BaseException | None = None
        self._error: str | None = None

    def __repr__(self) -> str:
        return f"<JobHandle {self.job_id!r} of {self.owner!r}: {self._state}>"

    @property
    def state(self) -> JobState:
        return self._state

    @property
    def error(self) -> str | None:
        """Why the job failed or was cancelled, in words; None otherwise."""
        return self._error

    def done(self) -> bool:
        """True once the job is final (done, failed or cancelled) and announced."""
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is final; False if ``timeout`` seconds passed first."""
        return self._finished.wait(timeout)

    def result(self, timeout: float | None = None) -> T:
        """The work's return value; raises what it raised, or :class:`JobCancelled`."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"job {self.job_id} is still {self._state} after {timeout} s")
        if self._state is JobState.done:
            return cast(T, self._value)
        if self._state is JobState.cancelled:
            raise JobCancelled(self.job_id, self._error) from self._exception
        assert self._exception is not None
        raise self._exception

    def _set_state(self, state: JobState, error: str | None = None) -> None:
        self._state = state
        if error is not None:
            self._error = error

    def _resolve(self, value: Any = None, exception: BaseException | None = None) -> None:
        self._value = value
        self._exception = exception
        self._finished.set()


class JobRunner(Protocol):
    """Runs work functions in the background, a few per owner at a time.

    ``submit`` answers at once with a handle; ``cancel`` removes a queued job or fires a
    running job's token (True if the job was queued or running); ``status`` is None for
    ids it does not know (or has forgotten: the store is the record); ``shutdown`` stops
    taking jobs and answers the ids of jobs that did not finish (empty when it waited).

    ``store_runner`` is None for a runner that runs ``work`` in this process. A runner
    whose workers run elsewhere (Celery) names itself there: it cannot ship ``work``, so
    its workers rebuild the export from the store row, which records that runner.
    """

    store_runner: str | None

    def submit(self, owner: str, job_id: str, work: Callable[[JobControl], T]) -> JobHandle[T]:
        """Queue ``work`` for ``owner`` under ``job_id``."""

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job."""

    def status(self, job_id: str) -> JobState | None:
        """The job's state, or None if unknown."""

    def shutdown(self, wait: bool = True) -> list[str]:
        """Stop; with ``wait`` finish everything, otherwise cancel and hand back ids."""
