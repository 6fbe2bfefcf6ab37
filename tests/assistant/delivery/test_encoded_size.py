"""The attachment limit is the message's size as sent (base64 and MIME included), not the
file's (issue 19): a file just under 10 MiB is a 13.7 MB message, sent as a link."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from email.policy import SMTP
from pathlib import Path

from assistant.delivery import DEFAULT_ATTACH_LIMIT, Delivery, build_message, send_email
from assistant.delivery.message import encoded_size
from assistant.replies import ExportInfo
from tests.assistant.delivery.test_mail import Inbox, body_of, smtp_server

LINK = "https://assistant.example/d/TOKEN.abc"
WHEN = dt.datetime(2026, 11, 16, 8, 0, tzinfo=dt.UTC)


def _export(path: Path, size: int) -> ExportInfo:
    data = os.urandom(size)  # random: no compression anywhere could hide the size
    path.write_bytes(data)
    return ExportInfo(id="exp_1", format="parquet", status="done", rows=1000, bytes=size,
                      sha256=hashlib.sha256(data).hexdigest(), path=str(path),
                      file_name=path.name)  # fmt: skip


def _delivery(export: ExportInfo) -> Delivery:
    return Delivery(export=export, title="Orders", when=WHEN, timezone="UTC", link=LINK,
                    link_hours=24)  # fmt: skip


def test_a_file_under_the_limit_whose_message_is_over_arrives_as_a_link(tmp_path: Path) -> None:
    raw = DEFAULT_ATTACH_LIMIT - 4096  # under 10 MiB as a file, about 13.7 MB as a message
    export = _export(tmp_path / "orders.parquet", raw)
    inbox = Inbox()
    with smtp_server(inbox, data_size_limit=64 * 2**20) as port:
        send_email(_delivery(export), "ann@corp.example", f"smtp://127.0.0.1:{port}")
    message = inbox.message()
    assert list(message.iter_attachments()) == []
    body = body_of(message)
    assert (
        "The file is 10.0 MB (13.7 MB as an attachment), over the 10.0 MB limit for "
        "attachments; download it here (valid 24 hours):"
    ) in body
    assert re.findall(r"https?://\S+", body) == [LINK]
    content = inbox.envelopes[0].content
    assert isinstance(content, bytes) and len(content) < 10_000  # the link, not the file


def test_an_attached_message_is_never_over_the_limit(tmp_path: Path) -> None:
    export = _export(tmp_path / "orders.parquet", 30_000)
    limit = encoded_size(30_000) + 2_000  # room for the file and the headers, just about
    attached = build_message(_delivery(export), "a@corp.example", attach_limit=limit)
    if list(attached.iter_attachments()):
        assert len(attached.as_bytes(policy=SMTP)) <= limit
    tight = build_message(_delivery(export), "a@corp.example", attach_limit=30_000 + 2_000)
    assert list(tight.iter_attachments()) == []  # the raw size fits, the encoded does not
    assert "over the 31.2 KB limit for attachments" in body_of(tight)


def test_the_estimate_is_close_to_what_is_sent(tmp_path: Path) -> None:
    export = _export(tmp_path / "orders.parquet", 300_000)
    message = build_message(_delivery(export), "a@corp.example")
    assert len(list(message.iter_attachments())) == 1
    sent = len(message.as_bytes(policy=SMTP))
    assert encoded_size(300_000) < sent < encoded_size(300_000) + 4_000
