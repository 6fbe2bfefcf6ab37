"""Follow-ups that keep the request (issue 16), through Conversation.handle on the demo
shop: answers complete the pending request with everything it had, "the last 3 results"
are past query runs, and places we cannot send to are said, never dropped. Every file is
read back with readers we did not write (csv, json, zipfile, openpyxl)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from assistant import Conversation, open_conversation
from assistant.replies import Reply
from assistant.schedules import service
from assistant.settings import Settings
from assistant.source.datasource import DataSource
from assistant.store import Export, QueryRun
from tests.assistant.conftest import MAIL_SET_UP, NOW
from tests.assistant.mailbox import Mailbox, mailbox, save_address, text_rows, with_mail
from tests.assistant.test_engine import session_factory_for

__all__ = ["mailbox"]  # the fixture, used here


def source_rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    with DataSource(settings.source_url).open(sql) as stream:
        rows: list[dict[str, Any]] = stream.reader.read_all().to_pylist()
        return rows


def dialogue(chat: Conversation, *messages: str) -> Reply:
    reply = Reply(text="")
    for message in messages:
        reply = chat.handle(message)
    return reply


def file_rows(reply: Reply) -> tuple[str, list[list[str]]]:
    """The reply's file name and its rows as text (CSV, TSV, or either inside a ZIP)."""
    assert reply.export is not None and reply.export.status == "done", reply.text
    path = Path(reply.export.path or "")
    data = path.read_bytes()
    if path.suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            [inner] = archive.namelist()
            data = archive.read(inner)
    delimiter = "\t" if ".tsv" in path.name else ","
    return path.name, text_rows(data, delimiter)


def last_run(settings: Settings) -> QueryRun:
    with session_factory_for(settings) as sessions, sessions() as session:
        run = session.scalars(select(QueryRun).order_by(QueryRun.created_at.desc())).first()
        assert run is not None
        session.expunge(run)
        return run


# ------------------------------------------------------------ answers keep the request


@pytest.mark.parametrize(
    ("messages", "name", "columns", "count"),
    [
        (("show customers", "export just the emails", "CSV"), "customers-2026-11-18.csv",
         ["email"], 100),
        (("show me the customers", "export only their names and cities please", "csv please"),
         "customers-2026-11-18.csv", ["name", "city"], 100),
        (("show customers", "export just name and emial", "tsv"), "customers-2026-11-18.tsv",
         ["name", "email"], 100),
        (("show customers", "i need just the e-mails and countries exported", "the first one"),
         "customers-2026-11-18.csv", ["email", "country"], 100),
        (("show orders from today", "download only the totals and statuses", "csv pls"),
         "orders-2026-11-18.csv", ["total", "status"], 10),
        (("show customers", "export the customers without the notes column, first 7 rows, "
          "zipped", "the first one"), "customers-2026-11-18.csv.zip", None, 7),
    ],
)  # fmt: skip
def test_an_answer_completes_the_pending_request_with_all_it_had(
    chat: Conversation,
    settings: Settings,
    messages: tuple[str, ...],
    name: str,
    columns: list[str] | None,
    count: int,
) -> None:
    *before, answer = messages
    asked = dialogue(chat, *before)
    assert asked.choices and asked.export is None, asked.text
    reply = chat.handle(answer)
    got_name, rows = file_rows(reply)
    assert got_name == name, reply.text
    header, *cells = rows
    expected = source_rows(settings, last_run(settings).sql)
    wanted = columns or [c for c in expected[0] if c != "notes"]
    assert header == wanted
    assert len(cells) == count
    compared = columns or ["id", "name"]  # numbers and text: the same as typed
    for cell, row in zip(cells, expected, strict=False):
        got = dict(zip(header, cell or [""], strict=True))  # csv reads a lone "" as []
        assert [got[c] for c in compared] == ["" if row[c] is None else str(row[c])
                                              for c in compared]  # fmt: skip


