"""Sending by chat (issue 16): "me" is the user's own saved address (asked for once), and
"send it now" runs the schedule now or emails the last file; through Conversation.handle,
against a real SMTP server (aiosmtpd), attachments read back with independent readers."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator

import openpyxl
import pytest
from sqlalchemy import func, select

from assistant import Assistant, Conversation, open_conversation
from assistant.conversation.addresses import ADDRESS_QUESTION
from assistant.schedules import service
from assistant.settings import Settings
from assistant.store import AuditEntry, Export, RunStatus, ScheduleRun
from tests.assistant.conftest import NOW
from tests.assistant.mailbox import (
    Mailbox,
    mailbox,
    save_address,
    saved_address,
    text_rows,
    with_mail,
)
from tests.assistant.test_engine import session_factory_for

__all__ = ["mailbox"]  # the fixture, used here

ANA = "ana@shop.example"


@pytest.fixture
def mailing(settings: Settings, mailbox: Mailbox) -> Settings:
    return with_mail(settings, mailbox)


@pytest.fixture
def ana(mailing: Settings) -> Iterator[Conversation]:
    """Ana, who saved her address, in a conversation at NOW that can send mail."""
    save_address(mailing, "ana", ANA)
    with open_conversation(mailing, "ana", clock=lambda: NOW, mode="rules") as chat:
        yield chat


@pytest.fixture
def newcomer(mailing: Settings) -> Iterator[Conversation]:
    """Noa, who has saved no address yet."""
    with open_conversation(mailing, "noa", clock=lambda: NOW, mode="rules") as chat:
        yield chat


def _runs(settings: Settings) -> list[ScheduleRun]:
    with session_factory_for(settings) as sessions, sessions() as session:
        runs = list(session.scalars(select(ScheduleRun)))
        session.expunge_all()
        return runs


def _exports(settings: Settings) -> int:
    with session_factory_for(settings) as sessions, sessions() as session:
        return session.scalar(select(func.count()).select_from(Export)) or 0


# ------------------------------------------------------------ "me" is the saved address


def test_me_never_means_the_address_typed_for_the_last_request(
    newcomer: Conversation, mailing: Settings, mailbox: Mailbox
) -> None:
    newcomer.handle("show orders from today")
    sent = newcomer.handle("email this to bob@example.com as csv")
    assert sent.text == "Sent orders-2026-11-18.csv (10 rows) to bob@example.com."
    asked = newcomer.handle("email me this every day")
    assert asked.text == ADDRESS_QUESTION
    assert service.list_all(newcomer.scope) == []
    made = newcomer.handle("noa@shop.example")
    assert "emailed to noa@shop.example every day at 09:00" in made.text
    [schedule] = service.list_all(newcomer.scope)
    assert schedule.destination.model_dump()["to"] == "noa@shop.example"
    assert saved_address(mailing, "noa") == "noa@shop.example"
    newcomer.handle("send it now")
    assert mailbox.recipients() == [["bob@example.com"], ["noa@shop.example"]]
    name, data = mailbox.attachment()
    assert name == "orders-2026-11-18.csv" and len(text_rows(data)) == 11


def _pdf(data: bytes) -> int:
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return 10


def _xlsx(data: bytes) -> int:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return sum(1 for _ in workbook.worksheets[0].iter_rows()) - 1
    finally:
        workbook.close()


def _jsonl(data: bytes) -> int:
    return len([json.loads(line) for line in data.decode().splitlines()])


def _csv(data: bytes) -> int:
    return len(text_rows(data)) - 1


@pytest.mark.parametrize(
    ("message", "name", "rows"),
    [
        ("email me this as pdf", "orders-2026-11-18.pdf", _pdf),
        ("send it to my inbox as a spreadsheet", "orders-2026-11-18.xlsx", _xlsx),
        ("mail me the result as json lines", "orders-2026-11-18.jsonl", _jsonl),
        ("e-mail this to myself, csv please", "orders-2026-11-18.csv", _csv),
    ],
)
def test_me_goes_to_the_saved_address_without_asking(
    ana: Conversation, mailbox: Mailbox, message: str, name: str, rows: object
) -> None:
    ana.handle("show orders from today")
    reply = ana.handle(message)
    assert reply.text == f"Sent {name} (10 rows) to {ANA}."
    assert mailbox.recipients() == [[ANA]]
    got, data = mailbox.attachment()
    assert got == name and callable(rows) and rows(data) == 10
    assert reply.export is not None
    assert hashlib.sha256(data).hexdigest() == reply.export.sha256


@pytest.mark.parametrize(
    ("answer", "address"),
    [
        ("sure, it's Noa.Levi@Shop.example", "Noa.Levi@Shop.example"),
        ("noa.levi@shop.example", "noa.levi@shop.example"),
        ("use noa@levi.example pls", "noa@levi.example"),
    ],
)
def test_without_a_saved_address_it_asks_once_and_keeps_the_answer(
    newcomer: Conversation, mailing: Settings, mailbox: Mailbox, answer: str, address: str
) -> None:
    newcomer.handle("show customers")
    assert newcomer.handle("send me only names and emails as tsv").text == ADDRESS_QUESTION
    sent = newcomer.handle(answer)
    assert sent.text == f"Sent customers-2026-11-18.tsv (100 rows) to {address}."
    assert saved_address(mailing, "noa") == address
    name, data = mailbox.attachment()
    assert name == "customers-2026-11-18.tsv" and text_rows(data, "\t")[0] == ["name", "email"]
    again = newcomer.handle("email me the products as json")
    assert again.text.endswith(f"Sent products-2026-11-18.json (200 rows) to {address}.")
    assert mailbox.recipients() == [[address], [address]]


def test_an_answer_that_is_no_address_is_a_message_of_its_own(
    newcomer: Conversation, mailbox: Mailbox
) -> None:
    newcomer.handle("show customers")
    assert newcomer.handle("mail it to me as csv").text == ADDRESS_QUESTION
    shown = newcomer.handle("show products")
    assert shown.table is not None and shown.table.row_count == 200
    assert mailbox.recipients() == []


# ------------------------------------------------------------ "send it now"


@pytest.mark.parametrize(
    "message",
    ["send it now", "Could you send it right away please?", "run it now", "sned it now pls",
     "ok, send me one now"],
)  # fmt: skip
def test_send_it_now_runs_the_schedule_now(
    ana: Conversation, mailing: Settings, mailbox: Mailbox, message: str
) -> None:
    ana.handle("show orders from today")
    made = ana.handle("email me this as csv every monday at 8")
    assert ANA in made.text
    [before] = service.list_all(ana.scope)
    reply = ana.handle(message)
    assert reply.text.startswith(f"Sent “{before.name}” to {ANA} now (10 rows).")
    assert reply.export is None  # sent, not handed over as a download
    assert mailbox.recipients() == [[ANA]]
    name, data = mailbox.attachment()
    assert name == "orders-2026-11-18.csv" and len(text_rows(data)) == 11
    [run] = _runs(mailing)
    assert (run.status, run.rows, run.due_at.replace(tzinfo=None)) == (
        RunStatus.DONE,
        10,
        NOW.replace(tzinfo=None),
    )
    [after] = service.list_all(ana.scope)
    assert after.next_run_at == before.next_run_at  # Monday's run still comes


def test_send_the_named_report_now_picks_it_by_its_words(
    ana: Conversation, mailbox: Mailbox
) -> None:
    ana.handle("show orders from today")
    ana.handle("email me this as csv every weekday at 7")
    ana.handle("show customers")
    ana.handle("email me this as excel every sunday at 10")
    reply = ana.handle("please fire the weekday report right now")
    assert "every weekday" not in reply.text and reply.text.startswith("Sent “show orders")
    name, _ = mailbox.attachment()
    assert name == "orders-2026-11-18.csv"


def test_send_it_now_after_a_download_emails_that_very_file(
    ana: Conversation, mailing: Settings, mailbox: Mailbox
) -> None:
    ana.handle("show orders from today")
    made = ana.handle("export this as excel")
    assert made.export is not None and mailbox.recipients() == []
    sent = ana.handle("send it now")
    assert sent.text == f"Sent orders-2026-11-18.xlsx (10 rows) to {ANA}."
    name, data = mailbox.attachment()
    assert name == "orders-2026-11-18.xlsx"
    assert hashlib.sha256(data).hexdigest() == made.export.sha256
    assert _xlsx(data) == 10 and _exports(mailing) == 1  # the same file, not a new one


def test_send_it_now_with_a_result_asks_the_format_then_sends(
    ana: Conversation, mailbox: Mailbox
) -> None:
    ana.handle("show customers")
    asked = ana.handle("email it now")
    assert asked.choices is not None and asked.export is None
    sent = ana.handle("csv")
    assert sent.text == f"Sent customers-2026-11-18.csv (100 rows) to {ANA}."
    assert len(text_rows(mailbox.attachment()[1])) == 101


def test_send_it_now_without_email_set_up_says_why(settings: Settings, mailing: Settings) -> None:
    save_address(settings, "ana", ANA)
    with open_conversation(mailing, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders from today")
        chat.handle("email me this as csv every monday at 8")  # stored while email worked
        conversation_id = chat.id
    unmailed = Assistant(settings, clock=lambda: NOW, mode="rules")
    try:
        reply = unmailed.conversation(unmailed.user_id("ana"), conversation_id).handle(
            "send it now"
        )
    finally:
        unmailed.close()
    assert reply.text == (
        "E-mail is not set up on this server (ASSISTANT_SMTP_URL), so I can't send it now, "
        "and its runs fail until an admin sets it."
    )
    assert reply.export is None and _runs(settings) == []  # nothing run, nothing counted


def test_send_it_now_with_nothing_to_send(ana: Conversation, mailbox: Mailbox) -> None:
    assert ana.handle("send it now").text.startswith("There is nothing to send yet.")
    assert mailbox.recipients() == []


def test_the_chats_email_is_in_the_audit_log(ana: Conversation, mailing: Settings) -> None:
    ana.handle("show orders from today")
    ana.handle("email me this as csv")
    emailed = select(AuditEntry).where(AuditEntry.action == "export_emailed")
    with session_factory_for(mailing) as sessions, sessions() as session:
        entry = session.scalars(emailed).one()
        assert entry.details == {"to": ANA} and entry.rows == 10


def test_send_it_now_twice_in_one_instant_says_it_just_went(
    ana: Conversation, mailing: Settings, mailbox: Mailbox
) -> None:
    ana.handle("show orders from today")
    ana.handle("email me this as csv every monday at 8")
    ana.handle("send it now")
    again = ana.handle("send it now")  # the clock is pinned: the same occurrence
    assert again.text == "That schedule was sent a moment ago; try again in a moment."
    assert mailbox.recipients() == [[ANA]] and len(_runs(mailing)) == 1
