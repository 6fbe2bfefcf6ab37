"""Fixtures for the engine's tests: a demo source, a fresh store, a conversation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.demo import build_demo
from assistant.engine import Conversation, open_conversation
from assistant.settings import Settings
from assistant.store import migrate

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)  # a Wednesday


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-order demo database ending on NOW's day, shared by a test module."""
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db", 400, today=NOW.date())


@pytest.fixture
def settings(tmp_path: Path, demo_db: Path) -> Settings:
    """Settings with a fresh, migrated store and files under this test's folder."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=f"sqlite:///{demo_db}",
        storage_dir=tmp_path / "files",
    )
    migrate(settings.database_url)
    return settings


@pytest.fixture
def chat(settings: Settings) -> Iterator[Conversation]:
    """Ana's conversation at NOW, rules only."""
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as conversation:
        yield conversation
