"""Deployment traps: a placeholder secret, a source role that can read password hashes,
and API keys that must be listed, revoked and rotated from the command line."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.cli.safety import check_deployment
from assistant.cli.users import create_user, list_users, revoke, rotate
from assistant.errors import InvalidInput, NotFound
from assistant.files.links import weak_secret
from assistant.settings import Settings
from assistant.source.privileges import catalogue_exposure
from assistant.store import create_store_engine, session_factory, user_for_key
from assistant.store.models import AuditEntry
from exporters.sources.url import parse_url

from .conftest import User, key_for

LONG = secrets.token_urlsafe(48)


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("change-me-to-a-long-random-string", "placeholder"),
        ("changeme", "placeholder"),
        ("secret-secret-secret-secret-secret-secret", "placeholder"),
        ("short-but-not-placeholder", "25 characters"),
        (LONG, None),
        (None, None),  # unset: a random key is kept on disk
    ],
)
def test_weak_secrets_are_named(tmp_path: Path, secret: str | None, problem: str | None) -> None:
    settings = Settings(storage_dir=tmp_path, secret_key=secret)
    found = weak_secret(settings)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_a_weak_secret_stops_the_start_unless_in_development(tmp_path: Path) -> None:
    weak = Settings(storage_dir=tmp_path, secret_key="change-me", source_url="sqlite:///x.db")
    with pytest.raises(InvalidInput, match="ASSISTANT_DEV_MODE"):
        check_deployment(weak)
    developing = Settings(
        storage_dir=tmp_path, secret_key="change-me", source_url="sqlite:///x.db", dev_mode=True
    )
    assert any("placeholder" in w for w in check_deployment(developing))


def test_serve_refuses_the_compose_placeholder(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")},
        "ASSISTANT_SECRET_KEY": "change-me-to-a-long-random-string",
        "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "ASSISTANT_STORAGE_DIR": str(tmp_path / "files"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--port", "9"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "ASSISTANT_SECRET_KEY is a placeholder" in done.stderr


@pytest.fixture
def read_only_role(postgres_url: str) -> Iterator[str]:
    """A login role that may read one table and nothing else; its URL."""
    name = f"reader_{secrets.token_hex(4)}"
    conninfo = parse_url(postgres_url).conninfo
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute(f"CREATE ROLE {name} LOGIN")
        db.execute(f"GRANT CONNECT ON DATABASE {db.info.dbname} TO {name}")
    url = postgres_url.replace("://postgres@", f"://{name}@", 1)
    try:
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as db:
            db.execute(f"REVOKE CONNECT ON DATABASE {db.info.dbname} FROM {name}")
            db.execute(f"DROP ROLE {name}")


def test_a_superuser_source_is_named_and_a_read_only_one_is_not(
    postgres_url: str, read_only_role: str
) -> None:
    if "://postgres@" not in postgres_url:
        pytest.fail(f"these tests connect as the postgres superuser, not {postgres_url}")
    warning = catalogue_exposure(postgres_url)
    assert warning is not None and "superuser" in warning and "pg_authid" in warning
    assert catalogue_exposure(read_only_role) is None
    assert catalogue_exposure("sqlite:///anything.db") is None


def test_health_shows_warnings_to_administrators_only(
    app_client: Callable[..., TestClient],
) -> None:
    """The test app's secret ("test-secret") is what an administrator is told about."""
    client = app_client(admin_users="ana")
    settings = client.app.state.parts.settings  # type: ignore[attr-defined]
    ana, bo = User("ana", key_for(settings, "ana")), User("bo", key_for(settings, "bo"))
    assert client.get("/api/health").json() == {"status": "ok"}
    assert client.get("/api/health", headers=bo.auth).json() == {"status": "ok"}
    shown = client.get("/api/health", headers=ana.auth).json()
    assert shown["status"] == "ok"
    assert any("ASSISTANT_SECRET_KEY is a placeholder" in w for w in shown["warnings"])


def test_keys_are_listed_revoked_and_rotated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    first, second = create_user("ana", "ana@example.com"), create_user("ana", None)
    bo = create_user("bo", None)
    listed = list_users()
    assert listed[0] == "ana <ana@example.com>" and listed[3] == "bo"
    assert all(first not in line and second not in line for line in listed)  # prefixes only
    assert sum("active" in line for line in listed) == 3

    engine = create_store_engine(url)
    sessions = session_factory(engine)

    def works(key: str) -> bool:
        with sessions.begin() as session:
            return user_for_key(session, key) is not None

    try:
        assert revoke(first[:15]) == 1  # by prefix: only that key
        assert not works(first) and works(second) and works(bo)
        new = rotate("ana")  # all of ana's keys, one new one
        assert not works(second) and works(new) and works(bo)
        assert revoke("bo") == 1 and not works(bo)
        with pytest.raises(NotFound):
            revoke("ak_000000000000")
        with pytest.raises(NotFound):
            rotate("nobody")
        with sessions() as session:
            actions = session.scalars(select(AuditEntry.action)).all()
        assert actions.count("key_revoked") == 3
    finally:
        engine.dispose()
