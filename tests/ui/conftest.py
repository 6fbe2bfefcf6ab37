"""The page over a small demo shop whose "today" is today, a fresh store and tmp files.

Settings reach the page as ``ASSISTANT_*`` variables, exactly as in production; the
engine's clock is the real one, so the demo is built to end on today's (UTC) date.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st

from assistant.source.demo import build_demo
from tests.ui.servers import free_port, listening, start_up, wait_for_text

APP = "../../ui/app.py"  # AppTest resolves it against this package's test files


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="session")
def ui_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 orders ending today: "orders from today" always has rows."""
    return build_demo(tmp_path_factory.mktemp("ui-demo") / "demo.db", 400, today=utc_today())


def assistant_env(root: Path, source: Path) -> dict[str, str]:
    """A clean environment for the assistant: tmp store and files, rules only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {
        "ASSISTANT_DATABASE_URL": f"sqlite:///{root / 'store.db'}",
        "ASSISTANT_SOURCE_URL": f"sqlite:///{source}",
        "ASSISTANT_STORAGE_DIR": str(root / "files"),
        "ASSISTANT_SECRET_KEY": "ui-test-secret-0123456789abcdefghijklmnop",
    }
    return env


@pytest.fixture
def app_env(tmp_path: Path, ui_demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The page's settings for one test; the cached assistant is closed afterwards."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(name)
    for name, value in assistant_env(tmp_path, ui_demo_db).items():
        if name.startswith("ASSISTANT_"):
            monkeypatch.setenv(name, value)
    yield tmp_path
    st.cache_resource.clear()  # closes the test's Assistant (on_release)
    st.cache_data.clear()


@dataclass
class Running:
    """``python -m assistant up`` serving on free ports, and what it printed."""

    api: str
    ui: str
    source: Path
    log: Path


@pytest.fixture(scope="package")  # stopped when tests/ui ends, not at the session's end
def running_up(tmp_path_factory: pytest.TempPathFactory, ui_demo_db: Path) -> Iterator[Running]:
    """The API and the chat as ``make run`` starts them (each its own process), with
    download links pointing at this API; stopped at the end with Ctrl-C's SIGINT, which
    must stop both and exit 0."""
    root = tmp_path_factory.mktemp("up")
    api, ui = free_port(), free_port()
    env = assistant_env(root, ui_demo_db) | {"ASSISTANT_PUBLIC_URL": f"http://127.0.0.1:{api}"}
    log = root / "up.log"
    process = start_up(env, api, ui, log)
    try:
        wait_for_text(process, log, "Ctrl-C stops both.")
        yield Running(f"http://127.0.0.1:{api}", f"http://127.0.0.1:{ui}", ui_demo_db, log)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0, log.read_text()
        assert not listening(api) and not listening(ui)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
