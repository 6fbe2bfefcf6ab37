"""Large exports end to end: 200,000 rows in the background, cancel, the cap, a crash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant import open_conversation
from assistant.jobs import InProcessRunner, JobEvent, JobEventKind, JobEventRouter, JobState
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.store import (
    INTERRUPTED,
    AuditEntry,
    Export,
    ExportStatus,
    create_store_engine,
    session_factory,
)
from assistant.store.recovery import recover_at_start
from tests.api.conftest import make_settings

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
ORDERS = 200_000


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("big") / "demo.db", ORDERS, today=NOW.date())


@pytest.fixture
def settings(tmp_path: Path, big_db: Path) -> Settings:
    """Settings whose chat exports run without asking first (the plan's question is
    tested in the first test here and in test_export_plan.py)."""
    return make_settings(tmp_path, big_db, confirm_export_rows=ORDERS)


def _row(settings: Settings, export_id: str) -> Export:
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            row = session.get(Export, export_id)
            assert row is not None
            session.expunge(row)
            return row
    finally:
        engine.dispose()


def _files(settings: Settings) -> list[Path]:
    """Every file under the storage folder, temporaries included (not the signing key the
    process keeps there when none is configured)."""
    return sorted(p for p in settings.storage_dir.rglob("*") if p.is_file() and p.name != ".secret")


def test_a_large_export_reports_progress_and_cancels_leaving_no_file(settings: Settings) -> None:
    router = JobEventRouter()
    seen: list[Export] = []
    ended = threading.Event()
    runner: InProcessRunner

    def on_event(event: JobEvent) -> None:
        router(event)
        if event.kind is JobEventKind.progress and not seen:
            seen.append(_row(settings, event.job_id))  # what the store says mid-export
            runner.cancel(event.job_id)
        if event.state.final:
            ended.set()

    runner = InProcessRunner(on_event=on_event)
    asking = settings.model_copy(update={"confirm_export_rows": 100_000})  # the default
    with (
        runner,
        open_conversation(
            asking, "ana", clock=lambda: NOW, mode="rules", runner=runner, events=router
        ) as chat,
    ):
        shown = chat.handle("show orders")
        assert shown.table is not None and shown.table.row_count == ORDERS
        asked = chat.handle("export this as xlsx")  # over 100,000 rows: the plan asks first
        assert asked.export is None and asked.choices == ["Export", "Cancel"]
        assert asked.text.startswith(f"Export {ORDERS:,} rows (about ")
        reply = chat.handle("Export")
        assert reply.export is not None and reply.export.status in ("queued", "running")
        assert "background" in reply.text
        assert ended.wait(120)
    (midway,) = seen
    assert midway.status is ExportStatus.RUNNING
    assert midway.rows_total == ORDERS and 0 < midway.rows_done < ORDERS
    row = _row(settings, reply.export.id)
    assert row.status is ExportStatus.CANCELLED and row.file_path is None
    assert 0 < row.rows_done < ORDERS
    assert _files(settings) == []


def test_progress_shows_in_the_export_info(settings: Settings) -> None:
    router = JobEventRouter()
    infos: list[JobEvent] = []
    release = threading.Event()

    def on_event(event: JobEvent) -> None:
        router(event)
        if event.kind is JobEventKind.progress and not infos:
            infos.append(event)
            release.wait(60)  # hold the export half way while the chat looks at it

    clock = iter([NOW + dt.timedelta(seconds=s) for s in range(10_000)])
    runner = InProcessRunner(on_event=on_event)
    try:
        with open_conversation(
            settings, "ana", clock=lambda: next(clock), mode="rules", runner=runner, events=router
        ) as chat:
            chat.handle("show orders")
            reply = chat.handle("export this as csv")
            assert reply.export is not None
            for _ in range(600):
                info = chat.export_status(reply.export.id)
                if info.rows_done:
                    break
                threading.Event().wait(0.1)
            assert info.status == "running" and info.rows_total == ORDERS
            assert 0 < info.rows_done < ORDERS and info.eta_seconds is not None
            assert info.eta_seconds > 0
            release.set()
    finally:
        release.set()
        runner.shutdown()
    done = _row(settings, reply.export.id)
    assert done.status is ExportStatus.DONE and done.rows_done == ORDERS


def test_the_per_user_cap_holds_under_contention(tmp_path: Path) -> None:
    """20 requests at once from one user's 20 conversations, cap 2: never more than 2
    running (in the runner and in the store), all finish, and they start in order."""
    small = build_demo(tmp_path / "small.db", 400, today=NOW.date())
    settings = make_settings(tmp_path, small, inline_export_rows=20, max_running_exports_per_user=2)
    router = JobEventRouter()
    lock = threading.Lock()
    running: set[str] = set()
    most = 0
    most_in_store = 0
    queued: list[tuple[int, str]] = []
    started: list[str] = []
    lagging = 0
    store = create_store_engine(settings.database_url)
    sessions = session_factory(store)

    def on_event(event: JobEvent) -> None:
        nonlocal most, most_in_store, lagging
        router(event)
        if event.kind is not JobEventKind.state:
            return
        with lock:
            if event.state is JobState.queued:
                queued.append((event.sequence, event.job_id))
            elif event.state is JobState.running:
                # Jobs are taken strictly in order; announcements of jobs taken at the
                # same moment may interleave, so at most (cap - 1) earlier ones lag behind.
                earlier = {job for seq, job in queued if seq < event.sequence}
                lagging = max(lagging, len(earlier - set(started)))
                started.append(event.job_id)
                running.add(event.job_id)
                most = max(most, len(running))
            elif event.state.final:
                running.discard(event.job_id)
        if event.state is JobState.running:
            with sessions() as session:
                count = session.scalar(
                    select(func.count())
                    .select_from(Export)
                    .where(Export.status == ExportStatus.RUNNING)
                )
            with lock:
                most_in_store = max(most_in_store, count or 0)
            threading.Event().wait(0.05)  # hold the slot: the others must queue

    runner = InProcessRunner.from_settings(settings, on_event)
    chats = [
        open_conversation(
            settings, "ana", clock=lambda: NOW, mode="rules", runner=runner, events=router
        )
        for _ in range(20)
    ]
    try:
        for chat in chats:
            chat.handle("show customers")
        go = threading.Barrier(20)
        replies: list[object] = [None] * 20

        def ask(index: int) -> None:
            go.wait()
            replies[index] = chats[index].handle("export this as csv")

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        runner.shutdown(wait=True)
    finally:
        runner.shutdown(wait=False)
        for chat in chats:
            chat.close()
        store.dispose()
    assert most == 2 and most_in_store == 2
    accepted = [export_id for _, export_id in sorted(queued)]
    assert len(accepted) == 20 and sorted(started) == sorted(accepted) and lagging <= 1
    for export_id in accepted:
        row = _row(settings, export_id)
        assert row.status is ExportStatus.DONE and row.rows_done == 100
        path = settings.storage_dir / (row.file_path or "")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256


def _env(settings: Settings) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    variables.pop("OPENAI_API_KEY", None)
    return variables | {
        "ASSISTANT_DATABASE_URL": settings.database_url,
        "ASSISTANT_SOURCE_URL": settings.source_url,
        "ASSISTANT_STORAGE_DIR": str(settings.storage_dir),
        "ASSISTANT_CONFIRM_EXPORT_ROWS": str(settings.confirm_export_rows),
    }


@pytest.fixture
def killed_mid_export(settings: Settings) -> Iterator[str]:
    """The id of an export whose process was killed (SIGKILL) half way through the file."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.assistant.crash_child"],
        cwd=ROOT, env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("export "), child.stderr.read() if child.stderr else ""
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(30)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    yield line.split()[1]


