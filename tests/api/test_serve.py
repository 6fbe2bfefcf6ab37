"""``python -m assistant serve``: a real server on 127.0.0.1 that stops cleanly, in one
process or in several (``--workers N``)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from assistant.settings import Settings
from tests.api.conftest import key_for
from tests.ui.servers import free_port, listening

ROOT = Path(__file__).resolve().parents[2]


def _env(settings: Settings) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | {
        "ASSISTANT_DATABASE_URL": settings.database_url,
        "ASSISTANT_SOURCE_URL": settings.source_url,
        "ASSISTANT_STORAGE_DIR": str(settings.storage_dir),
        "ASSISTANT_SECRET_KEY": "serve-test-secret-0123456789abcdefghijklmn",
    }


@contextlib.contextmanager
def _serving(settings: Settings, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``serve`` on a free port, healthy; killed (its whole group) if the test leaves it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port), *extra],
        cwd=ROOT, env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, process_group=0,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            assert server.poll() is None, "the server ended before it answered"
            time.sleep(0.1)
        yield server, base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        if server.stdout:
            server.stdout.close()


def _export_and_download(base: str, key: str) -> None:
    made = httpx.post(
        f"{base}/api/exports",
        json={"sql": "SELECT * FROM products", "format": "csv"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert made.status_code == 201, made.text
    assert httpx.get(made.json()["download_url"]).status_code == 200


def _output(server: subprocess.Popen[str]) -> str:
    return server.stdout.read() if server.stdout else ""


def test_serve_answers_and_exits_0_on_sigterm(settings: Settings) -> None:
    key = key_for(settings, "ana")
    with _serving(settings) as (server, base):
        _export_and_download(base, key)
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
        output = _output(server)
    assert "Application shutdown complete" in output


def _workers(server: subprocess.Popen[str]) -> list[psutil.Process]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    children = psutil.Process(server.pid).children(recursive=True)
    return [child for child in children if "spawn_main" in " ".join(child.cmdline())]


def test_two_workers_share_the_port_and_all_stop_on_sigterm(settings: Settings) -> None:
    """``--workers 2``: two processes serve one port over one store (an export made through
    one is read through the other: any answer is right); SIGTERM stops them all, each
    shutting down its app, and the command exits 0."""
    key = key_for(settings, "ana")
    auth = {"Authorization": f"Bearer {key}"}
    with _serving(settings, "--workers", "2") as (server, base):
        workers = _workers(server)
        assert len(workers) == 2, workers
        made = [
            httpx.post(f"{base}/api/exports", json={"sql": f"SELECT {n} AS n", "format": "csv"},
                       headers=auth).json()["id"]
            for n in range(6)
        ]  # fmt: skip
        # New connections each time: the kernel hands them to either worker.
        for export_id in made:
            for _ in range(3):
                seen = httpx.get(f"{base}/api/exports/{export_id}", headers=auth)
                assert seen.status_code == 200 and seen.json()["status"] == "done", seen.text
        history = httpx.get(f"{base}/api/exports", headers=auth).json()
        assert history["total"] == 6
        _export_and_download(base, key)
        port = int(base.rsplit(":", 1)[1])
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
        output = _output(server)
    assert output.count("Application shutdown complete") == 2, output
    assert not any(worker.is_running() for worker in workers)
    assert not listening(port)


def test_workers_stop_when_their_supervisor_is_killed(settings: Settings) -> None:
    """A worker whose supervisor dies outright (SIGKILL) stops on its own, gracefully,
    instead of holding the port with nobody to stop it."""
    with _serving(settings, "--workers", "2") as (server, base):
        workers = _workers(server)
        assert len(workers) == 2, workers
        server.kill()
        server.wait()
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, alive
        assert not listening(int(base.rsplit(":", 1)[1]))


def test_a_store_that_cannot_be_opened_fails_before_any_worker_starts(settings: Settings) -> None:
    """``serve --workers 2`` migrates the store once, before starting workers: a store
    that cannot be reached ends it with exit 1 and a line saying so."""
    broken = settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/x"}
    )
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT, env=_env(broken), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "error:" in done.stderr and not listening(port)


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_workers_must_be_a_whole_number(workers: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--workers", workers],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--workers" in done.stderr


def test_workers_get_an_even_share_of_a_burst_of_connections(settings: Settings) -> None:
    """50 keep-alive clients connecting at once are spread over the two workers by the
    kernel (a socket each, SO_REUSEPORT), not left to whichever woke first (36 and 14)."""
    with _serving(settings, "--workers", "2") as (server, base):
        workers = _workers(server)
        port = int(base.rsplit(":", 1)[1])
        for _ in range(300):  # both listening (the second may still be starting)
            if all(_listens(worker) for worker in workers):
                break
            time.sleep(0.1)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
        try:
            held: list[int] = []
            for _ in range(50):  # until both have accepted all 50
                held = [
                    sum(1 for c in worker.net_connections("tcp") if c.status == "ESTABLISHED")
                    for worker in workers
                ]
                if sum(held) == 50:
                    break
                time.sleep(0.1)
        finally:
            for client in clients:
                client.close()
    assert sum(held) == 50 and min(held) >= 10, held  # 10 or fewer: about 1 in 100,000


def _listens(worker: psutil.Process) -> bool:
    return any(c.status == "LISTEN" for c in worker.net_connections("tcp"))


def test_a_port_in_use_is_refused_not_shared(settings: Settings) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=_env(settings), capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "another program is using that port" in done.stderr
