"""The default job runner: a pool of threads in this process, a few jobs per owner.

Scheduling. All queued jobs wait in one list in submission order. A free worker takes the
*oldest queued job whose owner has fewer than* ``per_owner`` *jobs running*. So each owner's
jobs start in the order they were submitted, at most ``per_owner`` of them at once, and
an owner with a long backlog never holds up another owner's jobs: those are simply the
first eligible ones further down the list. It is not round-robin: with ``max_workers``
at or below ``per_owner`` one owner can still occupy every worker, so keep ``max_workers``
above ``per_owner`` (the defaults, 4 and 2, leave room for a second owner). Workers
sleep on a condition variable and wake when a job is queued, a job ends or the runner
shuts down; nothing polls.

Events. Each job's events reach ``on_event`` in order (queued, running, progress...,
then done, failed or cancelled), called on the thread that caused them, never while the
runner's lock is held; a listener may call back into the runner. A listener that raises
is logged and otherwise ignored: the job goes on. A job's handle resolves, and its slot
frees for the owner's next job, only after its final event has been delivered, so a
listener that persists events never records more than ``per_owner`` running at once.
Persisting the events is the listener's business.

Outcomes. Work that returns is ``done``. Work that raises is ``failed`` with the
exception's message, unless it raised ``ExportCancelled`` or its token had fired, which
makes it ``cancelled``. Work that ignores a fired token and returns is still ``done``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.errors import DuplicateJob, RunnerClosed
from assistant.jobs.base import JobControl, JobEvent, JobEventKind, JobHandle, JobState
from exporters import ExportCancelled

if TYPE_CHECKING:
    from assistant.settings import Settings

T = TypeVar("T")
EventListener = Callable[[JobEvent], None]

_log = logging.getLogger(__name__)

#: How many final states ``status()`` remembers after jobs end (the store is the record).
REMEMBER_FINISHED = 1024


class _Job:
    """The runner's record of one job; ``emit_lock`` keeps its events in order."""

    def __init__(
        self,
        seq: int,
        owner: str,
        job_id: str,
        work: Callable[[JobControl], Any],
        on_progress: Callable[[_Job, int, int | None], None],
    ) -> None:
        self.seq = seq
        self.owner = owner
        self.job_id = job_id
        self.work = work
        self.handle: JobHandle[Any] = JobHandle(job_id, owner)
        self.control = JobControl(job_id, owner, reporter=self._report)
        self.emit_lock = threading.RLock()
        self.started_at: float | None = None
        self.rows_done = 0
        self.rows_total: int | None = None
        self._on_progress = on_progress

    def _report(self, rows_done: int, rows_total: int | None) -> None:
        self._on_progress(self, rows_done, rows_total)

    def stop(self, unstarted: str | None = None) -> bool:
        """Fire the cancel token; a job that never started is ``cancelled`` for ``unstarted``."""
        self.control.cancel.cancel()
        if unstarted is not None:
            self.handle._set_state(JobState.cancelled, unstarted)
        return True

    def event(self, kind: JobEventKind, state: JobState, now: float, result: object) -> JobEvent:
        """The job's event with its figures so far: elapsed time, rate and time left."""
        started = None if state is JobState.queued else self.started_at
        elapsed = 0.0 if started is None else max(0.0, now - started)
        rate = self.rows_done / elapsed if elapsed > 0 else None
        eta: float | None = None
        if self.rows_total is not None and rate:
            eta = max(0, self.rows_total - self.rows_done) / rate
        elif self.rows_total is not None and self.rows_done >= self.rows_total:
            eta = 0.0
        return JobEvent(
            kind=kind,
            job_id=self.job_id,
            owner=self.owner,
            state=state,
            sequence=self.seq,
            rows_done=self.rows_done,
            rows_total=self.rows_total,
            elapsed_seconds=elapsed,
            rows_per_second=rate,
            eta_seconds=eta,
            error=self.handle.error if state.final else None,
            result=result,
        )


