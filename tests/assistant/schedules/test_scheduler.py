"""Schedules by chat and the scheduler, driven by an injected clock."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from assistant import Conversation
from assistant.conversation.past import delete_conversation
from assistant.process import Assistant
from assistant.replies import ExportInfo
from assistant.schedules import service
from assistant.schedules.models import EmailDestination, ScheduleInfo, ScheduleSpec
from assistant.schedules.scheduler import Scheduler
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.store import Message, RunStatus, ScheduleRun, migrate
from intents import ExportRequest, Format, Intent, Target
from tests.assistant.conftest import MAIL_SET_UP, pg_schema_url

BERLIN = ZoneInfo("Europe/Berlin")


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 10, 21, 12, 0, tzinfo=dt.UTC))  # a Wednesday


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    demo = build_demo(tmp_path / "demo.db", 200, today=dt.date(2026, 10, 21))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}", source_url=f"sqlite:///{demo}",
        storage_dir=tmp_path / "files", secret_key="s", smtp_url=MAIL_SET_UP,
    )  # fmt: skip
    migrate(settings.database_url)
    return settings


class Outbox:
    """A deliverer that records what it sent, and fails the first ``failures`` times."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[tuple[str, ExportInfo, str]] = []
        self.calls = 0

    def __call__(
        self, schedule: ScheduleInfo, export: ExportInfo, link: str, due_at: dt.datetime
    ) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("the mail server did not answer")
        self.sent.append((schedule.id, export, link))


@pytest.fixture
def assistant(settings: Settings, clock: Clock) -> Assistant:
    made = Assistant(settings, clock=clock, mode="rules")
    made.start()
    return made


def _chat(assistant: Assistant) -> Conversation:
    return assistant.conversation(assistant.user_id("ana"), new=True)


def _spec(cron: str, zone: str = "Europe/Berlin") -> ScheduleSpec:
    request = ExportRequest(intent=Intent.EXPORT, format=Format.CSV, target=Target.QUERY,
                            query="SELECT id, name FROM customers")  # fmt: skip
    return ScheduleSpec(cron=cron, timezone=zone, request=request,
                        destination=EmailDestination(to="ana@example.com"))  # fmt: skip


def test_schedules_by_chat(assistant: Assistant) -> None:
    chat = _chat(assistant)
    chat.handle("show customers")
    made = chat.handle("email me this as Excel every weekday at 7 to ana@example.com")
    assert "every weekday at 07:00" in made.text and "ana@example.com" in made.text
    listed = chat.handle("show my schedules")
    assert "every weekday at 07:00" in listed.text and "next" in listed.text
    assert "Paused" in chat.handle("pause it").text
    assert "paused" in chat.handle("show my schedules").text
    assert "Resumed" in chat.handle("resume the weekday report").text
    assert "Deleted" in chat.handle("delete it").text
    assert "no scheduled exports" in chat.handle("show my schedules").text


def test_a_week_in_berlin_across_the_end_of_summer_time(assistant: Assistant, clock: Clock) -> None:
    """Daily at 02:30 and hourly at :00 from Wednesday to Wednesday over 25 October:
    every fire at the right instant, none doubled or lost."""
    chat = _chat(assistant)
    daily = service.create(chat.scope, _spec("30 2 * * *"))
    outbox = Outbox()
    scheduler = Scheduler(assistant, outbox)
    end = clock.now + dt.timedelta(days=7)
    while clock.now < end:
        clock.now += dt.timedelta(minutes=10)
        scheduler.tick()
    with assistant.sessions() as session:
        due = session.scalars(
            select(ScheduleRun.due_at).where(ScheduleRun.schedule_id == daily.id)
            .order_by(ScheduleRun.due_at)
        ).all()  # fmt: skip
    local = [d.astimezone(BERLIN).strftime("%a %d %H:%M %Z") for d in due]
    assert local == [
        "Thu 22 02:30 CEST", "Fri 23 02:30 CEST", "Sat 24 02:30 CEST", "Sun 25 02:30 CEST",
        "Mon 26 02:30 CET", "Tue 27 02:30 CET", "Wed 28 02:30 CET",
    ]  # fmt: skip
    assert len(outbox.sent) == 7


def test_hourly_over_the_repeated_hour_fires_once_per_wall_hour(
    assistant: Assistant, clock: Clock
) -> None:
    clock.now = dt.datetime(2026, 10, 24, 22, 30, tzinfo=dt.UTC)  # Sun 00:30 CEST
    service.create(_chat(assistant).scope, _spec("0 * * * *"))
    scheduler = Scheduler(assistant, Outbox())
    fired = []
    for _ in range(6 * 6):  # six hours in ten-minute steps
        clock.now += dt.timedelta(minutes=10)
        fired += scheduler.tick()
    walls = [f.due_at.astimezone(BERLIN).strftime("%H:%M %Z") for f in fired]
    assert walls == ["01:00 CEST", "02:00 CEST", "03:00 CET", "04:00 CET", "05:00 CET"]


def test_after_downtime_a_missed_occurrence_runs_once(assistant: Assistant, clock: Clock) -> None:
    service.create(_chat(assistant).scope, _spec("0 * * * *", "UTC"))
    outbox = Outbox()
    scheduler = Scheduler(assistant, outbox)
    clock.now += dt.timedelta(hours=5, minutes=30)  # down for five slots
    fired = scheduler.tick()
    assert [f.due_at.hour for f in fired] == [17] and len(outbox.sent) == 1
    assert scheduler.tick() == []  # and not again


