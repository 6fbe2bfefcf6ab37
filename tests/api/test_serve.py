"""``python -m assistant serve``: a real server on 127.0.0.1 that stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from assistant.settings import Settings
from tests.api.conftest import key_for
from tests.ui.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serve_answers_and_exits_0_on_sigterm(settings: Settings) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | {
        "ASSISTANT_DATABASE_URL": settings.database_url,
        "ASSISTANT_SOURCE_URL": settings.source_url,
        "ASSISTANT_STORAGE_DIR": str(settings.storage_dir),
        "ASSISTANT_SECRET_KEY": "serve-test-secret-0123456789abcdefghijklmn",
    }
    key = key_for(settings, "ana")
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        made = httpx.post(f"{base}/api/exports", json={"sql": "SELECT * FROM products",
                          "format": "csv"}, headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        assert made.status_code == 201, made.text
        assert httpx.get(made.json()["download_url"]).status_code == 200
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        server.kill()
        server.wait()
        output = server.stdout.read() if server.stdout else ""
        if server.stdout:
            server.stdout.close()
    assert "Application shutdown complete" in output
