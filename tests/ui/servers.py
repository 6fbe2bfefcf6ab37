"""Real processes on free local ports for the ``up`` and browser tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start_up(env: dict[str, str], api: int, ui: int, log: Path) -> subprocess.Popen[bytes]:
    """``python -m assistant up`` on ports ``api`` and ``ui``, its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "assistant", "up", "--api-port", str(api), "--ui-port", str(ui)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_for_text(
    process: subprocess.Popen[bytes], log: Path, text: str, timeout: float = 60
) -> None:
    """Until ``log`` shows ``text``; fails with the log if the process ends first."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never came; the log:\n{log.read_text()}")
        time.sleep(0.05)
