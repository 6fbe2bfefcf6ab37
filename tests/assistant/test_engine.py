"""The conversation engine, driven through Conversation.handle on the demo database."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from assistant import Conversation, open_conversation
from assistant.errors import NotFound
from assistant.replies import Reply, json_safe
from assistant.settings import Settings
from assistant.source.datasource import DataSource
from assistant.store import (
    AuditEntry,
    Export,
    ExportStatus,
    Message,
    QueryRun,
    create_store_engine,
    migrate,
    session_factory,
)
from tests.assistant.conftest import NOW
from tests.databases import throwaway_database


def _rows(settings: Settings, sql: str) -> list[list[Any]]:
    source = DataSource(settings.source_url)
    with source.open(sql) as stream:
        return [list(row.values()) for row in stream.reader.read_all().to_pylist()]


def _xlsx_rows(path: str) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _close(a: Any, b: Any) -> bool:
    """An Excel cell equals a source value (numbers as floats, times without zone)."""
    if a is None or b is None:
        return a in (None, "") and b in (None, "")
    if isinstance(b, dt.date) and not isinstance(b, dt.datetime) and isinstance(a, dt.datetime):
        return a == dt.datetime.combine(b, dt.time())
    if isinstance(b, dt.datetime | dt.date):
        return a == b or str(a)[:19].replace(" ", "T") == b.isoformat()[:19]
    if isinstance(b, bool) or isinstance(a, bool):
        return bool(a) == bool(b)
    if isinstance(b, int | float) or hasattr(b, "as_tuple"):
        return abs(float(a) - float(b)) < 1e-9
    return str(a) == str(b)


def test_orders_from_today_then_spreadsheet(chat: Conversation, settings: Settings) -> None:
    shown = chat.handle("show orders from today")
    assert shown.table is not None and shown.table.row_count == 10
    assert shown.table.columns[:3] == ["id", "customer_id", "created_at"]
    json.dumps(shown.model_dump(mode="json"))  # JSON-safe cells

    reply = chat.handle("export this as a spreadsheet")
    assert reply.export is not None and reply.export.status == "done"
    assert reply.export.file_name == "orders-2026-11-18.xlsx"
    assert reply.export.rows == 10
    path = Path(reply.export.path or "")
    assert path.is_absolute() and path.parent.parent == (settings.storage_dir).resolve()

    with session_factory_for(settings) as sessions, sessions() as session:
        run = session.scalars(select(QueryRun)).one()
        export = session.get(Export, reply.export.id)
        assert export is not None and export.status is ExportStatus.DONE
        assert export.file_path == f"{export.id}/orders-2026-11-18.xlsx"
        assert export.expires_at == NOW + dt.timedelta(hours=settings.file_ttl_hours)
        assert export.sha256 == reply.export.sha256
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[-2:] == ["export_created", "export_done"]
    expected = _rows(settings, run.sql)
    header, *cells = _xlsx_rows(str(path))
    assert list(header) == shown.table.columns
    assert len(cells) == len(expected) == 10
    for got, want in zip(cells, expected, strict=True):
        assert all(_close(a, b) for a, b in zip(got, want, strict=True)), (got, want)


class session_factory_for:
    """A store engine for a test's checks, disposed at the end of the ``with``."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_store_engine(settings.database_url)

    def __enter__(self) -> Any:
        return session_factory(self.engine)

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()