def test_an_answer_keeps_a_schedules_address_columns_and_time(settings: Settings) -> None:
    settings = settings.model_copy(update={"smtp_url": MAIL_SET_UP})  # email schedules need it
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        _keeps_address_columns_and_time(chat)


def _keeps_address_columns_and_time(chat: Conversation) -> None:
    chat.handle("show customers")
    asked = chat.handle("send only name and city to ops@shop.example every friday at 5pm")
    assert asked.choices is not None
    reply = chat.handle("as a spreadsheet")
    assert "every Friday at 17:00" in reply.text and "ops@shop.example" in reply.text
    [schedule] = service.list_all(chat.scope)
    assert schedule.cron == "0 17 * * 5"
    assert schedule.destination.model_dump()["to"] == "ops@shop.example"
    assert schedule.request.columns == ["name", "city"]
    assert schedule.request.format is not None and schedule.request.format.value == "xlsx"


# ------------------------------------------------------------ the last N results


@pytest.fixture
def four_runs(chat: Conversation) -> Iterator[Conversation]:
    for question in ("show orders from today", "show customers", "how many orders",
                     "show products"):  # fmt: skip
        assert chat.handle(question).table is not None
    yield chat


def _manifest(reply: Reply) -> tuple[dict[str, Any], zipfile.ZipFile]:
    assert reply.export is not None and reply.export.path, reply.text
    archive = zipfile.ZipFile(reply.export.path)
    return json.loads(archive.read("manifest.json")), archive


def test_the_last_3_results_are_the_last_3_runs_not_3_rows(
    four_runs: Conversation, settings: Settings
) -> None:
    asked = four_runs.handle("export the last 3 results")
    assert asked.choices is not None and asked.export is None
    reply = four_runs.handle("csv")
    assert reply.export is not None and reply.export.file_name == "history-2026-11-18.zip"
    assert "of your last 3" in reply.text
    manifest, archive = _manifest(reply)
    with archive:
        questions = [entry["question"] for entry in manifest["files"]]
        assert questions == ["show customers", "how many orders", "show products"]
        assert manifest["last_runs"] == 3
        for entry in manifest["files"]:
            rows = list(csv.reader(io.StringIO(archive.read(entry["file_name"]).decode())))
            assert len(rows) - 1 == len(source_rows(settings, entry["sql"])) == entry["rows"]
    assert [e["rows"] for e in manifest["files"]] == [100, 1, 200]


def test_my_two_most_recent_queries_as_excel_are_one_workbook(four_runs: Conversation) -> None:
    reply = four_runs.handle("export my 2 most recent queries as excel")
    assert reply.export is not None and reply.export.file_name == "history-2026-11-18.xlsx"
    workbook = openpyxl.load_workbook(reply.export.path or "", read_only=True)
    try:
        assert workbook.sheetnames == ["01 orders", "02 products", "Queries"]
        queries = list(workbook["Queries"].iter_rows(values_only=True))
        assert [row[1] for row in queries[1:]] == ["how many orders", "show products"]
        assert sum(1 for _ in workbook["02 products"].iter_rows()) == 201
    finally:
        workbook.close()


def test_the_previous_two_results_as_json_and_again(four_runs: Conversation) -> None:
    reply = four_runs.handle("zip up the previous two results as json")
    manifest, archive = _manifest(reply)
    with archive:
        names = [entry["file_name"] for entry in manifest["files"]]
        assert names == ["01-orders-2026-11-18.json", "02-products-2026-11-18.json"]
        assert len(json.loads(archive.read(names[1]))) == 200
    four_runs.handle("show customers")  # a newer run: made again, it is the same two
    assert reply.export is not None
    again = four_runs.export_again(reply.export.id)
    manifest_again, archive_again = _manifest(again)
    with archive_again:
        assert [e["query_run_id"] for e in manifest_again["files"]] == [
            e["query_run_id"] for e in manifest["files"]
        ]


def test_asking_for_more_runs_than_there_are_says_so(chat: Conversation) -> None:
    chat.handle("show customers")
    chat.handle("show products")
    reply = chat.handle("export the last five results as csv")
    assert "only 2" in reply.text
    manifest, archive = _manifest(reply)
    archive.close()
    assert len(manifest["files"]) == 2


