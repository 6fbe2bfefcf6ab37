"""Schedules that send only new rows: each run the rows added since the last delivery,
the cursor moved only once the file is delivered, empty runs sent or skipped, and each
schedule with its own cursor."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.process import Assistant
from assistant.replies import ExportInfo
from assistant.schedules import service
from assistant.schedules.models import EmailDestination, ScheduleInfo, ScheduleSpec
from assistant.schedules.scheduler import Scheduler
from assistant.settings import Settings
from assistant.store import migrate
from intents import ExportRequest, Format, Intent, Target
from tests.api.conftest import key_for, make_settings
from tests.assistant.conftest import MAIL_SET_UP, pg_schema_url

START = dt.datetime(2026, 10, 21, 12, 0, tzinfo=dt.UTC)
T0 = dt.datetime(2026, 10, 1, 8, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


class Outbox:
    """Records what it was asked to send; fails while ``failing`` is set."""

    def __init__(self) -> None:
        self.failing = False
        self.sent: list[tuple[str, ExportInfo]] = []

    def __call__(self, schedule: ScheduleInfo, export: ExportInfo, link: str,
                 due_at: dt.datetime) -> None:  # fmt: skip
        if self.failing:
            raise ConnectionError("the mail server did not answer")
        self.sent.append((schedule.id, export))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "events.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, created_at DATETIME, name TEXT)")
    return path


def _insert(source: Path, ids: range, at: dt.datetime | None = None) -> None:
    with sqlite3.connect(source) as db:
        db.executemany(
            "INSERT INTO events VALUES (?, ?, ?)",
            [(i, f"{(at or T0 + dt.timedelta(minutes=i)):%Y-%m-%d %H:%M:%S}", f"e{i}")
             for i in ids],
        )  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store on SQLite, and on PostgreSQL (the cursors and the 'skipped' status)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return pg_schema_url(request.getfixturevalue("pg_database"))


@pytest.fixture
def assistant(tmp_path: Path, source: Path, clock: Clock, store_url: str) -> Iterator[Assistant]:
    settings = Settings(
        database_url=store_url, source_url=f"sqlite:///{source}",
        storage_dir=tmp_path / "files", secret_key="s", smtp_url=MAIL_SET_UP,
    )  # fmt: skip
    migrate(settings.database_url)
    made = Assistant(settings, clock=clock, mode="rules")
    made.start()
    yield made
    made.close()


def _spec(sql: str = "SELECT * FROM events", *, skip_empty: bool = False) -> ScheduleSpec:
    request = ExportRequest(intent=Intent.EXPORT, format=Format.CSV, target=Target.QUERY,
                            query=sql)  # fmt: skip
    return ScheduleSpec(cron="0 * * * *", timezone="UTC", request=request, only_new=True,
                        skip_empty=skip_empty,
                        destination=EmailDestination(to="ana@example.com"))  # fmt: skip


def _ids(export: ExportInfo) -> list[int]:
    data = Path(export.path or "").read_text(encoding="utf-8")
    return [int(row[0]) for row in list(csv.reader(io.StringIO(data, newline="")))[1:]]


def _hour(clock: Clock, scheduler: Scheduler) -> list[str]:
    clock.now += dt.timedelta(hours=1)
    return [fired.status.value for fired in scheduler.tick()]


def test_each_run_sends_the_rows_added_since_the_last(
    assistant: Assistant, clock: Clock, source: Path
) -> None:
    _insert(source, range(1, 4))
    chat = assistant.conversation(assistant.user_id("ana"), new=True)
    schedule = service.create(chat.scope, _spec())
    assert schedule.only_new and schedule.request.only_new and not schedule.skip_empty
    outbox = Outbox()
    scheduler = Scheduler(assistant, outbox)
    assert _hour(clock, scheduler) == ["done"]  # the baseline: every row
    _insert(source, range(4, 6))
    _insert(source, range(6, 7), at=T0 + dt.timedelta(minutes=5))  # tied with row 5
    assert _hour(clock, scheduler) == ["done"]
    assert _hour(clock, scheduler) == ["done"]  # nothing new: a file with no rows, said
    assert [_ids(export) for _, export in outbox.sent] == [[1, 2, 3], [4, 5, 6], []]
    baseline, _, empty = (export for _, export in outbox.sent)
    assert any(note.startswith("First export of these rows") for note in baseline.notes)
    assert any("No new events since your last export" in note for note in empty.notes)
    assert any("only new rows by created_at: from after" in note for note in empty.notes)


def _delivered_once(
    assistant: Assistant, clock: Clock, source: Path, *, retry_seconds: int
) -> tuple[Outbox, Scheduler]:
    """Ana's only-new schedule over rows 1 and 2, its first run (the baseline) delivered."""
    _insert(source, range(1, 3))
    chat = assistant.conversation(assistant.user_id("ana"), new=True)
    service.create(chat.scope, _spec())
    outbox = Outbox()
    scheduler = Scheduler(assistant, outbox, retry_seconds=retry_seconds)
    assert _hour(clock, scheduler) == ["done"]
    return outbox, scheduler


