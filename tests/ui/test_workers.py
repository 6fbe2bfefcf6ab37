"""The browser chat with exports on a Celery worker: the same page, the file made elsewhere."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.ui.servers import ROOT
from tests.ui.test_app import exported, main_downloads, main_texts, say, start


@pytest.fixture
def worker(app_env: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A ``python -m assistant worker`` on the page's store and files, through Redis."""
    queue = f"test-ui-{secrets.token_hex(6)}"
    monkeypatch.setenv("ASSISTANT_BROKER_URL", redis_url)
    monkeypatch.setenv("ASSISTANT_QUEUE", queue)
    monkeypatch.setenv("ASSISTANT_INLINE_EXPORT_ROWS", "1")
    log = app_env / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "worker", "--concurrency", "1"],
            cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield log
    finally:
        process.terminate()
        process.wait(30)
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        client.close()


def test_a_background_export_from_the_chat_is_made_by_the_worker(
    app_env: Path, worker: Path
) -> None:
    at = say(start(), "show orders from today")
    say(at, "export this as csv")
    assert "in the background" in main_texts(at)[-1]
    deadline = time.monotonic() + 60
    while not main_downloads(at.run()) and time.monotonic() < deadline:
        time.sleep(0.1)
    (label,) = main_downloads(at)
    assert label.endswith(".csv") and not at.main.get("progress")
    (path,) = exported(app_env, ".csv")
    assert len(path.read_text().splitlines()) == 11  # the header and today's 10 orders
    assert "claimed (fence 1)" in worker.read_text()  # made by the worker, not the page
