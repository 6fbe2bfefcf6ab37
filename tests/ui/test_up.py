"""``python -m assistant up`` (``make run``): the API and the chat together, stopped together.

Ctrl-C is checked when the session's ``running_up`` stops (see conftest.py)."""

from __future__ import annotations

import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis

from assistant.settings import Settings
from tests.api.conftest import key_for
from tests.ui.conftest import Running, assistant_env
from tests.ui.servers import ROOT, free_port, listening, start_up, wait_for_text


def test_up_prints_both_urls_and_serves_both(running_up: Running) -> None:
    printed = running_up.log.read_text()
    assert f"API   {running_up.api}  (documentation at {running_up.api}/docs)" in printed
    assert f"Chat  {running_up.ui}" in printed
    assert httpx.get(f"{running_up.api}/api/health").status_code == 200
    assert httpx.get(f"{running_up.ui}/_stcore/health").text == "ok"


def test_sigterm_stops_both(tmp_path: Path, ui_demo_db: Path) -> None:
    api, ui = free_port(), free_port()
    log = tmp_path / "up.log"
    process = start_up(assistant_env(tmp_path, ui_demo_db), api, ui, log)
    try:
        wait_for_text(process, log, f"URL: http://127.0.0.1:{ui}")  # the chat is up
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not listening(api) and not listening(ui)


def test_up_stops_the_api_when_the_chat_dies(tmp_path: Path, ui_demo_db: Path) -> None:
    api, ui = free_port(), free_port()
    log = tmp_path / "up.log"
    with socket.socket() as taken:  # bound, not listening: the chat cannot bind, ends at start
        taken.bind(("127.0.0.1", ui))
        process = start_up(assistant_env(tmp_path, ui_demo_db), api, ui, log)
        try:
            assert process.wait(timeout=60) == 1, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert "the chat stopped (exit 1), so the API was stopped too" in log.read_text()
    assert not listening(api)


def test_a_busy_port_is_named_and_nothing_starts(tmp_path: Path, ui_demo_db: Path) -> None:
    """Another program listening on the API's port: ``up`` names it and exits 1 instead of
    printing that program's URL as if it were ours."""
    api, ui = free_port(), free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", api))
        other.listen()
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "up", "--api-port", str(api), "--ui-port", str(ui)],
            cwd=ROOT, env=assistant_env(tmp_path, ui_demo_db), capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert (
        f"port {api} (for the API) is in use by another program; choose another with "
        f"`make run API_PORT=...` or `--api-port ...`"
    ) in done.stderr
    assert "API   http" not in done.stdout
    assert not listening(ui)


def test_up_with_a_broker_starts_a_worker_that_runs_the_exports(
    tmp_path: Path, ui_demo_db: Path, redis_url: str
) -> None:
    api, ui = free_port(), free_port()
    log = tmp_path / "up.log"
    env = assistant_env(tmp_path, ui_demo_db) | {
        "ASSISTANT_BROKER_URL": redis_url,
        "ASSISTANT_QUEUE": f"test-up-{secrets.token_hex(6)}",
        "ASSISTANT_INLINE_EXPORT_ROWS": "10",
    }
    process = start_up(env, api, ui, log)
    try:
        wait_for_text(process, log, "Ctrl-C stops them all.")
        assert "Workers  1 (Celery, queue test-up-" in log.read_text()
        key = key_for(Settings(database_url=env["ASSISTANT_DATABASE_URL"]), "ana")
        auth = {"Authorization": f"Bearer {key}"}
        base = f"http://127.0.0.1:{api}"
        made = httpx.post(f"{base}/api/exports", headers=auth,
                          json={"sql": "SELECT * FROM orders", "format": "csv"})  # fmt: skip
        assert made.status_code == 201 and made.json()["status"] == "queued"
        deadline = time.monotonic() + 60
        while (now := httpx.get(f"{base}/api/exports/{made.json()['id']}", headers=auth).json())[
            "status"
        ] in ("queued", "running"):
            assert time.monotonic() < deadline, now
            time.sleep(0.1)
        assert now["status"] == "done" and now["rows_done"] > 10
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        client = redis.Redis.from_url(redis_url)  # the queue's keys, and only those
        for stale in client.scan_iter(match=f"*{env['ASSISTANT_QUEUE']}*"):
            client.delete(stale)
        client.close()
    assert not listening(api) and not listening(ui)


def test_up_refuses_workers_without_a_broker(tmp_path: Path, ui_demo_db: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "up", "--workers", "2"],
        cwd=ROOT, env=assistant_env(tmp_path, ui_demo_db), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--workers needs ASSISTANT_BROKER_URL" in done.stderr
