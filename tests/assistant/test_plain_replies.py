"""Replies a person reads once: questions asked as questions, no internal ids, no promises
the page does not keep (issue 19)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest

from assistant import Conversation, ExportInfo, open_conversation
from assistant.settings import Settings
from assistant.store import Export, ExportStatus
from tests.assistant.conftest import MAIL_SET_UP, NOW


@pytest.fixture
def mail_chat(settings: Settings) -> Iterator[Conversation]:
    """Ana's conversation with e-mail set up (a server that is never reached)."""
    with_mail = settings.model_copy(update={"smtp_url": MAIL_SET_UP})
    with open_conversation(with_mail, "ana", clock=lambda: NOW, mode="rules") as conversation:
        yield conversation


def test_a_question_back_is_asked_not_reported_as_a_failure(mail_chat: Conversation) -> None:
    chat = mail_chat
    chat.handle("show customers")
    chat.handle("email me this as Excel every weekday at 7 to ana@example.com")
    chat.handle("show products")
    chat.handle("email me this as csv every monday at 9 to ana@example.com")
    reply = chat.handle("pause the report")
    assert reply.text.startswith("Which schedule do you mean? You have: “show")
    assert "Sorry" not in reply.text


def test_an_export_is_named_by_its_format_question_and_time_never_its_id() -> None:
    when = dt.datetime(2026, 11, 18, 14, 5)
    info = ExportInfo(id="FS8xiYXZrx1nRzWPniupLA", format="csv", status="queued", rows=None,
                      bytes=None, sha256=None, path=None, file_name=None, created_at=when,
                      title="orders from today")  # fmt: skip
    assert info.label() == "CSV export of “orders from today”, 14:05"
    assert info.label(ZoneInfo("Europe/Berlin")) == "CSV export of “orders from today”, 15:05"
    assert info.model_copy(update={"title": None}).label() == "CSV export, 14:05"
    assert info.model_copy(update={"file_name": "orders.csv"}).label() == "orders.csv"


@pytest.fixture
def background(settings: Settings) -> Settings:
    """Every export of more than 20 rows goes to the background, one running at a time."""
    return settings.model_copy(update={"inline_export_rows": 20, "max_running_exports_per_user": 1})


def test_a_background_export_says_starting_when_nothing_of_hers_runs(background: Settings) -> None:
    with open_conversation(background, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show customers")
        reply = chat.handle("export this as csv")
        assert reply.export is not None
        assert reply.text == (  # and the export plan's size (issue 21)
            "That is 100 rows, so I am exporting it in the background. Starting now. "
            "The file will be about 12 KB as CSV."
        )
        (listed,), _ = chat.exports()
        assert listed.title == "show customers"


def test_a_background_export_says_queued_behind_her_running_export(background: Settings) -> None:
    with open_conversation(background, "ana", clock=lambda: NOW, mode="rules") as chat:
        with chat.scope.sessions.begin() as session:  # one of her exports is running
            session.add(Export(owner_id=chat.user_id, request={}, format="csv",
                               status=ExportStatus.RUNNING))  # fmt: skip
        chat.handle("show customers")
        reply = chat.handle("export this as csv")
        assert reply.export is not None and reply.export.id not in reply.text
        assert reply.text.endswith(
            "Queued: it starts when your running export ends. The file will be about 12 KB as CSV."
        )  # the export plan's size last (issue 21)


def test_a_column_the_result_lacks_is_asked_about(chat: Conversation) -> None:
    chat.handle("show customers")
    reply = chat.handle("only nme and email as csv")
    assert reply.export is None and not chat.exports()[0]
    assert reply.text.startswith("Which column do you mean by “nme”? This result has: id, name,")
    both = chat.handle("only nme and phone as csv").text
    assert both.startswith("Which columns do you mean by “nme” and “phone”?")
    assert chat.handle("only name and email as csv").export is not None


def test_pdf_and_excel_files_are_titled_by_the_question(chat: Conversation) -> None:
    chat.handle("show orders from today")
    pdf = chat.handle("export this as pdf").export
    assert pdf is not None and pdf.path is not None
    text = pypdf.PdfReader(pdf.path).pages[0].extract_text()
    assert "Orders from today" in text and "Query result" not in text
    xlsx = chat.handle("export this as xlsx").export
    assert xlsx is not None and xlsx.path is not None
    workbook = openpyxl.load_workbook(xlsx.path, read_only=True)
    try:
        assert workbook.sheetnames == ["Orders from today"]
    finally:
        workbook.close()
    chat.handle("select id from orders limit 2")  # typed SQL: titled by its tables
    typed = chat.handle("export this as pdf").export
    assert typed is not None and typed.path is not None
    assert "Orders" in pypdf.PdfReader(typed.path).pages[0].extract_text()
