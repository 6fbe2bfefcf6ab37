"""Templates by chat: save the last question with its export settings, export with it later."""

from __future__ import annotations

import csv

from assistant import Conversation, open_conversation
from assistant.settings import Settings
from tests.assistant.conftest import NOW


def test_save_and_export_with_a_template(chat: Conversation, settings: Settings) -> None:
    chat.handle("show customers")
    chat.handle("only name and email as csv")
    saved = chat.handle("save this as template contacts")
    assert "contacts" in saved.text and "csv" in saved.text
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as later:
        reply = later.handle("export with template contacts")
    assert reply.export is not None and reply.export.format == "csv"
    with open(reply.export.path or "", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["name", "email"] and len(rows) == 101


def test_a_template_without_a_format_asks_for_one(chat: Conversation) -> None:
    chat.handle("show orders from today")
    chat.handle("save this as template today")
    question = chat.handle("export with template today")
    assert question.choices and "Excel" in question.choices
    reply = chat.handle("Excel")
    assert reply.export is not None and reply.export.format == "xlsx" and reply.export.rows == 10


def test_unknown_template_and_nothing_to_save_are_words(chat: Conversation) -> None:
    assert "no result to save" in chat.handle("save this as template x").text
    assert "no template" in chat.handle("export with template nope").text
