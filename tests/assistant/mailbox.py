"""A real SMTP server for chat dialogues that send files, and readers for what arrived."""

from __future__ import annotations

import csv
import email
import email.policy
import io
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from assistant.settings import Settings
from assistant.store import User, create_store_engine, session_factory
from tests.assistant.delivery.test_mail import Inbox, smtp_server


@dataclass
class Mailbox:
    """What the SMTP server received, and the ``ASSISTANT_SMTP_URL`` that reaches it."""

    inbox: Inbox
    url: str

    def messages(self) -> list[EmailMessage]:
        parsed = []
        for envelope in self.inbox.envelopes:
            assert isinstance(envelope.content, bytes)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed

    def recipients(self) -> list[list[str]]:
        return [list(envelope.rcpt_tos) for envelope in self.inbox.envelopes]

    def attachment(self, index: int = -1) -> tuple[str, bytes]:
        """The file name and bytes of the one attachment of message ``index``."""
        [part] = list(self.messages()[index].iter_attachments())
        assert isinstance(part, EmailMessage)
        content = part.get_content()
        data = content.encode("utf-8") if isinstance(content, str) else content
        return part.get_filename() or "", data


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        yield Mailbox(inbox, f"smtp://127.0.0.1:{port}?from=assistant@shop.example")


def with_mail(settings: Settings, mailbox: Mailbox) -> Settings:
    """``settings`` sending email through ``mailbox``'s server."""
    return settings.model_copy(update={"smtp_url": mailbox.url})


def save_address(settings: Settings, user: str, address: str | None) -> None:
    """Give ``user`` (created if missing) a saved address, or none."""
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            row = session.scalars(select(User).where(User.name == user)).one_or_none()
            if row is None:
                row = User(name=user)
                session.add(row)
            row.email = address
    finally:
        engine.dispose()


def saved_address(settings: Settings, user: str) -> str | None:
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            return session.scalar(select(User.email).where(User.name == user))
    finally:
        engine.dispose()


def text_rows(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