class InProcessRunner:
    """Run work functions on up to ``max_workers`` threads, ``per_owner`` per owner.

    Threads start as jobs arrive. Used as a context manager it shuts down on leaving the
    block: waiting for every job, or, when the block raised, cancelling them.

    >>> with InProcessRunner(max_workers=2, per_owner=1) as runner:
    ...     handle = runner.submit("ada", "job-1", lambda control: 6 * 7)
    ...     handle.result(timeout=5)
    42
    """

    store_runner: str | None = None  # the work runs here, in this process

    def __init__(
        self,
        max_workers: int = 4,
        per_owner: int = 2,
        on_event: EventListener | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        name: str = "jobs",
    ) -> None:
        if max_workers < 1 or per_owner < 1:
            raise ValueError(
                f"max_workers and per_owner must be at least 1 (got {max_workers}, {per_owner})"
            )
        self.max_workers = max_workers
        self.per_owner = per_owner
        self._on_event = on_event
        self._clock = clock
        self._name = name
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[_Job] = deque()  # queued jobs, oldest first
        self._active: dict[str, _Job] = {}  # queued or running, until their final event
        self._running_per_owner: Counter[str] = Counter()
        self._finished: OrderedDict[str, JobState] = OrderedDict()
        self._threads: list[threading.Thread] = []
        self._seq = 0
        self._closed = False

    @classmethod
    def from_settings(
        cls, settings: Settings, on_event: EventListener | None = None, *, max_workers: int = 4
    ) -> InProcessRunner:
        """The runner the settings describe.

        ``max_running_exports_per_user`` jobs per owner, on at least one worker more than
        that, so a single owner can never occupy every worker.
        """
        per_owner = settings.max_running_exports_per_user
        return cls(max(max_workers, per_owner + 1), per_owner, on_event)

    @property
    def closed(self) -> bool:
        """True once ``shutdown`` has begun: ``submit`` then raises ``RunnerClosed``."""
        return self._closed

    def __enter__(self) -> InProcessRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown(wait=exc is None)

    def submit(self, owner: str, job_id: str, work: Callable[[JobControl], T]) -> JobHandle[T]:
        """Queue ``work`` for ``owner``; it runs when a worker and one of the owner's slots free."""
        if not owner or not job_id:
            raise ValueError("a job needs a non-empty owner and id")
        # The job's emit lock is held from publication until the "queued" event is out, so
        # a worker's "running" (or a canceller's "cancelled") can never overtake it.
        with self._cond:
            self._seq += 1
            job = _Job(self._seq, owner, job_id, work, self._progress)
        with job.emit_lock:
            with self._cond:
                if self._closed:
                    raise RunnerClosed(job_id)
                if job_id in self._active:
                    raise DuplicateJob(job_id)
                self._finished.pop(job_id, None)
                self._active[job_id] = job
                self._queue.append(job)
                if len(self._threads) < self.max_workers:
                    self._start_worker()
                self._cond.notify_all()
            self._emit(job, JobEventKind.state, JobState.queued)
        return job.handle

    def cancel(self, job_id: str) -> bool:
        """Drop a queued job (now ``cancelled``) or fire a running job's token.

        True if the job was queued or running. A running job ends ``cancelled`` when its
        work notices the token (an export: at its next batch, leaving no file).
        """
        with self._cond:
            job = self._active.get(job_id)
            if job is None or job.handle.state.final:
                return False
            if job.handle.state is JobState.running:
                return job.stop()
            self._queue.remove(job)
            job.stop("cancelled before it started")
        self._announce_end(job)
        return True

    def status(self, job_id: str) -> JobState | None:
        """The job's state, or None for an id this runner never had (or has forgotten)."""
        with self._cond:
            job = self._active.get(job_id)
            return job.handle.state if job is not None else self._finished.get(job_id)

    def shutdown(self, wait: bool = True) -> list[str]:
        """Stop taking jobs. ``wait``: run everything queued to the end, then return [].

        Otherwise cancel every queued job, fire every running job's token and return at
        once with the ids (in submission order) of the jobs that had not finished; the
        running ones end on their own, ``cancelled`` if they honour the token. Calling it
        again is harmless; ``shutdown(wait=False)`` after a waiting call cuts it short.
        """
        with self._cond:
            self._closed = True
            dropped: list[_Job] = []
            unfinished: list[_Job] = []
            if not wait:
                dropped = list(self._queue)
                self._queue.clear()
                for job in dropped:
                    job.stop("the job runner shut down before it started")
                running = (j for j in self._active.values() if j.handle.state is JobState.running)
                unfinished = [job for job in running if job.stop()]
            threads = list(self._threads)
            self._cond.notify_all()
        for job in dropped:
            self._announce_end(job)
        if wait:
            current = threading.current_thread()
            for thread in threads:
                if thread is not current:
                    thread.join()
            return []
        return [job.job_id for job in sorted(dropped + unfinished, key=lambda j: j.seq)]

    # -- workers ---------------------------------------------------------------------

    def _start_worker(self) -> None:
        """Add a worker thread (called with the lock held).

        Daemon threads, so a runner nobody shut down cannot keep the process alive; a job
        cut off that way leaves at most a temporary file, which start-up recovery removes.
        """
        thread = threading.Thread(
            target=self._work_loop,
            name=f"{self._name}-worker-{len(self._threads) + 1}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    def _next_job(self) -> _Job | None:
        """The oldest queued job whose owner has a free slot (called with the lock held)."""
        for index, job in enumerate(self._queue):
            if self._running_per_owner[job.owner] < self.per_owner:
                del self._queue[index]
                return job
        return None

    def _work_loop(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                while job is None:
                    if self._closed and not self._queue:
                        return
                    self._cond.wait()
                    job = self._next_job()
                self._running_per_owner[job.owner] += 1
                job.started_at = self._clock()
                job.handle._set_state(JobState.running)
            self._run(job)

    def _run(self, job: _Job) -> None:
        with job.emit_lock:
            self._emit(job, JobEventKind.state, JobState.running)
        value: Any = None
        exception: BaseException | None = None
        try:
            value = job.work(job.control)
        except BaseException as exc:  # a worker thread has nobody to raise to
            exception = exc
        if exception is None:
            state, error = JobState.done, None
        elif isinstance(exception, ExportCancelled) or job.control.cancel.cancelled:
            state, error = JobState.cancelled, _describe(exception)
        else:
            state, error = JobState.failed, _describe(exception)
        with self._cond:
            job.handle._set_state(state, error)
        # The slot frees only after the final event is delivered, so a listener that
        # persists events never shows more than ``per_owner`` of an owner's jobs running.
        self._announce_end(job, value, exception, free_slot=True)

    # -- events ----------------------------------------------------------------------

    def _progress(self, job: _Job, rows_done: int, rows_total: int | None) -> None:
        with job.emit_lock:
            if job.handle.state is not JobState.running:
                return  # late reports after the job ended are dropped
            job.rows_done, job.rows_total = rows_done, rows_total
            self._emit(job, JobEventKind.progress, JobState.running)

    def _announce_end(
        self,
        job: _Job,
        value: Any = None,
        exception: BaseException | None = None,
        *,
        free_slot: bool = False,
    ) -> None:
        """Deliver the final event, free the job's slot, forget it, then resolve the handle."""
        with job.emit_lock:
            self._emit(job, JobEventKind.state, job.handle.state, value)
        with self._cond:
            if free_slot:
                self._running_per_owner[job.owner] -= 1
                if not self._running_per_owner[job.owner]:
                    del self._running_per_owner[job.owner]
                self._cond.notify_all()
            if self._active.get(job.job_id) is job:
                del self._active[job.job_id]
            self._finished[job.job_id] = job.handle.state
            while len(self._finished) > REMEMBER_FINISHED:
                self._finished.popitem(last=False)
        job.handle._resolve(value, exception)

    def _emit(self, job: _Job, kind: JobEventKind, state: JobState, result: object = None) -> None:
        """Hand the job's event, with its latest figures, to the listener."""
        if self._on_event is None:
            return
        try:
            self._on_event(job.event(kind, state, self._clock(), result))
        except Exception:
            _log.exception("the job event listener failed on %s (%s)", job.job_id, kind)


def _describe(exc: BaseException) -> str:
    """The exception's message for a person, or its type when it has none."""
    return str(exc) or type(exc).__name__
