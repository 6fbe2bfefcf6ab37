"""``python -m assistant up`` (``make run``): the API and the chat together, stopped together.

Ctrl-C is checked when the session's ``running_up`` stops (see conftest.py)."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import httpx

from tests.ui.conftest import Running, assistant_env
from tests.ui.servers import free_port, listening, start_up, wait_for_text


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
    with socket.socket() as taken:  # the chat cannot listen: its process ends at start
        taken.bind(("127.0.0.1", ui))
        taken.listen()
        process = start_up(assistant_env(tmp_path, ui_demo_db), api, ui, log)
        try:
            assert process.wait(timeout=60) == 1, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert "the chat stopped (exit 1), so the API was stopped too" in log.read_text()
    assert not listening(api)
