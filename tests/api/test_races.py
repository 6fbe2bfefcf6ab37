"""First saves that race, on SQLite and PostgreSQL: 20 at once, 5 rounds, never a 5xx.

Each round is a user who never saved anything; the 20 requests overlap on a real server
(TestClient would not let them). Preferences: every save succeeds and the one that is
kept is one of those sent. Templates with one new name: one creates it, the others
replace it (PUT's contract), so there is exactly one template of that name.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.api import create_app
from assistant.settings import Settings
from assistant.store import migrate
from tests.api.conftest import key_for
from tests.api.live import serving
from tests.databases import throwaway_database

AT_ONCE = 20
ROUNDS = 5
FORMATS = ["csv", "xlsx", "json", "parquet"]


@pytest.fixture(scope="module")
def pg_store(postgres_url: str) -> Iterator[str]:
    """A throwaway PostgreSQL database for this module's stores."""
    with throwaway_database(postgres_url, "test_races") as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path, api_demo_db: Path) -> Iterator[Any]:
    """(base URL, settings) of a real server over a fresh store of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("pg_store")
    settings = Settings(
        database_url=url,
        source_url=f"sqlite:///{api_demo_db}",
        storage_dir=tmp_path / "files",
        secret_key="test-secret",
    )
    migrate(settings.database_url)
    with serving(create_app(settings)) as base:
        yield base, settings


def _all_at_once(base: str, key: str, bodies: list[dict[str, Any]], path: str) -> list[int]:
    headers = {"Authorization": f"Bearer {key}"}
    with (
        httpx.Client(base_url=base, headers=headers, timeout=60) as client,
        ThreadPoolExecutor(AT_ONCE) as pool,
    ):
        answers = list(pool.map(lambda body: client.put(path, json=body), bodies))
    return [answer.status_code for answer in answers]


def test_first_preference_saves_at_once_all_succeed(live: Any) -> None:
    base, settings = live
    for round_ in range(ROUNDS):
        key = key_for(settings, f"pref-{round_}-{secrets.token_hex(3)}")
        bodies = [
            {"default_format": FORMATS[n % len(FORMATS)], "options": {"csv": {"delimiter": ";"}}}
            for n in range(AT_ONCE)
        ]
        assert _all_at_once(base, key, bodies, "/api/preferences") == [200] * AT_ONCE
        saved = httpx.get(f"{base}/api/preferences", headers={"Authorization": f"Bearer {key}"})
        assert saved.status_code == 200
        assert saved.json()["default_format"] in FORMATS
        assert saved.json()["options"] == {"csv": {"delimiter": ";"}}


def test_first_template_saves_of_one_name_create_it_once(live: Any) -> None:
    base, settings = live
    for round_ in range(ROUNDS):
        key = key_for(settings, f"tpl-{round_}-{secrets.token_hex(3)}")
        queries = [f"SELECT {n} AS n" for n in range(AT_ONCE)]
        bodies = [
            {
                "name": "weekly",
                "request": {"intent": "export", "format": "csv", "target": "query", "query": q},
            }
            for q in queries
        ]
        assert _all_at_once(base, key, bodies, "/api/templates") == [200] * AT_ONCE
        listed = httpx.get(f"{base}/api/templates", headers={"Authorization": f"Bearer {key}"})
        mine = [t for t in listed.json() if t["mine"]]
        assert [t["name"] for t in mine] == ["weekly"]
        assert mine[0]["request"]["query"] in queries
