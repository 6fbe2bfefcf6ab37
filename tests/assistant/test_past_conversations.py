"""Past conversations renamed and deleted through the engine, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from assistant import Conversation, open_conversation
from assistant.errors import InvalidInput, NotFound
from assistant.settings import Settings
from assistant.store import Export, Message, QueryRun, Schedule, migrate
from tests.assistant.conftest import MAIL_SET_UP, NOW, pg_schema_url


def _open(settings: Settings, user: str = "ana", minutes: int = 0) -> Conversation:
    """A conversation started ``minutes`` after NOW (the list orders by start)."""
    start = NOW + dt.timedelta(minutes=minutes)
    return open_conversation(settings, user, clock=lambda: start, mode="rules")


def _titles(chat: Conversation) -> list[str]:
    return [past.title for past in chat.past_conversations()]


def test_a_renamed_conversation_is_listed_by_its_new_title(settings: Settings) -> None:
    with _open(settings) as first, _open(settings, minutes=1) as second:
        first.handle("show products")
        second.handle("show customers")
        assert first.id is not None
        renamed = second.rename_conversation(first.id, "  Product list for Ana  ")
        assert renamed.title == "Product list for Ana" and renamed.id == first.id
        assert _titles(first) == ["show customers", "Product list for Ana"]
        long = "é" * 200  # the longest title, kept whole (a first message is cut at 60)
        first.rename_conversation(first.id, long)
        assert _titles(first) == ["show customers", long]


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, "two\nlines", "tab\there", "nul\x00"])
def test_a_bad_title_is_refused_and_nothing_changes(settings: Settings, title: str) -> None:
    with _open(settings) as chat:
        chat.handle("show products")
        assert chat.id is not None
        chat.rename_conversation(chat.id, "Products")
        with pytest.raises(InvalidInput) as refused:
            chat.rename_conversation(chat.id, title)
        assert "1 to 200 characters on one line" in refused.value.message
        assert _titles(chat) == ["Products"]


def test_another_users_conversation_answers_like_a_missing_one(settings: Settings) -> None:
    with _open(settings, "ana") as ana, _open(settings, "bo") as bo:
        ana.handle("show products")
        assert ana.id is not None
        missing = "no-such-conversation"
        for act in (
            lambda id_: bo.rename_conversation(id_, "Mine now"),
            lambda id_: bo.delete_conversation(id_),
        ):
            with pytest.raises(NotFound) as theirs:
                act(ana.id)
            with pytest.raises(NotFound) as nobodys:
                act(missing)
            assert theirs.value.message.replace(ana.id, "ID") == nobodys.value.message.replace(
                missing, "ID"
            )
        assert _titles(ana) == ["show products"] and ana.transcript()[0][1] == "show products"
        assert _titles(bo) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path, demo_db: Path) -> Settings:
    """A fresh store on SQLite, or in a new schema of the tests' PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        database: URL = request.getfixturevalue("pg_database")
        url = pg_schema_url(database)
    settings = Settings(
        database_url=url,
        source_url=f"sqlite:///{demo_db}",
        storage_dir=tmp_path / "files",
        smtp_url=MAIL_SET_UP,
    )
    migrate(settings.database_url)
    return settings


def test_deleting_keeps_its_exports_runs_and_schedules(store_settings: Settings) -> None:
    with _open(store_settings) as kept, _open(store_settings) as gone:
        kept.handle("show products")
        gone.handle("show customers in Germany")
        made = gone.handle("export this as csv")
        assert made.export is not None and made.export.path is not None
        scheduled = gone.handle("email this to ana@example.com as csv every Monday at 9")
        assert scheduled.text.startswith("Scheduled"), scheduled.text
        assert gone.id is not None
        kept.delete_conversation(gone.id)

        assert _titles(kept) == ["show products"]
        with kept.scope.sessions() as session:
            messages = select(func.count()).where(Message.conversation_id == gone.id)
            assert session.scalar(messages) == 0
            export = session.get(Export, made.export.id)
            assert export is not None and export.conversation_id is None
            runs = session.scalars(select(QueryRun).where(QueryRun.owner_id == kept.user_id))
            assert {run.conversation_id for run in runs} == {kept.id, None}
            (schedule,) = session.scalars(select(Schedule)).all()
            assert schedule.conversation_id is None
        history, total = kept.exports()
        assert total == 1 and history[0].id == made.export.id
        status = kept.export_status(made.export.id)
        file = Path(status.path or "")
        assert hashlib.sha256(file.read_bytes()).hexdigest() == status.sha256
        with file.open(newline="", encoding="utf-8") as read:
            rows = list(csv.reader(read))
        assert len(rows) - 1 == status.rows == made.export.rows
        with pytest.raises(NotFound):  # gone: it cannot be renamed, nor deleted twice
            kept.rename_conversation(gone.id, "Back")
        with pytest.raises(NotFound):
            kept.delete_conversation(gone.id)
