"""One export budget for every way an export starts (issue 18): API exports and batches,
chat exports, schedules run now, counted together per user, in this process and in Redis;
concurrent runs of one schedule answer 409 or 429, never 500."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.api.limits import error_body
from assistant.schedules.scheduler import ALREADY_RUNNING
from assistant.settings import Settings
from assistant.store import (
    AuditEntry,
    Export,
    ExportStatus,
    Schedule,
    ScheduleRun,
)
from tests.api.conftest import User, key_for, make_settings
from tests.assistant.mailbox import Mailbox, mailbox

__all__ = ["mailbox"]  # the fixture, used here

LIMIT = 10
SPENT = re.compile(
    rf"You have started {LIMIT} exports in the last minute; try again in (\d+) seconds?\."
)


@pytest.fixture(params=["in-process", "redis"])
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, api_demo_db: Path, mailbox: Mailbox
) -> Settings:
    """A budget of 10 exports a minute, counted in this process or in Redis (a broker)."""
    shared: dict[str, Any] = {}
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        shared = {"broker_url": redis_url, "queue": f"test-{secrets.token_hex(6)}"}
    return make_settings(tmp_path, api_demo_db, scheduler=False, smtp_url=mailbox.url,
                         exports_per_minute=LIMIT, **shared)  # fmt: skip


def _schedule(client: TestClient, user: User) -> str:
    body = {
        "cron": "0 9 * * 1", "timezone": "Europe/Berlin",
        "request": {"intent": "export", "format": "csv", "target": "query",
                    "query": "SELECT id, name FROM products"},
        "destination": {"kind": "email", "to": "ana@example.com"},
    }  # fmt: skip
    made = client.post("/api/schedules", json=body, headers=user.auth)
    assert made.status_code == 201, made.text
    schedule_id: str = made.json()["id"]
    return schedule_id


def _refused(answer: Any) -> None:
    """A 429 in the contract's shape, with the wait in words and in ``Retry-After``."""
    assert answer.status_code == 429, answer.text
    message = answer.json()["error"]["message"]
    assert answer.json() == error_body("rate_limited", message)
    found = SPENT.fullmatch(message)
    assert found is not None, message
    assert 1 <= int(answer.headers["Retry-After"]) <= 61 and 1 <= int(found[1]) <= 60


def _count(store: sessionmaker[Session], what: Callable[[], Any]) -> int:
    with store() as session:
        return session.scalar(what()) or 0


def test_api_chat_and_schedule_runs_share_one_budget(
    client: TestClient, settings: Settings, store: sessionmaker[Session], mailbox: Mailbox
) -> None:
    ana = User("ana", key_for(settings, "ana"))
    schedule_id = _schedule(client, ana)
    body = {"sql": "SELECT id, name FROM products LIMIT 3", "format": "csv"}
    # 3 API exports and a batch ...
    for _ in range(3):
        assert client.post("/api/exports", json=body, headers=ana.auth).status_code == 201
    batch = {"since": "2020-01-01T00:00:00", "format": "csv"}
    assert client.post("/api/exports/batch", json=batch, headers=ana.auth).status_code == 201
    # ... 3 chat exports (showing a result costs nothing) ...
    shown = client.post("/api/chat", json={"message": "show customers"}, headers=ana.auth)
    conversation = shown.json()["conversation_id"]
    say = {"message": "export this as csv", "conversation_id": conversation}
    for _ in range(3):
        reply = client.post("/api/chat", json=say, headers=ana.auth).json()["reply"]
        assert reply["text"].startswith("Here is your file"), reply["text"]
    # ... and 3 schedules run now: 10.
    for _ in range(3):
        run = client.post(f"/api/schedules/{schedule_id}/run", headers=ana.auth)
        assert run.status_code == 200 and run.json()["status"] == "done", run.text

    # The 11th of any kind is refused, with the wait.
    _refused(client.post("/api/exports", json=body, headers=ana.auth))
    _refused(client.post("/api/exports/batch", json=batch, headers=ana.auth))
    _refused(client.post(f"/api/schedules/{schedule_id}/run", headers=ana.auth))
    words = client.post("/api/chat", json=say, headers=ana.auth)
    assert words.status_code == 200 and SPENT.fullmatch(words.json()["reply"]["text"])

    # Nothing was queued or recorded for the refusals; three emails went out.
    assert _count(store, lambda: select(func.count()).select_from(Export)) == LIMIT
    assert _count(store, lambda: select(func.count()).where(Export.status != "done")) == 0
    assert _count(store, lambda: select(func.count()).select_from(ScheduleRun)) == 3
    assert len(mailbox.messages()) == 3

    # Another user has a budget of their own.
    bo = User("bo", key_for(settings, "bo"))
    assert client.post("/api/exports", json=body, headers=bo.auth).status_code == 201

    # The schedule's own cron time is a standing order: it runs though the budget is spent.
    with store.begin() as session:
        row = session.get(Schedule, schedule_id)
        assert row is not None
        row.next_run_at = dt.datetime(2020, 1, 6, 8, 0, tzinfo=dt.UTC)
    [fired] = client.app.state.parts.scheduler.tick()  # type: ignore[attr-defined]
    assert fired.status.value == "done" and len(mailbox.messages()) == 4


def test_a_refused_retry_leaves_the_export_as_it_was(
    client: TestClient, settings: Settings, store: sessionmaker[Session]
) -> None:
    ana = User("ana", key_for(settings, "ana"))
    body = {"sql": "SELECT id FROM products LIMIT 2", "format": "csv"}
    made = [client.post("/api/exports", json=body, headers=ana.auth) for _ in range(LIMIT)]
    first = made[0].json()["id"]
    with store.begin() as session:
        row = session.get(Export, first)
        assert row is not None
        row.status = ExportStatus.FAILED
    _refused(client.post(f"/api/exports/{first}/retry", headers=ana.auth))
    with store() as session:
        row = session.get(Export, first)
        assert row is not None and row.status is ExportStatus.FAILED
        retried = select(func.count()).where(AuditEntry.action == "export_retried")
        assert session.scalar(retried) == 0


def test_forty_concurrent_runs_of_one_schedule(
    client: TestClient, settings: Settings, store: sessionmaker[Session]
) -> None:
    """No 5xx: one run at a time is accepted, within the budget; the rest 409 or 429."""
    ana = User("ana", key_for(settings, "ana"))
    schedule_id = _schedule(client, ana)
    start = threading.Barrier(40)
    answers: list[tuple[int, str]] = []

    def run() -> None:
        start.wait()
        answer = client.post(f"/api/schedules/{schedule_id}/run", headers=ana.auth)
        answers.append((answer.status_code, answer.text))

    threads = [threading.Thread(target=run) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = Counter(code for code, _ in answers)
    assert sum(codes.values()) == 40 and set(codes) <= {200, 409, 429}, answers
    assert 1 <= codes[200] <= LIMIT
    for code, text in answers:
        if code == 409:
            assert json.loads(text) == error_body("conflict", ALREADY_RUNNING)
    with store() as session:
        runs = session.scalars(select(ScheduleRun).order_by(ScheduleRun.started_at)).all()
        exports = session.scalar(select(func.count()).select_from(Export))
    # Exactly the accepted runs were recorded, each with its export, and none overlapped.
    assert len(runs) == exports == codes[200]
    assert all(run.status.value == "done" for run in runs)
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None and after.started_at is not None
        assert before.finished_at <= after.started_at
