"""History and conversation exports, through Conversation.handle on the demo database."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl

from assistant import Conversation, open_conversation
from assistant.settings import Settings
from assistant.store import Export, ExportStatus
from tests.assistant.conftest import NOW


def test_everything_from_today_is_one_zip_with_a_manifest(
    settings: Settings, chat: Conversation
) -> None:
    yesterday = NOW - dt.timedelta(days=1)
    with open_conversation(settings, "ana", clock=lambda: yesterday, mode="rules") as earlier:
        earlier.handle("show products")  # outside the window
    chat.handle("show orders from today")
    chat.handle("delete from orders")  # refused: not a result, not in the bundle
    chat.handle("show customers")
    reply = chat.handle("export everything from today as csv")
    assert reply.export is not None and reply.export.format == "zip"
    assert reply.export.file_name == "history-2026-11-18.zip"
    data = Path(reply.export.path or "").read_bytes()
    assert hashlib.sha256(data).hexdigest() == reply.export.sha256
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        names = [entry["file_name"] for entry in manifest["files"]]
        assert names == ["01-orders-2026-11-18.csv", "02-customers-2026-11-18.csv"]
        assert sorted(bundle.namelist()) == sorted([*names, "manifest.json"])
        for entry in manifest["files"]:
            body = bundle.read(entry["file_name"])
            assert hashlib.sha256(body).hexdigest() == entry["sha256"]
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            assert len(rows) - 1 == entry["rows"]
            assert entry["sql"].startswith("SELECT")
    assert [e["rows"] for e in manifest["files"]] == [10, 100]
    assert manifest["since"] == "2026-11-18T00:00:00"
    assert reply.export.rows == 110
    # Only the finished bundle is left in the export's folder.
    assert [p.name for p in Path(reply.export.path or "").parent.iterdir()] == [
        "history-2026-11-18.zip"
    ]


def test_empty_window_says_so(chat: Conversation) -> None:
    reply = chat.handle("export everything from today as csv")
    assert reply.export is None and "no queries" in reply.text


def test_conversation_for_fine_tuning(chat: Conversation) -> None:
    chat.handle("show orders from today")
    chat.handle("how many customers")
    reply = chat.handle("export this conversation for fine-tuning")
    assert reply.export is not None and reply.export.format == "jsonl"
    lines = Path(reply.export.path or "").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    example = json.loads(lines[0])
    assert list(example) == ["messages"]
    messages = example["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2
    assert messages[0] == {"role": "user", "content": "show orders from today"}
    assert all(set(m) == {"role", "content"} and m["content"] for m in messages)


def test_conversation_as_markdown_and_csv(chat: Conversation) -> None:
    chat.handle("show orders from today")
    markdown = chat.handle("export this conversation as markdown")
    assert markdown.export is not None
    text = Path(markdown.export.path or "").read_text(encoding="utf-8")
    assert "**User:** show orders from today" in text
    table = chat.handle("export the conversation as csv")
    assert table.export is not None
    with open(table.export.path or "", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["turn", "role", "content", "at"]
    assert rows[1][1:3] == ["user", "show orders from today"]


def test_everything_from_today_as_excel_is_one_workbook(chat: Conversation) -> None:
    chat.handle("show orders from today")
    chat.handle("show customers")
    reply = chat.handle("export everything from today as excel")
    assert reply.export is not None and reply.export.format == "xlsx"
    assert reply.export.file_name == "history-2026-11-18.xlsx" and reply.export.rows == 110
    path = Path(reply.export.path or "")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == reply.export.sha256
    book = openpyxl.load_workbook(path, read_only=True)
    # customers' loyalty_points have more than Excel's 15 digits: text, said on a Notes sheet
    assert book.sheetnames == ["01 orders", "02 customers", "Queries", "Notes"]
    assert reply.export.notes and "loyalty_points" in reply.export.notes[0]
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert len(sheets["01 orders"]) == 1 + 10 and len(sheets["02 customers"]) == 1 + 100
    queries = sheets["Queries"]
    assert queries[0] == ("sheet", "question", "sql", "rows", "ran_at")
    assert [(q[0], q[3]) for q in queries[1:]] == [("01", 10), ("02", 100)]
    assert queries[1][1] == "show orders from today" and str(queries[1][2]).startswith("SELECT")
    book.close()


def test_a_history_bundle_can_be_retried_and_made_again(chat: Conversation) -> None:
    chat.handle("show orders from today")
    chat.handle("show customers")
    first = chat.handle("export everything from today as csv").export
    assert first is not None and first.status == "done"
    again = chat.export_again(first.id).export  # fresh data, a new export
    assert again is not None and again.id != first.id and again.sha256 == first.sha256
    cancelled = chat.handle("export everything from today as excel").export
    assert cancelled is not None
    with chat.scope.sessions.begin() as session:  # as if it had been cancelled
        row = session.get(Export, cancelled.id)
        assert row is not None
        row.status = ExportStatus.CANCELLED
    retried = chat.retry(cancelled.id).export
    assert retried is not None and retried.id == cancelled.id and retried.status == "done"
    assert retried.format == "xlsx"  # a workbook stays a workbook


def test_history_workbook_is_redone_when_a_sheet_needs_wider_types(tmp_path: Path) -> None:
    import sqlite3

    from assistant.store import migrate

    source = tmp_path / "mixed.db"
    with sqlite3.connect(source) as db:
        db.executescript(
            "CREATE TABLE mixed (v);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
            " INSERT INTO mixed SELECT i FROM n; INSERT INTO mixed VALUES ('text');"
        )
    db.close()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=f"sqlite:///{source}",
        storage_dir=tmp_path / "files",
        inline_export_rows=50_000,
    )
    migrate(settings.database_url)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("SELECT v FROM mixed")
        reply = chat.handle("export everything from today as excel")
        assert reply.export is not None and reply.export.rows == 20001, reply.text
        book = openpyxl.load_workbook(reply.export.path or "", read_only=True)
        values = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
        assert values[:2] == ["1", "2"] and values[-1] == "text" and len(values) == 20001
        csv_reply = chat.handle("export everything from today as csv")
        assert csv_reply.export is not None and csv_reply.export.rows == 20001
        chat.handle("SELECT v FROM mixed")
        one = chat.handle("export this as json")
        note = "column 1 (v) holds integer and text values; all are written as text"
        assert one.export is not None and one.export.notes == [note]
        assert one.text.endswith(f"Note: {note}.")
        lines = Path(one.export.path or "").read_text()
        assert lines.startswith('[{"v":"1"}') and lines.rstrip().endswith('{"v":"text"}]')
