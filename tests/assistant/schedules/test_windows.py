"""Scheduled questions keep their meaning: "orders from today" mails each run's today.

Made on Sunday 6 December 2026, run on Monday the 14th (an injected clock); each export
is read back. The source's orders, in wall-clock time (the owner's zone):

    1 Sun 06 Dec 10:00   2 Mon 07 Dec 10:00   3 Thu 10 Dec 10:00
    4 Sun 13 Dec 21:00   5 Mon 14 Dec 08:00
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from assistant import Conversation
from assistant.errors import Unanswerable
from assistant.process import Assistant
from assistant.replies import ExportInfo
from assistant.schedules import EmailDestination, ScheduleInfo, ScheduleSpec, service
from assistant.schedules.scheduler import Scheduler
from assistant.settings import Settings
from assistant.store import RunStatus, migrate, preferences_for
from intents import ExportRequest, Format, Intent, Target
from tests.assistant.conftest import MAIL_SET_UP

MADE = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)  # a Sunday
ORDERS = [
    (1, "2026-12-06 10:00:00"),
    (2, "2026-12-07 10:00:00"),
    (3, "2026-12-10 10:00:00"),
    (4, "2026-12-13 21:00:00"),
    (5, "2026-12-14 08:00:00"),
]


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


class Outbox:
    def __init__(self) -> None:
        self.sent: list[ExportInfo] = []

    def __call__(self, schedule: ScheduleInfo, export: ExportInfo, link: str,
                 due_at: dt.datetime) -> None:  # fmt: skip
        self.sent.append(export)


@pytest.fixture
def clock() -> Clock:
    return Clock(MADE)


@pytest.fixture
def assistant(tmp_path: Path, clock: Clock) -> Assistant:
    source = tmp_path / "shop.db"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL)")
        db.executemany("INSERT INTO orders VALUES (?, ?)", ORDERS)
    db.close()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}", source_url=f"sqlite:///{source}",
        storage_dir=tmp_path / "files", secret_key="s", smtp_url=MAIL_SET_UP,
    )  # fmt: skip
    migrate(settings.database_url)
    made = Assistant(settings, clock=clock, mode="rules")
    made.start()
    return made


def _chat(assistant: Assistant, zone: str | None = None) -> Conversation:
    user = assistant.user_id("ana")
    if zone is not None:
        with assistant.sessions.begin() as session:
            preferences_for(session, user).timezone = zone
    return assistant.conversation(user, new=True)


def _schedule(chat: Conversation, question: str) -> ScheduleInfo:
    chat.handle(question)
    made = chat.handle("email this to ana@example.com as csv every Monday at 9")
    assert "Scheduled" in made.text, made.text
    (info,) = service.list_all(chat.scope)
    return info


def _run_at(assistant: Assistant, clock: Clock, moment: dt.datetime) -> list[int]:
    """Tick the scheduler at ``moment``; the order ids of the one file it sent."""
    clock.now = moment
    outbox = Outbox()
    fired = Scheduler(assistant, outbox).tick()
    assert [f.status for f in fired] == [RunStatus.DONE]
    (export,) = outbox.sent
    assert export.path is not None
    with Path(export.path).open(newline="") as file:
        return [int(row["id"]) for row in csv.DictReader(file)]


MONDAY_9_UTC = dt.datetime(2026, 12, 14, 9, 0, 30, tzinfo=dt.UTC)


def test_today_is_each_runs_own_day(assistant: Assistant, clock: Clock) -> None:
    info = _schedule(_chat(assistant), "show orders from today")
    assert info.question == "show orders from today"
    assert info.request.query is not None and "2026-12-06" in info.request.query  # as it ran
    assert info.next_sql is not None and "'2026-12-07 00:00:00'" in info.next_sql
    assert info.window is not None and "“from today” as of each run" in info.window
    assert _run_at(assistant, clock, MONDAY_9_UTC) == [5]  # frozen, it would be 1 to 5


def test_last_week_is_the_week_before_each_run(assistant: Assistant, clock: Clock) -> None:
    _schedule(_chat(assistant), "show orders from last week")  # then: 30 Nov to 6 Dec
    assert _run_at(assistant, clock, MONDAY_9_UTC) == [2, 3, 4]  # 7 to 13 Dec


def test_the_window_is_read_in_the_owners_zone(assistant: Assistant, clock: Clock) -> None:
    """Monday 09:00 in Auckland is Sunday 20:00 UTC: "today" is still Monday there."""
    chat = _chat(assistant, "Pacific/Auckland")
    info = _schedule(chat, "show orders from today")  # made on Monday 7 Dec, 01:00 there
    assert info.timezone == "Pacific/Auckland" and info.question is not None
    assert info.request.query is not None and "2026-12-07 00:00:00" in info.request.query
    due = dt.datetime(2026, 12, 13, 20, 0, 30, tzinfo=dt.UTC)
    assert _run_at(assistant, clock, due) == [5]  # UTC's Sunday would add order 4


def test_show_my_schedules_says_the_window_and_the_next_sql(assistant: Assistant) -> None:
    chat = _chat(assistant)
    _schedule(chat, "show orders from today")
    listed = chat.handle("show my schedules").text
    assert "window: “show orders from today” — “from today” as of each run" in listed
    assert "(next run: from Mon 07 Dec 2026 00:00)" in listed
    assert """next SQL: SELECT * FROM "orders" WHERE "created_at" >= '2026-12-07 00:00:00'""" in (
        listed
    )


def test_typed_sql_keeps_its_dates(assistant: Assistant, clock: Clock) -> None:
    typed = "SELECT id FROM orders WHERE created_at >= '2026-12-06 00:00:00'"
    info = _schedule(_chat(assistant), typed)
    assert info.question is None and info.window is None
    assert info.next_sql == info.request.query
    assert info.request.query is not None and "2026-12-06" in info.request.query
    assert _run_at(assistant, clock, MONDAY_9_UTC) == [1, 2, 3, 4, 5]


def test_a_question_without_time_words_keeps_its_sql(assistant: Assistant, clock: Clock) -> None:
    info = _schedule(_chat(assistant), "show orders")
    assert info.question is None and info.window is None
    assert _run_at(assistant, clock, MONDAY_9_UTC) == [1, 2, 3, 4, 5]


# -- schedules stored through the API with plain words for their query --------------------


def _stored(assistant: Assistant, query: str, zone: str = "UTC") -> ScheduleInfo:
    """What ``POST /api/schedules`` stores: the body's request as given (no chat, no run)."""
    spec = ScheduleSpec(
        cron="0 9 * * 1", timezone=zone,
        request=ExportRequest(intent=Intent.EXPORT, format=Format.CSV, target=Target.QUERY,
                              query=query),
        destination=EmailDestination(to="ana@example.com"),
    )  # fmt: skip
    return service.create(_chat(assistant).scope, spec)


def test_an_api_schedule_in_words_reads_its_window_at_each_run(
    assistant: Assistant, clock: Clock
) -> None:
    info = _stored(assistant, "orders from today")
    assert info.question == "orders from today" and info.request.query == "orders from today"
    assert info.window is not None and "“from today” as of each run" in info.window
    assert info.next_sql is not None and "'2026-12-07 00:00:00'" in info.next_sql
    assert _run_at(assistant, clock, MONDAY_9_UTC) == [5]


def test_an_api_schedule_of_sql_keeps_it(assistant: Assistant, clock: Clock) -> None:
    info = _stored(assistant, "SELECT id FROM orders WHERE id > 3")
    assert info.question is None and info.window is None
    assert _run_at(assistant, clock, MONDAY_9_UTC) == [4, 5]


def test_an_api_schedule_in_words_the_rules_cannot_read_is_refused(assistant: Assistant) -> None:
    """Without an LLM every run would fail: refused when it is stored, in the reader's words."""
    with pytest.raises(Unanswerable, match="“salaries by department” does not read"):
        _stored(assistant, "salaries by department")
    assert service.list_all(_chat(assistant).scope) == []
