"""The in-process job runner: per-owner cap and order, fairness, events, cancel, shutdown.

Work functions block on events the test controls, so nothing depends on how fast the
machine is; every wait has a generous timeout only to turn a bug into a failure, not a hang.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import assistant.jobs
from assistant.jobs import (
    DuplicateJob,
    InProcessRunner,
    JobCancelled,
    JobControl,
    JobEvent,
    JobEventKind,
    JobHandle,
    JobRunner,
    JobState,
    RunnerClosed,
)
from assistant.settings import Settings
from exporters import ExportCancelled, ExportResult, export

WAIT = 5.0  # seconds; reached only when something is broken


class Recorder:
    """Collects events; lets a test wait for the first event that matches."""

    def __init__(self) -> None:
        self.events: list[JobEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: JobEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, match: Callable[[JobEvent], bool]) -> JobEvent:
        with self._cond:
            found = self._cond.wait_for(
                lambda: next((e for e in self.events if match(e)), None), WAIT
            )
        assert found is not None, f"no matching event among {self.events}"
        return found

    def of(self, job_id: str) -> list[tuple[str, str]]:
        with self._cond:
            return [(e.kind.value, e.state.value) for e in self.events if e.job_id == job_id]


class Gates:
    """Work functions that say when they start and run until the test opens their gate."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.gates: dict[str, threading.Event] = {}
        self.order: list[str] = []  # start order
        self.running = 0
        self.max_running = 0

    def work(self, job_id: str) -> Callable[[JobControl], str]:
        gate = self.gates.setdefault(job_id, threading.Event())

        def run(control: JobControl) -> str:
            with self.lock:
                self.order.append(job_id)
                self.running += 1
                self.max_running = max(self.max_running, self.running)
                self.lock.notify_all()
            try:
                assert gate.wait(WAIT), f"{job_id} was never released"
                if control.cancel.cancelled:
                    raise ExportCancelled("the export was cancelled; no file was written")
                return f"{job_id} ok"
            finally:
                with self.lock:
                    self.running -= 1

        return run

    def wait_started(self, job_id: str) -> None:
        with self.lock:
            assert self.lock.wait_for(lambda: job_id in self.order, WAIT), f"{job_id} never ran"

    def release(self, job_id: str) -> None:
        self.gates[job_id].set()

    def release_next(self, together: int) -> str:
        """Once ``together`` jobs run at the same time, release the earliest; answer its id."""

        def held() -> list[str]:
            return [j for j in self.order if not self.gates[j].is_set()]

        with self.lock:
            assert self.lock.wait_for(lambda: len(held()) >= together, WAIT), held()
            assert self.running <= 2
            job_id = held()[0]
        self.release(job_id)
        return job_id

    def release_all(self) -> None:
        for gate in self.gates.values():
            gate.set()


@pytest.fixture
def gates() -> Iterator[Gates]:
    g = Gates()
    yield g
    g.release_all()  # a failed test must not leave workers blocked


@pytest.fixture
def runners() -> Iterator[Callable[..., InProcessRunner]]:
    """Make runners that are shut down (without waiting) when the test ends."""
    made: list[InProcessRunner] = []

    def make(**kwargs: Any) -> InProcessRunner:
        runner = InProcessRunner(**kwargs)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown(wait=False)


def test_public_surface() -> None:
    modules = {"base", "pool", "celery", "events", "budget", "rates"}  # submodules, once imported
    public = {n for n in vars(assistant.jobs) if not n.startswith("_") and n not in modules}
    assert sorted(assistant.jobs.__all__) == sorted(public)


