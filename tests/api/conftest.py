"""The real app over a demo source and a fresh store, and two users with keys."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from assistant.api import create_app
from assistant.settings import Settings
from assistant.source.demo import build_demo
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
        # Set up, never reached: email schedules may be stored (refused without one, 422).
        **{"smtp_url": "smtp://127.0.0.1:9", **overrides},  # type: ignore[arg-type]
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


@pytest.fixture
def store(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test store, for reading or bending rows behind the API's back."""
    engine = create_store_engine(settings.database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def app_client(tmp_path: Path, api_demo_db: Path) -> Iterator[Callable[..., TestClient]]:
    """Build a client over an app with its own settings: ``app_client(max_export_rows=5)``.

    Each call gets a fresh store and storage; its settings are
    ``client.app.state.parts.settings``. Every client is closed at teardown."""
    numbers = itertools.count(1)
    with contextlib.ExitStack() as stack:

        def build(**overrides: object) -> TestClient:
            root = tmp_path / f"app-{next(numbers)}"
            root.mkdir()
            settings = make_settings(root, api_demo_db, **overrides)
            app = create_app(settings)
            return stack.enter_context(TestClient(app, base_url="http://127.0.0.1:8000"))

        yield build
