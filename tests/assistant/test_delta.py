"""Only new rows in the chat: the baseline, exactly the rows added since, ties on the
cursor's value, a failed export moving nothing, and cursors kept per user and query.

Each test writes its own table (``events``) in SQLite, and the delta tests also in a
throwaway PostgreSQL table, inserts rows between exports and reads the CSV files back
with the ``csv`` module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant import Conversation, open_conversation
from assistant.exports.newrows import Delta, export_new_rows, plan_delta
from assistant.replies import Reply
from assistant.settings import Settings
from assistant.store import QueryRun, migrate
from exporters.sources.url import parse_url
from intents import ExportRequest, Format, Intent
from tests.assistant.conftest import NOW
from tests.assistant.mailbox import Mailbox, mailbox, text_rows, with_mail

__all__ = ["mailbox"]  # the fixture, used here

ONLY_NEW = "export only new rows as csv"
T0 = dt.datetime(2026, 12, 7, 9, 14)


@dataclass
class Events:
    """A table of events in a source database, and a way to add rows to it."""

    url: str
    table: str
    insert: Callable[[list[tuple[int, dt.datetime, str]]], None]


def _sqlite_events(path: Path) -> Events:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL, "
                   "name TEXT)")  # fmt: skip

    def insert(rows: list[tuple[int, dt.datetime, str]]) -> None:
        with sqlite3.connect(path) as db:
            db.executemany(
                "INSERT INTO events VALUES (?, ?, ?)",
                [(i, at.strftime("%Y-%m-%d %H:%M:%S"), name) for i, at, name in rows],
            )

    return Events(f"sqlite:///{path}", "events", insert)


@pytest.fixture(params=["sqlite", "postgresql"])
def events(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Events]:
    if request.param == "sqlite":
        yield _sqlite_events(tmp_path / "events.db")
        return
    import psycopg

    url: str = request.getfixturevalue("postgres_url")
    info = parse_url(url).conninfo
    table = f"events_{secrets.token_hex(4)}"
    with psycopg.connect(info, autocommit=True) as db:
        db.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, created_at timestamptz "
                   "NOT NULL, name text)")  # fmt: skip

    def insert(rows: list[tuple[int, dt.datetime, str]]) -> None:
        with psycopg.connect(info, autocommit=True) as db, db.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} VALUES (%s, %s, %s)",
                [(i, at.replace(tzinfo=dt.UTC), name) for i, at, name in rows],
            )

    try:
        yield Events(url, table, insert)
    finally:
        with psycopg.connect(info, autocommit=True) as db:
            db.execute(f"DROP TABLE {table}")


def _settings(tmp_path: Path, source_url: str) -> Settings:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=source_url,
        storage_dir=tmp_path / "files",
    )
    migrate(settings.database_url)
    return settings


def _rows(n: int, start: int = 1, at: dt.datetime = T0) -> list[tuple[int, dt.datetime, str]]:
    return [(i, at + dt.timedelta(minutes=i), f"event {i}") for i in range(start, start + n)]


def _ids(reply: Reply) -> list[int]:
    assert reply.export is not None and reply.export.status == "done", reply.text
    data = Path(reply.export.path or "").read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(data, newline="")))
    assert table[0] == ["id", "created_at", "name"]
    return [int(row[0]) for row in table[1:]]


def test_only_the_new_rows_across_inserts_with_ties(events: Events, tmp_path: Path) -> None:
    events.insert(_rows(5))
    last = T0 + dt.timedelta(minutes=5)
    with open_conversation(_settings(tmp_path, events.url), "ana", clock=lambda: NOW,
                           mode="rules") as chat:  # fmt: skip
        chat.handle(f"SELECT * FROM {events.table}")
        first = chat.handle(ONLY_NEW)
        assert _ids(first) == [1, 2, 3, 4, 5]
        assert "First export of these rows: 5" in first.text
        assert "next time only rows after" in first.text and re.search(
            r"\(event\w* 5\)\.$", first.text
        )
        # Rows at exactly the last exported time (a tie broken by the key), and later ones.
        events.insert([(6, last, "tie"), (7, last, "tie"), (8, last + dt.timedelta(hours=1), "x")])
        second = chat.handle(ONLY_NEW)
        assert _ids(second) == [6, 7, 8]
        assert "Only new" in second.text and "3 rows" in second.text
        assert second.export is not None
        assert any("only new rows by created_at" in note for note in second.export.notes)
        empty = chat.handle(ONLY_NEW)
        assert empty.export is None and "No new" in empty.text and "(event" in empty.text
        later = last + dt.timedelta(hours=1)
        events.insert([(9, later, "tie again"), *_rows(2, start=10, at=later)])
        third = chat.handle(ONLY_NEW)
        assert _ids(third) == [9, 10, 11]
        # A plain export still holds every row: only-new is asked for each time.
        assert _ids(chat.handle("export it as csv")) == list(range(1, 12))


def test_a_failed_export_moves_nothing(tmp_path: Path) -> None:
    events = _sqlite_events(tmp_path / "events.db")
    events.insert(_rows(3))
    settings = _settings(tmp_path, events.url)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("SELECT * FROM events")
        assert _ids(chat.handle(ONLY_NEW)) == [1, 2, 3]
        events.insert(_rows(2, start=4))
        # The file cannot be written: the storage folder is a file now.
        shutil.move(settings.storage_dir, tmp_path / "kept")
        settings.storage_dir.write_text("not a folder")
        failed = chat.handle(ONLY_NEW)
        assert failed.export is None or failed.export.status != "done"
        settings.storage_dir.unlink()
        shutil.move(tmp_path / "kept", settings.storage_dir)
        events.insert(_rows(1, start=6))
        assert _ids(chat.handle(ONLY_NEW)) == [4, 5, 6]  # nothing lost


def test_users_and_queries_keep_their_own_cursors(tmp_path: Path) -> None:
    events = _sqlite_events(tmp_path / "events.db")
    events.insert(_rows(4))
    settings = _settings(tmp_path, events.url)
    with (
        open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as ana,
        open_conversation(settings, "bob", clock=lambda: NOW, mode="rules") as bob,
    ):
        ana.handle("SELECT * FROM events")
        assert _ids(ana.handle(ONLY_NEW)) == [1, 2, 3, 4]
        events.insert(_rows(2, start=5))
        bob.handle("SELECT * FROM events")
        assert _ids(bob.handle(ONLY_NEW)) == [1, 2, 3, 4, 5, 6]  # bob's first: his baseline
        assert _ids(ana.handle(ONLY_NEW)) == [5, 6]
        ana.handle("SELECT * FROM events WHERE id > 2")  # another query: its own baseline
        assert _ids(ana.handle(ONLY_NEW)) == [3, 4, 5, 6]
        events.insert(_rows(1, start=7))
        assert _ids(ana.handle(ONLY_NEW)) == [7]
        assert _ids(bob.handle(ONLY_NEW)) == [7]


def test_which_column_says_a_row_is_new_is_asked_when_not_obvious(tmp_path: Path) -> None:
    events = _sqlite_events(tmp_path / "events.db")
    events.insert(_rows(3))
    settings = _settings(tmp_path, events.url)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("SELECT id, created_at AS seen, created_at AS shown, name FROM events")
        asked = chat.handle(ONLY_NEW)
        assert asked.export is None
        assert asked.text == "Which column says a row is new: seen, shown or id?"
        assert asked.choices == ["seen", "shown", "id"]
        chosen = chat.handle("shown")
        assert chosen.export is not None and chosen.export.rows == 3, chosen.text
        assert "First export of these rows" in chosen.text
        events.insert(_rows(2, start=4))
        again = chat.handle(ONLY_NEW)  # the column chosen is kept: not asked again
        assert again.export is not None and again.export.rows == 2, again.text


def test_new_orders_since_my_last_export_in_the_demo_shop(chat: Conversation) -> None:
    first = chat.handle("export the new orders since my last export as csv")
    assert first.export is not None and first.export.rows == 400
    assert "First export of these rows: 400 orders; next time only rows after" in first.text
    assert "(order 400)" in first.text
    again = chat.handle("export the new orders since my last export as csv")
    assert again.export is None
    ended = first.text.split("only rows after ")[1].removesuffix(".")
    assert again.text.endswith(f"No new orders since your last export, which ended at {ended}.")


def test_new_rows_emailed_are_the_new_rows(tmp_path: Path, mailbox: Mailbox) -> None:
    events = _sqlite_events(tmp_path / "events.db")
    events.insert(_rows(2))
    settings = with_mail(_settings(tmp_path, events.url), mailbox)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("SELECT * FROM events")
        first = chat.handle("email me only the new rows as csv to ana@example.com")
        assert first.text.startswith("Sent events-") and "First export" in first.text
        events.insert(_rows(1, start=3))
        again = chat.handle("email me only the new rows as csv to ana@example.com")
        assert "Only new events: 1 row" in again.text, again.text
    sent = [text_rows(mailbox.attachment(i)[1]) for i in range(len(mailbox.messages()))]
    assert [[row[0] for row in rows[1:]] for rows in sent] == [["1", "2"], ["3"]]


def test_the_row_limit_holds_for_the_new_rows(tmp_path: Path) -> None:
    events = _sqlite_events(tmp_path / "events.db")
    events.insert(_rows(3))
    settings = _settings(tmp_path, events.url).model_copy(update={"max_export_rows": 4})
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("SELECT * FROM events")
        assert _ids(chat.handle(ONLY_NEW)) == [1, 2, 3]
        events.insert(_rows(2, start=4))
        assert _ids(chat.handle(ONLY_NEW)) == [4, 5]  # 5 rows in all, 2 new: allowed
        events.insert(_rows(5, start=6))
        refused = chat.handle(ONLY_NEW)
        assert refused.export is None and "has 5 rows; one export holds at most 4" in refused.text


def test_two_exports_at_once_may_repeat_rows_but_never_skip_one(tmp_path: Path) -> None:
    """Both planned from the same cursor (as two requests at once would be); the one that
    ends second says its file may share rows, and the cursor stays at the first's end."""
    events = _sqlite_events(tmp_path / "events.db")
    events.insert(_rows(2))
    settings = _settings(tmp_path, events.url)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("SELECT * FROM events")
        assert _ids(chat.handle(ONLY_NEW)) == [1, 2]
        with chat.scope.sessions() as session:
            run = session.scalars(select(QueryRun).order_by(QueryRun.created_at.desc())).first()
        assert run is not None
        request = ExportRequest(intent=Intent.EXPORT, format=Format.CSV, only_new=True)
        events.insert(_rows(1, start=3))
        early = plan_delta(chat.scope, run.sql)
        events.insert(_rows(1, start=4))
        late = plan_delta(chat.scope, run.sql)
        assert isinstance(early, Delta) and isinstance(late, Delta)
        first = export_new_rows(chat.scope, request, run, late, NOW)
        second = export_new_rows(chat.scope, request, run, early, NOW)
        assert not first.overlapped and second.overlapped
        assert "may share rows" in second.said()
        assert [first.export and first.export.rows, second.export and second.export.rows] == [2, 1]
        events.insert(_rows(1, start=5))
        assert _ids(chat.handle(ONLY_NEW)) == [5]  # from the end of the first: nothing lost


def test_a_join_with_repeated_names_asks_and_says_ties_cannot_be_told_apart(
    chat: Conversation,
) -> None:
    chat.handle("SELECT * FROM orders JOIN customers ON customers.id = orders.customer_id")
    asked = chat.handle(ONLY_NEW)
    assert asked.text == "Which column says a row is new: created_at or signed_up_at?"
    chosen = chat.handle("created_at")
    assert chosen.export is not None and chosen.export.rows == 400, chosen.text
    assert "no key to tell apart rows with the same created_at" in chosen.text
