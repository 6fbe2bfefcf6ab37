"""``"dry_run": true`` on POST /api/exports and /api/exports/batch (issue 21): 200 with
the export's plan (rows, estimated size, caps), nothing recorded and no budget spent; on
PostgreSQL a slow count gives way to the planner's estimate, marked as one."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, make_url, select

from assistant.api import create_app
from assistant.store import AuditEntry, Export, QueryRun, create_store_engine, session_factory
from tests.api.conftest import User, key_for, make_settings

NUMBERS = "SELECT g AS n, md5(g::text) AS digest FROM generate_series(1, {}) AS g"


def _counts(client: TestClient) -> tuple[int, int, int]:
    """(exports, query runs, audit entries) in the client's store."""
    engine = create_store_engine(client.app.state.parts.settings.database_url)  # type: ignore[attr-defined]
    try:
        with session_factory(engine)() as session:
            return tuple(  # type: ignore[return-value]
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Export, QueryRun, AuditEntry)
            )
    finally:
        engine.dispose()


def _user(client: TestClient) -> User:
    return User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]


def _post(client: TestClient, user: User, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, headers=user.auth, json=body)


def test_a_dry_run_plans_records_nothing_and_spends_nothing(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client(exports_per_minute=1, confirm_export_rows=100)
    ana = _user(client)
    before = _counts(client)
    body = {"sql": "SELECT * FROM orders", "format": "csv"}
    for _ in range(3):  # a budget of one export a minute: dry runs do not count
        planned = _post(client, ana, "/api/exports", body | {"dry_run": True})
        assert planned.status_code == 200, planned.text
    plan = planned.json()
    assert _counts(client) == before
    assert plan["dry_run"] is True and plan["format"] == "csv"
    assert plan["rows"] == 400 and plan["rows_estimated"] is False
    assert plan["confirm"] is True  # over 100 rows: the chat would ask
    (part,) = plan["parts"]
    assert part["rows"] == 400 and part["caps"] == [] and plan["masked"] == []
    assert plan["text"].startswith("400 rows, about ") and "as CSV" in plan["text"]

    made = _post(client, ana, "/api/exports", body)  # the real one: the minute's export
    assert made.status_code == 201, made.text
    written = client.get(made.json()["download_url"]).content
    assert len(list(csv.reader(io.StringIO(written.decode())))) == plan["rows"] + 1
    # 400 rows fit the plan's sample (500): measured whole, the estimate is the file's size.
    assert plan["bytes"] == len(written) and part["bytes_per_row"] > 0


def test_a_dry_run_of_a_query_run_and_the_format_caps(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client()
    ana = _user(client)
    query = _post(client, ana, "/api/queries", {"sql": "SELECT * FROM customers"}).json()
    before = _counts(client)
    plan = _post(
        client, ana, "/api/exports",
        {"query_id": query["id"], "format": "pdf", "options": {"max_rows": 10}, "dry_run": True},
    ).json()  # fmt: skip
    assert _counts(client) == before
    assert plan["rows"] == query["row_count"] == 100 and plan["confirm"] is False
    (cap,) = plan["parts"][0]["caps"]
    assert "first 10 rows" in cap and cap in plan["text"]
    ten = _post(
        client, ana, "/api/exports",
        {"sql": "SELECT * FROM customers LIMIT 10", "format": "pdf", "dry_run": True},
    ).json()  # fmt: skip
    # The PDF stops at its cap, so does its size (the capped one adds a note saying so).
    assert plan["bytes"] == pytest.approx(ten["bytes"], rel=0.1)


def test_a_dry_run_is_refused_as_the_export_would_be(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client(max_export_rows=50, confirm_export_rows=10)
    ana = _user(client)
    bad = _post(client, ana, "/api/exports",
                {"sql": "SELECT 1 AS one", "format": "csv", "options": {"delimiter": "x"},
                 "dry_run": True})  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_option"
    writes = _post(client, ana, "/api/exports",
                   {"sql": "DELETE FROM orders", "format": "csv", "dry_run": True})  # fmt: skip
    assert writes.status_code == 400
    orders = {"sql": "SELECT * FROM orders", "format": "csv", "dry_run": True}
    over = _post(client, ana, "/api/exports", orders).json()
    assert "at most 50 rows" in over["caps"][0] and "refused" in over["text"]
    assert over["confirm"] is False  # refused as it starts: nothing to confirm


def test_a_batch_dry_run_has_a_part_per_result(app_client: Callable[..., TestClient]) -> None:
    client = app_client()
    ana = _user(client)
    ids = [
        _post(client, ana, "/api/queries", {"sql": sql}).json()["id"]
        for sql in ("SELECT * FROM customers", "SELECT * FROM products")
    ]
    before = _counts(client)
    plan = _post(client, ana, "/api/exports/batch",
                 {"query_ids": ids, "format": "csv", "dry_run": True}).json()  # fmt: skip
    assert _counts(client) == before
    assert [part["name"] for part in plan["parts"]] == [
        "01 SELECT * FROM customers", "02 SELECT * FROM products",
    ]  # fmt: skip
    assert plan["text"].startswith(f"2 parts, {plan['rows']:,} rows, about ")
    assert "before the ZIP compresses them" in plan["text"]
    window = _post(client, ana, "/api/exports/batch",
                   {"since": "2000-01-01T00:00:00Z", "format": "xlsx", "bundle": "workbook",
                    "dry_run": True}).json()  # fmt: skip
    assert window["rows"] == plan["rows"] and "ZIP" not in window["text"]
    made = _post(client, ana, "/api/exports/batch", {"query_ids": ids, "format": "csv"}).json()
    assert made["rows_done"] == plan["rows"]
    bundle = zipfile.ZipFile(io.BytesIO(client.get(made["download_url"]).content))
    files = [info for info in bundle.infolist() if info.filename.endswith(".csv")]
    for part, info in zip(plan["parts"], files, strict=True):
        assert 0.7 * info.file_size <= part["bytes"] <= 1.3 * info.file_size


@pytest.fixture
def pg_client(tmp_path: Path, api_demo_db: Path, postgres_url: str) -> Iterator[TestClient]:
    """The app over the PostgreSQL test database as its source."""
    settings = make_settings(tmp_path, api_demo_db).model_copy(
        update={"source_url": postgres_url, "plan_count_seconds": 0.05}
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


def _planner_rows(postgres_url: str, sql: str) -> int:
    url = make_url(postgres_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
        row = connection.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()
    assert row is not None
    return int(row[0][0]["Plan"]["Plan Rows"])


def test_on_postgresql_a_slow_count_is_the_planners_estimate(
    pg_client: TestClient, postgres_url: str
) -> None:
    ana = _user(pg_client)
    slow = NUMBERS.format(30_000_000)  # far more than a count does in 0.05 s
    plan = _post(pg_client, ana, "/api/exports", {"sql": slow, "format": "csv", "dry_run": True})
    assert plan.status_code == 200, plan.text
    data = plan.json()
    assert data["rows_estimated"] is True and data["parts"][0]["rows_estimated"] is True
    assert data["rows"] == _planner_rows(postgres_url, slow)
    assert data["text"].startswith(f"about {data['rows']:,} rows")
    assert "planner's estimate" in data["text"]
    quick = _post(pg_client, ana, "/api/exports",
                  {"sql": NUMBERS.format(20), "format": "csv", "dry_run": True}).json()  # fmt: skip
    assert quick["rows"] == 20 and quick["rows_estimated"] is False


def test_a_batch_dry_run_refuses_what_the_batch_refuses(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client()
    ana = _user(client)
    query = _post(client, ana, "/api/queries", {"sql": "SELECT * FROM customers"}).json()["id"]
    for body in (
        {"query_ids": [query], "since": "2000-01-01T00:00:00Z"},  # both
        {"query_ids": []},  # none named
        {},  # neither
    ):
        for dry_run in (True, False):
            answer = _post(client, ana, "/api/exports/batch",
                           {**body, "format": "csv", "dry_run": dry_run})  # fmt: skip
            assert answer.status_code in (400, 422), (body, dry_run, answer.json())
            if dry_run:
                twin = _post(client, ana, "/api/exports/batch", {**body, "format": "csv"})
                assert twin.status_code == answer.status_code
