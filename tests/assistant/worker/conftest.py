"""A small deployment for the workers' tests: a PostgreSQL store, Redis, real workers.

:class:`Deployment` holds the settings every process shares (a fresh PostgreSQL schema,
a storage folder, a Redis queue of its own) and starts ``python -m assistant worker``
processes with them; the tests talk to the same store in-process (``Assistant``,
the API app) and kill, pause or resume the workers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from assistant.settings import Settings
from assistant.store import (
    AuditEntry,
    Export,
    create_store_engine,
    migrate,
    session_factory,
)
from tests.api.conftest import make_settings
from tests.assistant.conftest import pg_schema_url

ROOT = Path(__file__).resolve().parents[3]


class Deployment:
    """Settings shared by this process and the workers it starts."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings = settings
        self.logs = logs
        self.workers: dict[int, subprocess.Popen[bytes]] = {}
        self._engine = create_store_engine(settings.database_url)
        self.sessions = session_factory(self._engine)

    def env(self) -> dict[str, str]:
        variables = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        variables.pop("OPENAI_API_KEY", None)
        fields = self.settings.model_dump(exclude_none=True)
        return variables | {
            f"ASSISTANT_{name.upper()}": str(value) for name, value in fields.items()
        }

    def start_worker(self, concurrency: int = 2) -> subprocess.Popen[bytes]:
        """A ``python -m assistant worker`` process, once it says it is ready."""
        log = self.logs / f"worker-{len(self.workers) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "assistant", "worker", f"--concurrency={concurrency}"],
                cwd=ROOT, env=self.env(), stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.workers[process.pid] = process
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the worker did not start:\n{log.read_text()}")
            time.sleep(0.1)
        return process

    def log_of(self, process: subprocess.Popen[bytes]) -> str:
        index = list(self.workers).index(process.pid) + 1
        return (self.logs / f"worker-{index}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.workers.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGCONT)  # a paused one must hear SIGTERM
                process.terminate()
        for process in self.workers.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self._engine.dispose()
        self._forget_queue()

    def _forget_queue(self) -> None:
        """Remove what this deployment's queue left in Redis (the test's own keys only)."""
        if not self.settings.broker_url:
            return
        client = redis.Redis.from_url(self.settings.broker_url)
        try:
            keys = list(client.scan_iter(match=f"*{self.settings.queue}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()

    # -- reading the store -------------------------------------------------------------

    def row(self, export_id: str) -> Export:
        with self.sessions() as session:
            row = session.get(Export, export_id)
            assert row is not None
            session.expunge(row)
            return row

    def wait_for(
        self, export_id: str, done: Callable[[Export], bool], timeout: float = 120
    ) -> Export:
        deadline = time.monotonic() + timeout
        while True:
            row = self.row(export_id)
            if done(row):
                return row
            if time.monotonic() > deadline:
                logs = "\n".join(self.log_of(p)[-3000:] for p in self.workers.values())
                raise AssertionError(f"export {export_id} is still {row.status}:\n{logs}")
            time.sleep(0.05)

    def audit_count(self, export_id: str, action: str) -> int:
        with self.sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.export_id == export_id, AuditEntry.action == action)
                )
                or 0
            )


def deployment_settings(
    pg_database: Any, redis_url: str, root: Path, source: Path, **overrides: Any
) -> Settings:
    """Settings over a fresh PostgreSQL schema, a storage folder and a Redis queue."""
    chosen: dict[str, Any] = {
        "database_url": pg_schema_url(pg_database),
        "source_url": f"sqlite:///{source}",
        "storage_dir": root / "files",
        "broker_url": redis_url,
        "queue": f"test-{secrets.token_hex(6)}",
        "secret_key": "worker-tests-signing-key-0123456789abcdef",
        "scheduler": False,
    }
    settings = Settings(**(chosen | overrides))
    migrate(settings.database_url)
    return settings


@pytest.fixture
def deploy(pg_database: Any, redis_url: str, tmp_path: Path) -> Iterator[Callable[..., Deployment]]:
    """``deploy(source, **settings)``: a deployment stopped (workers and all) at teardown."""
    made: list[Deployment] = []

    def build(source: Path, **overrides: Any) -> Deployment:
        root = tmp_path / f"deployment-{len(made) + 1}"
        (root / "logs").mkdir(parents=True)
        settings = deployment_settings(pg_database, redis_url, root, source, **overrides)
        deployment = Deployment(settings, root / "logs")
        made.append(deployment)
        return deployment

    yield build
    for deployment in made:
        deployment.stop()


def build_events(path: Path, rows: int) -> Path:
    """A SQLite table ``events`` of ``rows`` rows of text, numbers and timestamps, made
    in SQL (a million in a few seconds)."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "amount REAL NOT NULL, happened_at TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO events WITH RECURSIVE n(i) AS "
            f"(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
            "SELECT i, 'event ' || i, i * 0.25, "
            "datetime('2026-11-18', '+' || (i % 86400) || ' seconds') FROM n"
        )
    db.close()
    return path


def inline_settings(root: Path, source: Path, rows: int) -> Settings:
    """Settings that export up to ``rows`` rows inline, in this process: the direct
    export the workers' files are compared with."""
    return make_settings(root, source, inline_export_rows=rows)


def file_identity(path: Path) -> tuple[int, int, int]:
    """Inode, size and modification time: unchanged means nobody wrote or replaced it."""
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
