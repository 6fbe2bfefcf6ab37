"""Email asked for on a server without ``ASSISTANT_SMTP_URL`` (issue 19): said at once,
the file offered as a download, a schedule refused; nothing is told "sent"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant import Conversation, open_conversation
from assistant.errors import EmailNotSetUp
from assistant.schedules import SchedulePatch, service
from assistant.settings import Settings
from tests.assistant.conftest import MAIL_SET_UP, NOW
from tests.assistant.mailbox import save_address

NOT_SET_UP = "E-mail is not set up on this server (ASSISTANT_SMTP_URL)"
DOWNLOAD_INSTEAD = f"{NOT_SET_UP}, so I can't send it; here is the download instead."


@pytest.fixture
def ana(settings: Settings) -> Iterator[Conversation]:
    """Ana, with a saved address, on a server that has no mail server set up."""
    assert settings.smtp_url is None
    save_address(settings, "ana", "ana@shop.example")
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        yield chat


def test_send_this_to_bob_gives_the_download_and_says_why(ana: Conversation) -> None:
    ana.handle("show orders from today")
    reply = ana.handle("send this to bob@example.com as csv")
    assert reply.text.startswith(DOWNLOAD_INSTEAD), reply.text
    assert "Sent" not in reply.text and "bob@example.com" not in reply.text
    assert reply.export is not None and reply.export.status == "done"
    assert reply.export.file_name == "orders-2026-11-18.csv"


def test_asking_for_email_before_the_format_says_so_at_once(ana: Conversation) -> None:
    ana.handle("show orders from today")
    asked = ana.handle("email me this")
    assert asked.text.startswith(f"{NOT_SET_UP}, so I can't send it; I can give you a download")
    assert asked.export is None and asked.choices  # the format question, as a download
    made = ana.handle("csv")
    assert made.export is not None and made.export.status == "done"
    assert "Sent" not in made.text


def test_an_email_schedule_is_refused_with_the_download_offered(
    ana: Conversation, settings: Settings
) -> None:
    ana.handle("show orders from today")
    refused = ana.handle("email me this as csv every monday at 8")
    assert refused.text == (
        f"{NOT_SET_UP}, so I can't email it on a schedule; I can give you a download now."
    )
    assert refused.choices == ["Download"] and refused.export is None
    assert service.list_all(ana.scope) == []  # nothing stored, nothing confirmed
    taken = ana.handle("download")
    assert taken.export is not None and taken.export.status == "done"
    assert taken.export.file_name == "orders-2026-11-18.csv"


def test_send_it_now_offers_the_file_it_would_have_sent(ana: Conversation) -> None:
    ana.handle("show orders from today")
    made = ana.handle("export this as csv")
    assert made.export is not None
    again = ana.handle("send it now")
    assert again.text == DOWNLOAD_INSTEAD
    assert again.export is not None and again.export.id == made.export.id


def test_resuming_an_email_schedule_without_a_mail_server_is_refused(
    settings: Settings,
) -> None:
    """A schedule stored while e-mail worked, paused, cannot be resumed once the mail
    server is gone: refused in words, and it stays paused."""
    mailing = settings.model_copy(update={"smtp_url": MAIL_SET_UP})
    save_address(mailing, "ana", "ana@shop.example")
    with open_conversation(mailing, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders from today")
        chat.handle("email me this as csv every monday at 8")
        [made] = service.list_all(chat.scope)
        service.update(chat.scope, made.id, SchedulePatch(active=False))
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        with pytest.raises(EmailNotSetUp, match="ASSISTANT_SMTP_URL"):
            service.update(chat.scope, made.id, SchedulePatch(active=True))
        [kept] = service.list_all(chat.scope)
        assert kept.active is False and kept.next_run_at is None
        renamed = service.update(chat.scope, made.id, SchedulePatch(name="weekly orders"))
        assert renamed.name == "weekly orders" and renamed.active is False  # other edits go on