def test_the_last_3_rows_are_still_rows(chat: Conversation) -> None:
    chat.handle("show customers")
    name, rows = file_rows(chat.handle("export the last 3 rows as csv"))
    assert name == "customers-2026-11-18.csv" and len(rows) == 4


# ------------------------------------------------------------ places we cannot send to


@pytest.mark.parametrize(
    ("message", "place"),
    [
        ("send this to google drive as csv", "Google Drive"),
        ("upload it to our S3 bucket as csv", "Amazon S3"),
        ("post the result in the #ops slack channel as csv", "Slack"),
        ("sftp it over as csv", "SFTP"),
        ("pls save it in my Dropbox as a csv file", "Dropbox"),
    ],
)
def test_a_place_we_cannot_send_to_is_named_and_a_download_offered(
    settings: Settings, message: str, place: str
) -> None:
    settings = settings.model_copy(update={"smtp_url": MAIL_SET_UP})
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders from today")
        refused = chat.handle(message)
        assert refused.text == (
            f"I can't send to {place} yet; I can give you a download or email it."
        )
        assert refused.choices == ["Download", "Email"] and refused.export is None
        with session_factory_for(settings) as sessions, sessions() as session:
            assert session.scalar(select(func.count()).select_from(Export)) == 0
        name, rows = file_rows(chat.handle("download"))
    assert name == "orders-2026-11-18.csv" and len(rows) == 11


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("upload it to our S3 bucket as csv", "; I can give you a download."),
        ("post this to slack every monday at 9 as csv",
         " for a schedule; I can give you a download now."),
    ],
)  # fmt: skip
def test_without_a_mail_server_the_refusal_offers_only_the_download(
    chat: Conversation, settings: Settings, message: str, said: str
) -> None:
    assert settings.smtp_url is None
    chat.handle("show orders from today")
    refused = chat.handle(message)
    place = "Amazon S3" if "S3" in message else "Slack"
    assert refused.text == (
        f"I can't send to {place} yet, and e-mail is not set up on this server{said}"
    )
    assert refused.choices == ["Download"] and refused.export is None
    assert service.list_all(chat.scope) == []
    name, rows = file_rows(chat.handle("download"))
    assert name == "orders-2026-11-18.csv" and len(rows) == 11
    assert service.list_all(chat.scope) == []  # a download now, no schedule made


@pytest.mark.parametrize("answer", ["email it", "the second one", "Email", "mail it to me pls"])
def test_email_instead_sends_it_to_the_users_address(
    settings: Settings, mailbox: Mailbox, answer: str
) -> None:
    mailing = with_mail(settings, mailbox)
    save_address(mailing, "ana", "ana@shop.example")
    with open_conversation(mailing, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show customers")
        assert "Dropbox" in chat.handle("export only names to dropbox as json").text
        reply = chat.handle(answer)
    assert reply.text == "Sent customers-2026-11-18.json (100 rows) to ana@shop.example."
    assert mailbox.recipients() == [["ana@shop.example"]]
    name, data = mailbox.attachment()
    assert name == "customers-2026-11-18.json"
    assert [set(row) for row in json.loads(data)] == [{"name"}] * 100


def test_a_schedule_to_slack_is_offered_by_email_instead(settings: Settings) -> None:
    settings = settings.model_copy(update={"smtp_url": MAIL_SET_UP})  # email schedules need it
    save_address(settings, "ana", "ana@shop.example")
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders from today")
        refused = chat.handle("post this to slack every monday at 9 as csv")
        assert refused.text == "I can't send to Slack yet; I can email it on its schedule instead."
        assert refused.choices == ["Email"]
        assert service.list_all(chat.scope) == []
        made = chat.handle("ok")
        [schedule] = service.list_all(chat.scope)
    assert "ana@shop.example" in made.text and schedule.cron == "0 9 * * 1"
    assert schedule.destination.model_dump()["to"] == "ana@shop.example"