def test_a_failed_delivery_moves_nothing_and_its_retry_sends_the_same_file(
    assistant: Assistant, clock: Clock, source: Path
) -> None:
    outbox, scheduler = _delivered_once(assistant, clock, source, retry_seconds=60)
    _insert(source, range(3, 5))
    outbox.failing = True
    assert _hour(clock, scheduler) == ["retrying"]
    _insert(source, range(5, 6))  # added before the retry: not in its file, sent next time
    outbox.failing = False
    clock.now += dt.timedelta(seconds=61)
    assert [fired.status.value for fired in scheduler.tick()] == ["done"]
    assert _hour(clock, scheduler) == ["done"]
    assert [_ids(export) for _, export in outbox.sent] == [[1, 2], [3, 4], [5]]


def test_a_failed_export_is_sent_again_in_full_next_time(
    assistant: Assistant, clock: Clock, source: Path
) -> None:
    outbox, scheduler = _delivered_once(assistant, clock, source, retry_seconds=10_000)
    _insert(source, range(3, 5))
    storage = assistant.settings.storage_dir
    storage.rename(storage.with_name("kept"))
    storage.write_text("not a folder")  # the file cannot be written
    assert _hour(clock, scheduler) == ["retrying"]
    storage.unlink()
    storage.with_name("kept").rename(storage)
    assert _hour(clock, scheduler) == ["done"]
    assert [_ids(export) for _, export in outbox.sent] == [[1, 2], [3, 4]]


def test_an_empty_run_is_skipped_when_asked(
    assistant: Assistant, clock: Clock, source: Path
) -> None:
    _insert(source, range(1, 3))
    chat = assistant.conversation(assistant.user_id("ana"), new=True)
    schedule = service.create(chat.scope, _spec(skip_empty=True))
    outbox = Outbox()
    scheduler = Scheduler(assistant, outbox)
    assert _hour(clock, scheduler) == ["done"]
    assert _hour(clock, scheduler) == ["skipped"]
    _insert(source, range(3, 4))
    assert _hour(clock, scheduler) == ["done"]
    assert [_ids(export) for _, export in outbox.sent] == [[1, 2], [3]]
    runs = service.get(chat.scope, schedule.id).runs
    assert [(run.status, run.rows) for run in runs] == [("done", 1), ("skipped", 0), ("done", 2)]


def test_two_schedules_keep_their_own_cursors(
    assistant: Assistant, clock: Clock, source: Path
) -> None:
    _insert(source, range(1, 3))
    chat = assistant.conversation(assistant.user_id("ana"), new=True)
    hourly = service.create(chat.scope, _spec())
    outbox = Outbox()
    scheduler = Scheduler(assistant, outbox)
    assert _hour(clock, scheduler) == ["done"]
    _insert(source, range(3, 4))
    later = service.create(chat.scope, _spec("SELECT id, created_at, name FROM events"))
    assert sorted(_hour(clock, scheduler)) == ["done", "done"]
    sent = [(schedule_id, _ids(export)) for schedule_id, export in outbox.sent]
    assert sent[0] == (hourly.id, [1, 2])
    assert sorted(sent[1:]) == sorted([(hourly.id, [3]), (later.id, [1, 2, 3])])


def test_send_only_new_rows_every_monday_by_chat(assistant: Assistant, source: Path) -> None:
    _insert(source, range(1, 3))
    chat = assistant.conversation(assistant.user_id("ana"), new=True)
    chat.handle("SELECT * FROM events")
    made = chat.handle("send only new rows every Monday at 9 as csv to ana@example.com")
    assert "every Monday at 09:00" in made.text, made.text
    (schedule,) = service.list_all(chat.scope)
    assert schedule.only_new and schedule.request.only_new


def test_an_unclear_column_is_asked_before_the_schedule_is_stored(
    assistant: Assistant, source: Path
) -> None:
    _insert(source, range(1, 3))
    chat = assistant.conversation(assistant.user_id("ana"), new=True)
    chat.handle("SELECT id, created_at AS seen, created_at AS shown FROM events")
    asked = chat.handle("send only new rows every Monday at 9 as csv to ana@example.com")
    assert asked.text == "Which column says a row is new: seen, shown or id?"
    assert service.list_all(chat.scope) == []
    made = chat.handle("the second one")
    assert "every Monday at 09:00" in made.text, made.text
    (schedule,) = service.list_all(chat.scope)
    assert schedule.request.only_new and schedule.request.cursor_column == "shown"


def test_the_api_stores_the_options_and_refuses_an_unclear_column(
    tmp_path: Path, source: Path
) -> None:
    _insert(source, range(1, 3))
    settings = make_settings(tmp_path, source, scheduler=False)
    body = {
        "cron": "0 9 * * 1", "timezone": "UTC", "only_new": True, "skip_empty": True,
        "request": {"intent": "export", "format": "csv", "target": "query",
                    "query": "SELECT * FROM events"},
        "destination": {"kind": "email", "to": "ana@example.com"},
    }  # fmt: skip
    with TestClient(create_app(settings)) as client:
        auth = {"Authorization": f"Bearer {key_for(settings, 'ana')}"}
        made = client.post("/api/schedules", json=body, headers=auth)
        assert made.status_code == 201, made.text
        info = made.json()
        assert info["only_new"] and info["skip_empty"] and info["request"]["only_new"]
        unclear = {**body, "request": {**body["request"],
                   "query": "SELECT id, created_at AS a, created_at AS b FROM events"}}  # fmt: skip
        refused = client.post("/api/schedules", json=unclear, headers=auth)
        assert refused.status_code == 400, refused.text
        assert "Which column says a row is new: a, b or id?" in refused.text
        named = {**unclear, "request": {**unclear["request"], "cursor_column": "b"}}
        assert client.post("/api/schedules", json=named, headers=auth).status_code == 201