def test_cap_and_order_hold_under_contention(
    gates: Gates, runners: Callable[..., InProcessRunner]
) -> None:
    """20 submissions from 20 threads, cap 2: never more than 2 run, all finish, in order."""
    recorder = Recorder()
    runner = runners(max_workers=4, per_owner=2, on_event=recorder)
    ids = [f"job-{i:02d}" for i in range(20)]
    works = {job_id: gates.work(job_id) for job_id in ids}
    barrier = threading.Barrier(len(ids))
    submitted: list[str] = []
    handles: dict[str, JobHandle[str]] = {}
    order_lock = threading.Lock()

    def submit(job_id: str) -> None:
        barrier.wait(WAIT)
        with order_lock:  # the order submit() is called in is the order we expect
            submitted.append(job_id)
            handles[job_id] = runner.submit("ada", job_id, works[job_id])

    threads = [threading.Thread(target=submit, args=(job_id,)) for job_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert len(handles) == 20

    for n, job_id in enumerate(submitted):  # the next two in order run; release the older
        gates.wait_started(job_id)
        if n + 1 < len(submitted):
            gates.wait_started(submitted[n + 1])
        with gates.lock:
            assert gates.running <= 2
        gates.release(job_id)

    assert [handles[j].result(timeout=WAIT) for j in submitted] == [f"{j} ok" for j in submitted]
    assert gates.order == submitted
    assert gates.max_running == 2
    assert all(runner.status(j) is JobState.done for j in ids)
    for job_id in ids:
        assert recorder.of(job_id) == [
            ("state", "queued"),
            ("state", "running"),
            ("state", "done"),
        ]


def test_truly_concurrent_submits_are_all_accepted_and_capped(
    gates: Gates, runners: Callable[..., InProcessRunner]
) -> None:
    runner = runners(max_workers=6, per_owner=2)
    ids = [f"c-{i:02d}" for i in range(20)]
    works = {job_id: gates.work(job_id) for job_id in ids}
    barrier = threading.Barrier(len(ids))
    handles: dict[str, JobHandle[str]] = {}

    def submit(job_id: str) -> None:
        barrier.wait(WAIT)
        handles[job_id] = runner.submit("bob", job_id, works[job_id])

    threads = [threading.Thread(target=submit, args=(job_id,)) for job_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    # Each time two run at once, release the older: the cap is reached, never passed.
    released = [gates.release_next(together=min(2, len(ids) - n)) for n in range(len(ids))]
    assert sorted(released) == ids
    assert all(handles[j].result(timeout=WAIT) == f"{j} ok" for j in ids)
    assert gates.max_running == 2
    assert sorted(gates.order) == ids


def test_a_busy_owner_does_not_block_another(
    gates: Gates, runners: Callable[..., InProcessRunner]
) -> None:
    runner = runners(max_workers=3, per_owner=1)
    a = [runner.submit("ada", f"a{i}", gates.work(f"a{i}")) for i in range(4)]
    gates.wait_started("a0")
    b = runner.submit("bob", "b0", gates.work("b0"))
    gates.wait_started("b0")
    gates.release("b0")
    assert b.result(timeout=WAIT) == "b0 ok"
    assert [h.state for h in a] == [JobState.running] + [JobState.queued] * 3
    gates.release_all()
    assert [h.result(timeout=WAIT) for h in a] == [f"a{i} ok" for i in range(4)]
    assert gates.order == ["a0", "b0", "a1", "a2", "a3"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_events_carry_rows_rate_and_eta(runners: Callable[..., InProcessRunner]) -> None:
    clock = FakeClock()
    recorder = Recorder()
    runner = runners(on_event=recorder, clock=clock)

    def work(control: JobControl) -> str:
        clock.now += 10  # ten seconds after the job started
        control.progress(500, 1000)
        control.progress(600, None)
        clock.now += 2
        control.progress(1200, 1200)
        return "written"

    assert runner.submit("ada", "p1", work).result(timeout=WAIT) == "written"
    progress = [
        (e.rows_done, e.rows_total, e.elapsed_seconds, e.rows_per_second, e.eta_seconds)
        for e in recorder.events
        if e.kind is JobEventKind.progress
    ]
    assert progress == [
        (500, 1000, 10.0, 50.0, 10.0),
        (600, None, 10.0, 60.0, None),
        (1200, 1200, 12.0, 100.0, 0.0),
    ]
    final = recorder.events[-1]
    assert (final.state, final.rows_done, final.result, final.error) == (
        JobState.done,
        1200,
        "written",
        None,
    )
    with pytest.raises(ValueError, match="negative"):
        JobControl("x", "ada").progress(-1, None)


def test_failure_becomes_failed_with_the_message(runners: Callable[..., InProcessRunner]) -> None:
    recorder = Recorder()
    runner = runners(on_event=recorder)

    def work(control: JobControl) -> None:
        raise LookupError("there is no column 'emial'; the result has: name, email")

    handle = runner.submit("ada", "f1", work)
    with pytest.raises(LookupError, match="emial"):
        handle.result(timeout=WAIT)
    assert handle.state is JobState.failed
    assert runner.status("f1") is JobState.failed
    assert handle.error == "there is no column 'emial'; the result has: name, email"
    assert recorder.events[-1].error == handle.error
    assert recorder.of("f1")[-1] == ("state", "failed")

    def silent(control: JobControl) -> None:
        raise RuntimeError  # no message: the type names the failure

    blank = runner.submit("ada", "f2", silent)
    assert blank.wait(WAIT)
    assert blank.error == "RuntimeError"


def test_cancel_a_queued_job(gates: Gates, runners: Callable[..., InProcessRunner]) -> None:
    recorder = Recorder()
    runner = runners(per_owner=1, on_event=recorder)
    first = runner.submit("ada", "q1", gates.work("q1"))
    second = runner.submit("ada", "q2", gates.work("q2"))
    third = runner.submit("ada", "q3", gates.work("q3"))
    gates.wait_started("q1")
    assert runner.cancel("q2") is True
    assert runner.status("q2") is JobState.cancelled
    with pytest.raises(JobCancelled, match="q2 was cancelled: cancelled before it started"):
        second.result(timeout=WAIT)
    assert recorder.of("q2") == [("state", "queued"), ("state", "cancelled")]
    assert runner.cancel("q2") is False  # already final
    assert runner.cancel("nope") is False
    assert runner.status("nope") is None
    gates.release_all()
    assert first.result(timeout=WAIT) == "q1 ok"
    assert third.result(timeout=WAIT) == "q3 ok"
    assert "q2" not in gates.order


def slow_batches(rows: int, pause_after: int, resume: threading.Event) -> Iterator[pa.RecordBatch]:
    """A source that delivers ``pause_after`` batches, then stalls until ``resume``."""
    for start in range(0, rows, 100):
        if start == pause_after * 100:
            assert resume.wait(WAIT)
        yield pa.record_batch({"n": pa.array(range(start, start + 100), pa.int64())})


def test_cancel_a_running_export_leaves_no_file(
    tmp_path: Path, runners: Callable[..., InProcessRunner]
) -> None:
    recorder = Recorder()
    runner = runners(on_event=recorder)
    resume = threading.Event()
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    schema = pa.schema([("n", pa.int64())])

    def work(control: JobControl) -> ExportResult:
        reader = pa.RecordBatchReader.from_batches(schema, slow_batches(100_000, 5, resume))
        return export(
            reader,
            out_dir / "numbers.csv",
            "csv",
            rows_total=100_000,
            progress=lambda p: control.progress(p.rows_done, p.rows_total),
            cancel=control.cancel,
        )

    handle = runner.submit("ada", "e1", work)
    first = recorder.wait_for(lambda e: e.kind is JobEventKind.progress)
    assert first.rows_total == 100_000 and first.rows_done > 0
    assert first.eta_seconds is None or first.eta_seconds > 0
    assert runner.cancel("e1") is True
    resume.set()
    with pytest.raises(JobCancelled, match="no file was written") as caught:
        handle.result(timeout=WAIT)
    assert isinstance(caught.value.__cause__, ExportCancelled)
    assert handle.state is JobState.cancelled
    assert recorder.of("e1")[-1] == ("state", "cancelled")
    assert list(out_dir.iterdir()) == []  # neither numbers.csv nor a .part file


def test_a_finished_export_reports_its_result(
    tmp_path: Path, runners: Callable[..., InProcessRunner]
) -> None:
    recorder = Recorder()
    runner = runners(on_event=recorder)
    table = pa.table({"n": list(range(250))})

    def work(control: JobControl) -> ExportResult:
        return export(table, tmp_path / "n.jsonl", "jsonl", cancel=control.cancel)

    result = runner.submit("ada", "ok1", work).result(timeout=WAIT)
    assert result.rows == 250
    assert recorder.events[-1].result == result
    assert [p.name for p in tmp_path.iterdir()] == ["n.jsonl"]


def test_work_that_fails_after_cancel_counts_as_cancelled(
    runners: Callable[..., InProcessRunner],
) -> None:
    runner = runners()
    started, gate = threading.Event(), threading.Event()

    def work(control: JobControl) -> None:
        started.set()
        assert gate.wait(WAIT)
        raise OSError("the source connection was closed")

    handle = runner.submit("ada", "x1", work)
    assert started.wait(WAIT)
    assert runner.status("x1") is JobState.running
    assert runner.cancel("x1") is True
    gate.set()
    assert handle.wait(WAIT)
    assert handle.state is JobState.cancelled


def test_ignored_cancel_still_finishes_done(runners: Callable[..., InProcessRunner]) -> None:
    runner = runners()
    gate = threading.Event()
    started = threading.Event()

    def stubborn(control: JobControl) -> str:
        started.set()
        assert gate.wait(WAIT)
        return "finished anyway"

    handle = runner.submit("ada", "i1", stubborn)
    assert started.wait(WAIT)
    runner.cancel("i1")
    gate.set()
    assert handle.result(timeout=WAIT) == "finished anyway"
    assert handle.state is JobState.done


def test_duplicate_ids_and_reuse(gates: Gates, runners: Callable[..., InProcessRunner]) -> None:
    runner = runners()
    handle = runner.submit("ada", "d1", gates.work("d1"))
    with pytest.raises(DuplicateJob, match="d1 is already queued or running"):
        runner.submit("bob", "d1", gates.work("d1"))
    gates.release("d1")
    handle.result(timeout=WAIT)
    retry = runner.submit("ada", "d1", lambda control: "retried")  # a retry may reuse the id
    assert retry.result(timeout=WAIT) == "retried"
    with pytest.raises(ValueError, match="non-empty"):
        runner.submit("", "d2", lambda control: None)


def test_result_timeout_and_handle_state(
    gates: Gates, runners: Callable[..., InProcessRunner]
) -> None:
    runner = runners()
    handle = runner.submit("ada", "t1", gates.work("t1"))
    gates.wait_started("t1")
    assert not handle.done()
    with pytest.raises(TimeoutError, match="t1 is still running"):
        handle.result(timeout=0)
    gates.release("t1")
    assert handle.result(timeout=WAIT) == "t1 ok"
    assert handle.done()


def test_shutdown_waits_for_running_and_queued_jobs(
    gates: Gates, runners: Callable[..., InProcessRunner]
) -> None:
    runner = runners(per_owner=1)
    handles = [runner.submit("ada", f"w{i}", gates.work(f"w{i}")) for i in range(3)]
    gates.wait_started("w0")
    returned: list[list[str]] = []
    stopper = threading.Thread(target=lambda: returned.append(runner.shutdown(wait=True)))
    stopper.start()
    # Wait until shutdown has begun (it only sets a flag before joining).
    assert _eventually(lambda: runner.closed)
    with pytest.raises(RunnerClosed, match="shutting down"):
        runner.submit("ada", "late", lambda control: None)
    assert not returned  # still waiting: w0 holds its gate
    gates.release_all()
    stopper.join(WAIT)
    assert returned == [[]]
    assert [h.result(timeout=0) for h in handles] == ["w0 ok", "w1 ok", "w2 ok"]


def test_shutdown_without_waiting_cancels_and_hands_back(
    gates: Gates, runners: Callable[..., InProcessRunner]
) -> None:
    recorder = Recorder()
    runner = runners(per_owner=1, on_event=recorder)
    running = runner.submit("ada", "s0", gates.work("s0"))
    queued = [runner.submit("ada", f"s{i}", gates.work(f"s{i}")) for i in (1, 2)]
    gates.wait_started("s0")
    assert runner.shutdown(wait=False) == ["s0", "s1", "s2"]
    for handle in queued:
        assert handle.state is JobState.cancelled
        with pytest.raises(JobCancelled, match="shut down before it started"):
            handle.result(timeout=0)
    with pytest.raises(RunnerClosed):
        runner.submit("ada", "s3", lambda control: None)
    gates.release("s0")  # the work sees its fired token and stops
    with pytest.raises(JobCancelled):
        running.result(timeout=WAIT)
    assert recorder.of("s0")[-1] == ("state", "cancelled")
    assert gates.order == ["s0"]
    assert runner.shutdown(wait=True) == []  # idempotent; nothing left to wait for


def test_a_failing_listener_does_not_stop_jobs(
    runners: Callable[..., InProcessRunner], caplog: pytest.LogCaptureFixture
) -> None:
    def listener(event: JobEvent) -> None:
        raise RuntimeError("the store is down")

    runner = runners(on_event=listener)
    with caplog.at_level(logging.ERROR, logger="assistant.jobs.pool"):
        assert runner.submit("ada", "l1", lambda control: 7).result(timeout=WAIT) == 7
    assert "the job event listener failed on l1" in caplog.text


def test_a_listener_may_call_back_into_the_runner(runners: Callable[..., InProcessRunner]) -> None:
    seen: list[JobState | None] = []
    holder: list[InProcessRunner] = []

    def listener(event: JobEvent) -> None:
        seen.append(holder[0].status(event.job_id))

    runner = runners(on_event=listener)
    holder.append(runner)
    runner.submit("ada", "r1", lambda control: None).result(timeout=WAIT)
    assert seen[-1] is JobState.done


def test_the_pool_is_a_job_runner() -> None:
    runner: JobRunner = InProcessRunner()  # mypy checks the protocol; this checks it runs
    assert runner.submit("ada", "j1", lambda control: control.owner).result(WAIT) == "ada"
    assert runner.shutdown() == []


def test_settings_and_arguments() -> None:
    runner = InProcessRunner.from_settings(Settings(max_running_exports_per_user=3))
    assert (runner.max_workers, runner.per_owner) == (4, 3)
    runner.shutdown()
    with pytest.raises(ValueError, match="at least 1"):
        InProcessRunner(max_workers=0)
    with InProcessRunner() as runner:
        assert runner.submit("ada", "c1", lambda control: control.job_id).result(WAIT) == "c1"
    assert runner.closed


def _eventually(check: Callable[[], bool]) -> bool:
    """True as soon as ``check`` is; the test's only poll, for a flag with no event."""
    done = threading.Event()
    for _ in range(int(WAIT / 0.005)):
        if check():
            return True
        done.wait(0.005)
    return check()
