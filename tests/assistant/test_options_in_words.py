"""Options said in chat reach the file, and the reply says them back (issue #16).

Driven through the chat engine over the demo shop; every file is read back with a reader
we did not write (Python's csv, json and gzip modules, openpyxl) and checked against the
source database itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from assistant import Conversation, open_conversation
from assistant.replies import Reply
from assistant.settings import Settings
from assistant.source.datasource import DataSource
from assistant.store import migrate
from exporters.sources.url import parse_url
from tests.assistant.conftest import NOW

BOM = b"\xef\xbb\xbf"


def _source(settings: Settings, sql: str) -> list[dict[str, Any]]:
    with DataSource(settings.source_url).open(sql) as stream:
        rows: list[dict[str, Any]] = stream.reader.read_all().to_pylist()
        return rows


def _file(reply: Reply) -> bytes:
    assert reply.export is not None and reply.export.status == "done", reply.text
    return Path(reply.export.path or "").read_bytes()


def _csv(data: bytes, delimiter: str = ",", encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def test_a_semicolon_csv_with_bom_for_three_columns(chat: Conversation, settings: Settings) -> None:
    chat.handle("show customers")
    reply = chat.handle("export this as csv with semicolons and a BOM, only name, email and city")
    assert "CSV, semicolon-separated, with BOM, 3 columns" in reply.text
    data = _file(reply)
    assert data.startswith(BOM) and not data[3:].startswith(BOM)
    rows = _csv(data[len(BOM) :], ";")
    assert rows[0] == ["name", "email", "city"]
    source = _source(settings, "SELECT name, email, city FROM customers")
    assert rows[1:] == [[row[key] or "" for key in ("name", "email", "city")] for row in source]


def test_sort_rename_and_date_format_show_in_the_file(
    chat: Conversation, settings: Settings
) -> None:
    chat.handle("show customers")
    reply = chat.handle(
        "export as csv sorted by lifetime value descending, rename email to E-Mail, "
        "with dates as dd.mm.yyyy"
    )
    for said in ("sorted by lifetime_value descending", "email renamed to E-Mail", "31.12.2026"):
        assert said in reply.text
    header, *rows = _csv(_file(reply))
    assert "E-Mail" in header and "email" not in header
    values = [Decimal(row[header.index("lifetime_value")]) for row in rows]
    assert values == sorted(values, reverse=True) and len(values) == 100
    source = {row["id"]: row for row in _source(settings, "SELECT * FROM customers")}
    for row in rows:
        customer = source[int(row[header.index("id")])]
        assert row[header.index("E-Mail")] == (customer["email"] or "")
        signed_up: dt.datetime = customer["signed_up_at"]
        assert row[header.index("signed_up_at")] == signed_up.strftime("%d.%m.%Y")


def test_newest_first_in_berlin_time(chat: Conversation, settings: Settings) -> None:
    chat.handle("show orders from today")
    reply = chat.handle("export as csv, newest first, in Berlin time")
    assert "newest first" in reply.text and "times in Europe/Berlin" in reply.text
    header, *rows = _csv(_file(reply))
    stamps = [dt.datetime.fromisoformat(row[header.index("created_at")]) for row in rows]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == 10
    assert all(stamp.utcoffset() == dt.timedelta(hours=1) for stamp in stamps)
    source = _source(settings, "SELECT created_at FROM orders ORDER BY created_at DESC LIMIT 10")
    assert [stamp.replace(tzinfo=None) - dt.timedelta(hours=1) for stamp in stamps] == [
        row["created_at"] for row in source
    ]


def test_a_csv_for_german_excel(chat: Conversation) -> None:
    chat.handle("show customers")
    reply = chat.handle("export this for German Excel")
    assert "CSV, semicolon-separated, decimal comma, with BOM" in reply.text
    data = _file(reply)
    assert reply.export is not None and reply.export.format == "csv" and data.startswith(BOM)
    header, *rows = _csv(data[len(BOM) :], ";")
    values = [row[header.index("lifetime_value")] for row in rows]
    assert all("," in value and "." not in value for value in values if value != "0")


def test_latin_1_gzipped_and_every_field_quoted(chat: Conversation, settings: Settings) -> None:
    chat.handle("show orders from today")
    reply = chat.handle(
        "export only id, status and total as csv in latin-1 with double quotes everywhere, gzipped"
    )
    for said in ("Latin-1", "every field quoted", "3 columns", "gzipped"):
        assert said in reply.text
    assert reply.export is not None and (reply.export.file_name or "").endswith(".csv.gz")
    text = gzip.decompress(_file(reply)).decode("latin-1")
    lines = text.split("\r\n")[:-1]
    assert all(line.startswith('"') and line.count('"') == 6 for line in lines)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    source = _source(settings, "SELECT id, status FROM orders ORDER BY created_at DESC LIMIT 10")
    assert sorted((row[0], row[1]) for row in rows[1:]) == sorted(
        (str(row["id"]), row["status"]) for row in source
    )


def test_text_latin_1_cannot_hold_is_refused_in_words(chat: Conversation) -> None:
    chat.handle("show customers")
    reply = chat.handle("export as csv in latin-1")
    assert reply.export is None and "cannot be written in latin-1" in reply.text


def test_what_cannot_be_done_is_said(chat: Conversation) -> None:
    chat.handle("show orders from today")
    reply = chat.handle("export this as excel with semicolons and single quotes")
    assert "Not done:" in reply.text
    assert "single quotes" in reply.text
    assert "semicolon-separated (Excel files have no such option)" in reply.text
    workbook = openpyxl.load_workbook(io.BytesIO(_file(reply)), read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows())) == 11
    workbook.close()


def test_a_follow_up_keeps_the_order_in_another_format(chat: Conversation) -> None:
    chat.handle("show orders from today")
    chat.handle("export as csv with semicolons, sorted by total descending")
    reply = chat.handle("now as json")
    assert "JSON, sorted by total descending" in reply.text
    assert "semicolon" not in reply.text
    totals = [Decimal(str(row["total"])) for row in json.loads(_file(reply))]
    assert totals == sorted(totals, reverse=True) and len(totals) == 10


def test_the_answer_to_the_format_question_keeps_the_order(chat: Conversation) -> None:
    chat.handle("show orders from today")
    asked = chat.handle("export this sorted by city, then by total")
    assert asked.choices and asked.export is None
    reply = chat.handle("csv")
    header, *rows = _csv(_file(reply))
    keys = [(row[header.index("city")], Decimal(row[header.index("total")])) for row in rows]
    assert keys == sorted(keys)


def test_sorting_by_a_column_that_is_not_there_names_the_columns(chat: Conversation) -> None:
    chat.handle("show orders from today")
    reply = chat.handle("export as csv sorted by colour")
    assert reply.export is None or reply.export.status != "done"
    assert "no column 'colour'" in reply.text and "customer_id" in reply.text


def test_a_sort_keeps_repeated_column_names(chat: Conversation) -> None:
    chat.handle("SELECT id, total, id FROM orders WHERE id <= 5")
    reply = chat.handle("export as csv sorted by total descending")
    header, *rows = _csv(_file(reply))
    assert header == ["id", "total", "id"]
    totals = [Decimal(row[1]) for row in rows]
    assert totals == sorted(totals, reverse=True) and all(row[0] == row[2] for row in rows)


@pytest.fixture
def pg_orders(postgres_url: str) -> Iterator[str]:
    """A small table with NULL totals in PostgreSQL, dropped afterwards."""
    import psycopg

    name = f"orders_{secrets.token_hex(4)}"
    info = parse_url(postgres_url).conninfo
    with psycopg.connect(info, autocommit=True) as db:
        db.execute(f"CREATE TABLE {name} (id int, city text, total numeric(10,2), at timestamptz)")
        db.execute(
            f"""INSERT INTO {name} VALUES (1, 'Köln', 10.50, '2026-11-18 09:00+00'),
            (2, 'Berlin', NULL, '2026-11-18 11:00+00'), (3, 'Aachen', 99.99, NULL),
            (4, 'Berlin', 5.00, '2026-11-17 23:30+00')"""
        )
    try:
        yield name
    finally:
        with psycopg.connect(info, autocommit=True) as db:
            db.execute(f"DROP TABLE {name}")


def test_sorting_on_postgresql(postgres_url: str, pg_orders: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=postgres_url,
        storage_dir=tmp_path / "files",
    )
    migrate(settings.database_url)
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle(f"SELECT * FROM {pg_orders}")
        by_total = _csv(_file(chat.handle("export as csv sorted by total descending")))
        assert [row[0] for row in by_total[1:]] == ["3", "1", "4", "2"]  # NULL last
        newest = chat.handle(
            "export as csv, newest first, in Berlin time, dates as dd.mm.yyyy hh:mm"
        )
        rows = _csv(_file(newest))[1:]
        assert [row[0] for row in rows] == ["2", "1", "4", "3"]
        assert rows[2][3] == "18.11.2026 00:30"  # 23:30 UTC on the 17th, in Berlin


def test_a_bundle_of_past_results_says_the_order_was_not_applied(chat: Conversation) -> None:
    chat.handle("show orders from today")
    reply = chat.handle("export everything from today as csv with semicolons, sorted by total")
    assert reply.export is not None and reply.export.format == "zip"
    assert "As asked: CSV, semicolon-separated." in reply.text
    assert "Not done: sorted by total (each query keeps its own order)." in reply.text