def test_two_schedulers_fire_each_occurrence_once(assistant: Assistant, clock: Clock) -> None:
    service.create(_chat(assistant).scope, _spec("*/30 * * * *", "UTC"))
    outbox = Outbox()
    first, second = Scheduler(assistant, outbox), Scheduler(assistant, outbox)
    for _ in range(12):
        clock.now += dt.timedelta(minutes=15)
        first.tick()
        second.tick()
    assert len(outbox.sent) == 6


def test_failures_are_retried_with_backoff_then_recorded(
    assistant: Assistant, clock: Clock
) -> None:
    chat = _chat(assistant)
    schedule = service.create(chat.scope, _spec("0 13 * * *", "UTC"))
    outbox = Outbox(failures=5)
    scheduler = Scheduler(assistant, outbox, retry_seconds=60)
    clock.now = dt.datetime(2026, 10, 21, 13, 0, 30, tzinfo=dt.UTC)
    assert [f.status for f in scheduler.tick()] == [RunStatus.RETRYING]
    clock.now += dt.timedelta(seconds=30)
    assert scheduler.tick() == []  # the first retry waits a minute
    clock.now += dt.timedelta(seconds=31)
    assert [f.status for f in scheduler.tick()] == [RunStatus.RETRYING]
    clock.now += dt.timedelta(seconds=121)
    assert [(f.status, f.attempts) for f in scheduler.tick()] == [(RunStatus.FAILED, 3)]
    info = service.get(chat.scope, schedule.id)
    assert info.runs[0].status == "failed" and "did not answer" in (info.runs[0].error or "")
    assert len({run.export_id for run in info.runs}) == 1  # retries reused the export
    with assistant.sessions() as session:
        said = session.scalars(select(Message.content).where(
            Message.conversation_id == chat.id)).all()  # fmt: skip
    assert any("failed after 3 attempts" in text for text in said)


def test_a_delivery_that_fails_twice_then_works_is_sent_once(
    assistant: Assistant, clock: Clock
) -> None:
    service.create(_chat(assistant).scope, _spec("0 13 * * *", "UTC"))
    outbox = Outbox(failures=2)
    scheduler = Scheduler(assistant, outbox, retry_seconds=1)
    clock.now = dt.datetime(2026, 10, 21, 13, 0, 30, tzinfo=dt.UTC)
    statuses = []
    for _ in range(5):
        statuses += [f.status for f in scheduler.tick()]
        clock.now += dt.timedelta(seconds=5)
    assert statuses == [RunStatus.RETRYING, RunStatus.RETRYING, RunStatus.DONE]
    assert len(outbox.sent) == 1


def test_two_schedulers_on_one_postgresql_store_fire_each_occurrence_once(
    tmp_path: Path, pg_database: URL, clock: Clock
) -> None:
    """Two schedulers, each with its own store engine (as two processes would have), race
    on every occurrence from two threads; each occurrence still runs once."""
    demo = build_demo(tmp_path / "demo.db", 100, today=dt.date(2026, 10, 21))
    settings = Settings(
        database_url=pg_schema_url(pg_database), source_url=f"sqlite:///{demo}",
        storage_dir=tmp_path / "files", secret_key="s", smtp_url=MAIL_SET_UP,
    )  # fmt: skip
    migrate(settings.database_url)
    first = Assistant(settings, clock=clock, mode="rules")
    second = Assistant(settings, clock=clock, mode="rules")
    try:
        service.create(_chat(first).scope, _spec("*/30 * * * *", "UTC"))
        outbox = Outbox()
        schedulers = [Scheduler(first, outbox), Scheduler(second, outbox)]
        for _ in range(8):
            clock.now += dt.timedelta(minutes=15)
            threads = [threading.Thread(target=s.tick) for s in schedulers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        assert len(outbox.sent) == 4
        with first.sessions() as session:
            runs = session.scalars(select(ScheduleRun)).all()
            assert len(runs) == 4 and {r.status for r in runs} == {RunStatus.DONE}
    finally:
        first.close()
        second.close()


def test_a_run_failing_after_its_conversation_was_deleted_is_still_recorded(
    assistant: Assistant, clock: Clock
) -> None:
    """The user deleted the conversation while the last try was being delivered: the run is
    recorded as failed (nowhere to say it), not lost to a foreign-key error."""
    chat = _chat(assistant)
    chat.handle("show customers")
    schedule = service.create(chat.scope, _spec("0 13 * * *", "UTC"))

    class DeletingOutbox(Outbox):
        def __call__(self, schedule: ScheduleInfo, export: ExportInfo, link: str,
                     due_at: dt.datetime) -> None:  # fmt: skip
            if self.calls == 2:  # during the last delivery
                delete_conversation(chat.scope, chat.id or "")
            self.calls += 1
            raise ConnectionError("the mail server did not answer")

    scheduler = Scheduler(assistant, DeletingOutbox(), retry_seconds=1)
    clock.now = dt.datetime(2026, 10, 21, 13, 0, 30, tzinfo=dt.UTC)
    assert [f.status for f in scheduler.tick()] == [RunStatus.RETRYING]
    for _ in range(2):
        clock.now += dt.timedelta(seconds=5)
        fired = scheduler.tick()
    assert [(f.status, f.attempts) for f in fired] == [(RunStatus.FAILED, 3)]
    info = service.get(chat.scope, schedule.id)
    assert info.runs[0].status == "failed" and "did not answer" in (info.runs[0].error or "")
