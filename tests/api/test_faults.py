"""No 500 from ordinary input or known faults, and no dropped connection after any error.

- a cron that never fires: 422 naming ``cron`` on create and update; a stored one: 400;
- the store gone (PostgreSQL database dropped, SQLite folder removed): 503 with
  ``Retry-After`` and the contract's body; PostgreSQL cutting the sessions is survived;
- the data source unreachable: 503 ``source_unavailable``;
- a bug: a 500 with the contract's body, a logged traceback, and the same keep-alive
  connection answering the next request (a real uvicorn server, one httpx.Client).
"""

from __future__ import annotations

import logging
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, update

from assistant.api import create_app
from assistant.api.routes import preferences
from assistant.settings import Settings
from assistant.store import Schedule, create_store_engine, migrate, session_factory
from tests.api.conftest import User, key_for, make_settings
from tests.api.live import serving
from tests.databases import throwaway_database

SCHEDULE = {
    "cron": "0 9 * * 1",
    "request": {"intent": "export", "format": "csv", "target": "query", "query": "SELECT 1"},
    "destination": {"kind": "email", "to": "ana@example.com"},
}


def _unavailable(answer: httpx.Response, code: str) -> None:
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"].endswith(".")


# --- cron dates that never come ---------------------------------------------------------


@pytest.mark.parametrize("cron", ["0 0 30 2 *", "0 0 31 4 *"])
def test_a_cron_that_never_fires_is_refused_on_create_and_update(
    client: TestClient, ana: User, cron: str
) -> None:
    made = client.post("/api/schedules", json=SCHEDULE | {"cron": cron}, headers=ana.auth)
    assert made.status_code == 422, made.text
    message = made.json()["error"]["message"]
    assert message.startswith(f"cron: '{cron}' never fires"), message
    good = client.post("/api/schedules", json=SCHEDULE, headers=ana.auth)
    assert good.status_code == 201
    path = f"/api/schedules/{good.json()['id']}"
    changed = client.patch(path, json={"cron": cron}, headers=ana.auth)
    assert changed.status_code == 422 and "never fires" in changed.json()["error"]["message"]
    assert client.get(path, headers=ana.auth).json()["cron"] == "0 9 * * 1"


def test_a_stored_cron_that_never_fires_answers_400_not_500(
    client: TestClient, ana: User, settings: Settings
) -> None:
    made = client.post("/api/schedules", json=SCHEDULE, headers=ana.auth).json()
    engine = create_store_engine(settings.database_url)
    with session_factory(engine).begin() as session:  # saved before crons were checked
        session.execute(update(Schedule).values(cron="0 0 30 2 *"))
    engine.dispose()
    resumed = client.patch(f"/api/schedules/{made['id']}", json={"active": True}, headers=ana.auth)
    assert resumed.status_code == 400 and "never fires" in resumed.json()["error"]["message"]


# --- the store or the source goes away --------------------------------------------------


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[tuple[str, str]]:
    """(URL, name) of a throwaway PostgreSQL database, dropped at the end if still there."""
    with throwaway_database(postgres_url, "test_faults") as url:
        yield url.render_as_string(hide_password=False), str(url.database)


def _admin(postgres_url: str, sql: str) -> None:
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(sql)
    finally:
        admin.dispose()


def test_postgres_store_cut_off_then_dropped(
    pg_store: tuple[str, str], postgres_url: str, tmp_path: Path, api_demo_db: Path
) -> None:
    url, name = pg_store
    settings = Settings(
        database_url=url,
        source_url=f"sqlite:///{api_demo_db}",
        storage_dir=tmp_path / "files",
        secret_key="test-secret",
    )
    migrate(url)
    auth = {"Authorization": f"Bearer {key_for(settings, 'ana')}"}
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        assert client.put("/api/preferences", json={}, headers=auth).status_code == 200
        _admin(postgres_url, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")  # fmt: skip
        assert client.get("/api/preferences", headers=auth).status_code == 200  # reconnected
        _admin(postgres_url, f'DROP DATABASE "{name}" WITH (FORCE)')
        _unavailable(client.get("/api/preferences", headers=auth), "store_unavailable")
        _unavailable(client.put("/api/templates", json={"name": "x", "request": SCHEDULE[
            "request"]}, headers=auth), "store_unavailable")  # fmt: skip
        _unavailable(client.get("/api/health"), "store_unavailable")


def test_sqlite_store_whose_folder_is_removed(tmp_path: Path, api_demo_db: Path) -> None:
    settings = make_settings(tmp_path / "store", api_demo_db)
    auth = {"Authorization": f"Bearer {key_for(settings, 'ana')}"}
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        assert client.get("/api/preferences", headers=auth).status_code == 200
        shutil.rmtree(tmp_path / "store")
        client.app.state.parts.assistant.store_engine.dispose()  # new connections from now
        _unavailable(client.get("/api/preferences", headers=auth), "store_unavailable")
        _unavailable(client.get("/api/exports", headers=auth), "store_unavailable")


def test_a_source_that_cannot_be_reached_answers_503(
    postgres_url: str, tmp_path: Path, api_demo_db: Path
) -> None:
    gone = make_url(postgres_url).set(database=f"missing_{secrets.token_hex(4)}")
    settings = make_settings(tmp_path, api_demo_db)
    settings = settings.model_copy(update={"source_url": gone.render_as_string(False)})
    auth = {"Authorization": f"Bearer {key_for(settings, 'ana')}"}
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        answer = client.post("/api/queries", json={"sql": "SELECT 1"}, headers=auth)
        _unavailable(answer, "source_unavailable")
        assert "cannot connect to the database" in answer.json()["error"]["message"]


# --- the connection survives an error ---------------------------------------------------


def _port(answer: httpx.Response) -> int:
    stream = answer.extensions["network_stream"]
    port: int = stream.get_extra_info("socket").getsockname()[1]
    return port


def test_a_bug_answers_500_as_json_and_keeps_the_connection(
    settings: Settings, ana: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug in reading preferences")

    monkeypatch.setattr(preferences, "read_preferences", broken)
    with serving(create_app(settings)) as base, httpx.Client(base_url=base) as client:
        with caplog.at_level(logging.ERROR, logger="assistant.api.faults"):
            failed = client.get("/api/preferences", headers=ana.auth)
        assert failed.status_code == 500
        assert failed.json()["error"]["code"] == "internal_error"
        assert "a bug in reading preferences" not in failed.text  # no details to the caller
        assert any("a bug in reading preferences" in r.exc_text for r in caplog.records
                   if r.exc_text)  # fmt: skip
        wrong = client.post("/api/schedules", json=SCHEDULE | {"cron": "0 0 30 2 *"},
                            headers=ana.auth)  # fmt: skip
        fine = client.get("/api/health")
        assert (wrong.status_code, fine.status_code) == (422, 200)
        assert _port(failed) == _port(wrong) == _port(fine)  # one connection throughout
