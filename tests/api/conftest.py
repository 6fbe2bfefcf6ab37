"""The real app over a demo source and a fresh store, and two users with keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.demo import build_demo
from assistant.settings import Settings
from assistant.store import create_store_engine, create_user_with_key, migrate, session_factory

TODAY = dt.date(2026, 11, 18)


@pytest.fixture(scope="session")
def api_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("api-demo") / "demo.db", 400, today=TODAY)


def make_settings(root: Path, source: Path, **overrides: object) -> Settings:
    settings = Settings(
        database_url=f"sqlite:///{root / 'store.db'}",
        source_url=f"sqlite:///{source}",
        storage_dir=root / "files",
        secret_key="test-secret",
        **overrides,  # type: ignore[arg-type]
    )
    migrate(settings.database_url)
    return settings


@pytest.fixture
def settings(tmp_path: Path, api_demo_db: Path) -> Settings:
    return make_settings(tmp_path, api_demo_db)


def key_for(settings: Settings, name: str) -> str:
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            return create_user_with_key(session, name)[1]
    finally:
        engine.dispose()


@dataclass
class User:
    name: str
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def ana(settings: Settings) -> User:
    return User("ana", key_for(settings, "ana"))


@pytest.fixture
def bo(settings: Settings) -> User:
    return User("bo", key_for(settings, "bo"))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with its lifespan run (migrations, recovery), as a client on 127.0.0.1."""
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client