def test_only_some_columns_as_csv(chat: Conversation) -> None:
    chat.handle("show orders from today")
    chat.handle("show customers")
    reply = chat.handle("only name and email as csv")
    assert reply.export is not None and reply.export.format == "csv"
    assert reply.export.file_name == "customers-2026-11-18.csv"
    with open(reply.export.path or "", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["name", "email"]
    assert len(rows) == 101 and rows[1] == ["Zoë Saldaña", "zoe.saldana1@example.com"]


def test_export_it_asks_then_excel(chat: Conversation, settings: Settings) -> None:
    chat.handle("show orders from today")
    question = chat.handle("export it")
    assert question.export is None and question.choices is not None
    assert "Excel" in question.choices and "CSV" in question.choices
    reply = chat.handle("Excel")
    assert reply.export is not None and reply.export.format == "xlsx"
    assert len(_xlsx_rows(reply.export.path or "")) == 11
    # The answer used the pending question up: the next reply asks nothing more.
    assert chat.handle("show customers").choices is None


def test_query_and_export_in_one_message(chat: Conversation, settings: Settings) -> None:
    reply = chat.handle("export all customers in Germany as json")
    assert reply.export is not None and reply.export.format == "json"
    assert reply.table is not None and reply.export.rows == reply.table.row_count
    data = json.loads(Path(reply.export.path or "").read_text(encoding="utf-8"))
    assert data and {row["country"] for row in data} == {"Germany"}
    everyone = _rows(settings, "SELECT country FROM customers")
    assert len(data) == sum(row == ["Germany"] for row in everyone)


def test_saved_default_format_is_used_without_asking(settings: Settings) -> None:
    with open_conversation(settings, "bo", clock=lambda: NOW, mode="rules") as first:
        saved = first.handle("always give me Excel")
        assert "Excel" in saved.text and saved.export is None
    with open_conversation(settings, "bo", clock=lambda: NOW, mode="rules") as later:
        later.handle("show products")
        reply = later.handle("export it")
        assert reply.choices is None
        assert reply.export is not None and reply.export.format == "xlsx"
        later.handle("my default is csv")
        again = later.handle("export it")
        assert again.export is not None and again.export.format == "csv"


def test_help_unknown_and_refusals_are_words(chat: Conversation) -> None:
    for message in ("hello", "what can you do?"):
        reply = chat.handle(message)
        assert "orders" in reply.text and reply.table is None
    assert "no result" in chat.handle("export this as csv").text
    refused = chat.handle("delete from orders")
    assert refused.table is None and "DELETE" in refused.text
    typed = chat.handle("select id, total from orders order by id limit 3")
    assert typed.table is not None and typed.table.rows[0][0] == 1
    assert isinstance(typed.table.rows[0][1], str)  # a decimal, kept exact


def test_state_is_in_the_store(chat: Conversation, settings: Settings) -> None:
    chat.handle("show orders from today")
    with open_conversation(
        settings, "ana", conversation_id=chat.id, clock=lambda: NOW, mode="rules"
    ) as resumed:
        reply = resumed.handle("export this as csv")
    assert reply.export is not None and reply.export.rows == 10
    with session_factory_for(settings) as sessions, sessions() as session:
        roles = [m.role.value for m in session.scalars(select(Message).order_by(Message.id))]
    assert roles == ["user", "assistant"] * 2
    with pytest.raises(NotFound):
        open_conversation(settings, "someone-else", conversation_id=chat.id)


def test_a_bad_column_is_asked_about_not_a_failed_export(
    chat: Conversation, settings: Settings
) -> None:
    chat.handle("show orders from today")
    reply = chat.handle("only nosuchcolumn as csv")
    assert reply.export is None
    assert reply.text.startswith("Which column do you mean by “nosuchcolumn”? This result has: id,")
    with session_factory_for(settings) as sessions, sessions() as session:
        assert session.scalars(select(Export)).all() == []
    assert chat.handle("only id and total as csv").export is not None  # the result is kept


def test_json_safe_cells() -> None:
    import decimal

    assert json_safe([decimal.Decimal("1.5"), dt.datetime(2026, 1, 2, 3, 4), b"\x01"]) == [
        "1.5",
        "2026-01-02T03:04:00",
        "01",
    ]
    assert Reply(text="x").model_dump(mode="json") == {
        "text": "x",
        "table": None,
        "export": None,
        "choices": None,
        "sql": None,
    }


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the store, dropped afterwards."""
    with throwaway_database(postgres_url, "test_engine") as url:
        yield url.render_as_string(hide_password=False)


def test_the_same_conversation_on_a_postgresql_store(
    pg_store: str, demo_db: Path, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=pg_store, source_url=f"sqlite:///{demo_db}", storage_dir=tmp_path / "files"
    )
    migrate(settings.database_url)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        assert chat.handle("show orders from today").table is not None
        assert chat.handle("export it").choices
        excel = chat.handle("Excel")
        assert excel.export is not None and excel.export.rows == 10
        chat.handle("my default is csv")
        csv_reply = chat.handle("export this")
        assert csv_reply.export is not None and csv_reply.export.format == "csv"
        bundle = chat.handle("export everything from today")
        assert bundle.export is not None and bundle.export.format == "zip"


class _BrokenSource(DataSource):
    """A source whose every query hits a bug, to see the chat survive it."""

    def preview(self, sql: str) -> Any:
        raise RuntimeError("boom")


def test_a_bug_is_said_in_words_and_the_chat_goes_on(
    chat: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    working = chat.scope
    chat.scope = working.replace(source=_BrokenSource(working.source.url))
    reply = chat.handle("show orders from today")
    assert "went wrong" in reply.text and "RuntimeError" in reply.text
    assert "boom" in caplog.text
    chat.scope = working
    assert chat.handle("show orders from today").table is not None


def test_the_transcript_gives_back_each_reply_as_it_was(chat: Conversation) -> None:
    shown = chat.handle("show customers")
    made = chat.handle("export this as csv")
    said = chat.transcript()
    assert [role.value for role, _ in said] == ["user", "assistant", "user", "assistant"]
    assert said[0][1] == "show customers" and said[1][1] == shown
    assert said[3][1] == made and isinstance(said[3][1], Reply) and said[3][1].export