def test_a_crash_mid_export_is_recovered_and_a_retry_matches_a_clean_export(
    settings: Settings, killed_mid_export: str, tmp_path: Path, big_db: Path
) -> None:
    export_id = killed_mid_export
    crashed = _row(settings, export_id)
    assert crashed.status is ExportStatus.RUNNING and crashed.rows_done > 0
    leftovers = _files(settings)
    assert leftovers and all(p.name.startswith(".") and p.suffix == ".part" for p in leftovers)

    # The restart: `chat` recovers before it answers, and "retry" runs the export again.
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--json", "--user", "ana",
         "--now", "2026-11-18T15:30:00"],
        input=f"retry export {export_id}\n", capture_output=True, text=True, cwd=ROOT,
        env=_env(settings), timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (reply,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert reply["export"]["id"] == export_id and reply["export"]["status"] == "done"
    assert reply["export"]["rows"] == ORDERS

    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            actions = session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.export_id == export_id)
                .order_by(AuditEntry.id)
            ).all()
    finally:
        engine.dispose()
    assert actions == ["export_created", "export_interrupted", "export_retried", "export_done"]
    assert not any(p.exists() for p in leftovers)
    assert [p.name for p in _files(settings)] == [reply["export"]["file_name"]]

    clean = make_settings(tmp_path / "clean", big_db, confirm_export_rows=ORDERS)
    with open_conversation(
        clean, "ana", clock=lambda: NOW, mode="rules", wait_for_exports=True
    ) as chat:
        chat.handle("show orders")
        fresh = chat.handle("export this as csv").export
    assert fresh is not None and fresh.status == "done"
    assert reply["export"]["sha256"] == fresh.sha256
    path = Path(reply["export"]["path"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == fresh.sha256


def test_recovery_marks_the_crashed_export_interrupted(
    settings: Settings, killed_mid_export: str
) -> None:
    recovered = recover_at_start(settings, NOW)
    assert recovered.interrupted == [killed_mid_export]
    assert recovered.temporaries and _files(settings) == []
    row = _row(settings, killed_mid_export)
    assert row.status is ExportStatus.FAILED and row.error == INTERRUPTED
    assert recover_at_start(settings, NOW).interrupted == []  # done once


def test_retry_refuses_what_is_not_retryable(tmp_path: Path) -> None:
    small = build_demo(tmp_path / "small.db", 400, today=NOW.date())
    settings = make_settings(tmp_path / "s", small)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        assert "no failed" in chat.handle("retry").text
        chat.handle("show customers")
        done = chat.handle("export this as csv").export
        assert done is not None
        assert "only failed" in chat.handle(f"retry export {done.id}").text
    with open_conversation(settings, "bo", clock=lambda: NOW, mode="rules") as other:
        assert "there is no export" in other.handle(f"retry export {done.id}").text.lower()
