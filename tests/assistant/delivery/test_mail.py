"""Email delivery against a real SMTP server (aiosmtpd) on 127.0.0.1.

``cryptography`` is not in the environment, so the TLS tests make their self-signed
certificate with the ``openssl`` command (skipped without it); STARTTLS ordering is also
checked against a stand-in for ``smtplib.SMTP``, which needs nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import hashlib
import io
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pyarrow as pa
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi.testclient import TestClient

import exporters
from assistant.api import create_app
from assistant.delivery import (
    Delivery,
    DeliveryFailed,
    build_message,
    parse_smtp_url,
    send_email,
)
from assistant.delivery import mail as mail_module
from assistant.errors import InvalidInput
from assistant.replies import ExportInfo
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.store import create_store_engine, create_user_with_key, migrate, session_factory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINK = "https://assistant.example/d/TOKEN.abc"
# 08:00 UTC on Monday 16 Nov 2026 is 09:00 in Berlin (CET).
WHEN = dt.datetime(2026, 11, 16, 8, 0, tzinfo=dt.UTC)
USER, PASSWORD = "ann@corp.example", "p@ss/w#rd?1 %"  # every character a URL would split on
ROWS = [(1, "Ada", 12.5), (2, "Linus", 7.0), (3, "Grace", 30.25)]


# --- a real SMTP server ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Inbox:
    """An aiosmtpd handler keeping what it receives; ``rcpt_reply`` refuses recipients."""

    rcpt_reply: str | None = None

    def __post_init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.sessions: list[Session] = []
        self.tls: list[bool] = []  # whether each message came over TLS

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        self.sessions.append(session)
        transport = server.transport
        self.tls.append(
            transport is not None and transport.get_extra_info("ssl_object") is not None
        )
        return "250 Message accepted"

    def message(self) -> EmailMessage:
        assert len(self.envelopes) == 1, self.envelopes
        content = self.envelopes[0].content
        assert isinstance(content, bytes)
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@contextlib.contextmanager
def smtp_server(inbox: Inbox, **options: Any) -> Iterator[int]:
    """aiosmtpd on 127.0.0.1 at a free port, for the ``with`` block; yields the port."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and data == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=good, handled=False)  # handled=False: aiosmtpd answers 535


def credentials() -> str:
    return f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"


# --- exports --------------------------------------------------------------------------


def file_export(path: Path, fmt: str, rows: int) -> ExportInfo:
    data = path.read_bytes()
    return ExportInfo(
        id="exp_1", format=fmt, status="done", rows=rows, bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), path=str(path), file_name=path.name,
    )  # fmt: skip


@pytest.fixture
def xlsx(tmp_path: Path) -> ExportInfo:
    table = pa.table(
        {
            "id": [r[0] for r in ROWS],
            "customer": [r[1] for r in ROWS],
            "amount": [r[2] for r in ROWS],
        }
    )
    path = tmp_path / "orders.xlsx"
    exporters.export(table, path, "xlsx")
    return file_export(path, "xlsx", len(ROWS))


def delivery(export: ExportInfo, **changes: Any) -> Delivery:
    fields: dict[str, Any] = {
        "export": export,
        "title": "Orders from today",
        "when": WHEN,
        "timezone": "Europe/Berlin",
        "link": LINK,
    }
    return Delivery(**(fields | changes))


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text


# --- sending --------------------------------------------------------------------------


def test_a_small_xlsx_arrives_attached_and_opens(xlsx: ExportInfo) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        url = f"smtp://127.0.0.1:{port}?from=reports@corp.example"
        send_email(delivery(xlsx), "Ann <ann@corp.example>", url)

    envelope = inbox.envelopes[0]
    assert envelope.mail_from == "reports@corp.example"
    assert envelope.rcpt_tos == ["ann@corp.example"]
    message = inbox.message()
    assert message["Subject"] == "Orders from today — 3 rows (Mon 16 Nov 2026, 09:00 CET)"
    assert message["From"] == "reports@corp.example"
    assert message["To"] == "Ann <ann@corp.example>"
    assert message["Message-ID"].endswith("@corp.example>")
    assert message["Date"].datetime.tzinfo is not None
    body = body_of(message)
    for expected in ("Mon 16 Nov 2026, 09:00 CET (Europe/Berlin)", "Rows:     3", "XLSX",
                     xlsx.sha256, LINK, "The file is attached"):  # fmt: skip
        assert expected in body

    [attachment] = message.iter_attachments()
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_content_type() == XLSX
    assert attachment.get_filename() == "orders.xlsx"
    data = attachment.get_content()
    assert hashlib.sha256(data).hexdigest() == xlsx.sha256
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows == [("id", "customer", "amount"), *ROWS]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The real HTTP API over a demo source: a client and an API key's headers."""
    source = build_demo(tmp_path / "demo.db", 400, today=dt.date(2026, 11, 18))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        source_url=f"sqlite:///{source}",
        storage_dir=tmp_path / "files",
        secret_key="test-secret",
    )
    migrate(settings.database_url)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            key = create_user_with_key(session, "ana")[1]
    finally:
        engine.dispose()
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client, {"Authorization": f"Bearer {key}"}


def test_a_large_export_arrives_as_a_link_that_downloads(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, auth = api
    made = client.post("/api/exports", json={"sql": "SELECT * FROM orders", "format": "csv"},
                       headers=auth).json()  # fmt: skip
    assert made["status"] == "done" and made["bytes"] > 1024
    export = ExportInfo(
        id=made["id"], format="csv", status="done", rows=made["rows_total"], bytes=made["bytes"],
        sha256=made["sha256"], path=None, file_name=made["file_name"],
    )  # fmt: skip
    inbox = Inbox()
    with smtp_server(inbox) as port:
        send_email(
            delivery(export, link=made["download_url"], title="All orders"),
            "ann@corp.example",
            f"smtp://127.0.0.1:{port}",
            attach_limit=1024,
        )

    message = inbox.message()
    assert message["Subject"] == "All orders — 400 rows (Mon 16 Nov 2026, 09:00 CET)"
    assert list(message.iter_attachments()) == []
    body = body_of(message)
    assert "as an attachment), over the 1.0 KB limit for attachments; download it here:" in body
    [link] = re.findall(r"https?://\S+", body)
    downloaded = client.get(link)  # no API key: the signed link is enough
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).hexdigest() == made["sha256"]
    assert downloaded.content.startswith(b"id,")


def test_auth_over_plain_smtp(xlsx: ExportInfo) -> None:
    inbox = Inbox()
    with smtp_server(inbox, authenticator=authenticator, auth_require_tls=False) as port:
        send_email(delivery(xlsx), "ann@corp.example", f"smtp://{credentials()}@127.0.0.1:{port}")
        with pytest.raises(DeliveryFailed) as failed:
            send_email(delivery(xlsx), "ann@corp.example", f"smtp://ann:wrong@127.0.0.1:{port}")
    assert len(inbox.envelopes) == 1 and inbox.sessions[0].authenticated and inbox.tls == [False]
    assert failed.value.transient is False and failed.value.code == "delivery_failed"
    assert "refused the login for ann" in failed.value.message and "535" in failed.value.message
    assert "wrong" not in failed.value.message


def test_login_the_server_only_offers_over_tls_fails_permanently(xlsx: ExportInfo) -> None:
    inbox = Inbox()
    # aiosmtpd offers AUTH only over TLS unless told otherwise.
    with (
        smtp_server(inbox, authenticator=authenticator) as port,
        pytest.raises(DeliveryFailed) as failed,
    ):
        send_email(delivery(xlsx), "a@corp.example", f"smtp://{credentials()}@127.0.0.1:{port}")
    assert failed.value.transient is False and "smtp+starttls://" in failed.value.message
    assert inbox.envelopes == []


def test_starttls_required_but_not_offered_sends_nothing(xlsx: ExportInfo) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port, pytest.raises(DeliveryFailed) as failed:
        send_email(delivery(xlsx), "a@corp.example", f"smtp+starttls://127.0.0.1:{port}")
    assert failed.value.transient is False and "does not offer STARTTLS" in failed.value.message
    assert inbox.envelopes == []


def test_connection_refused_is_transient(xlsx: ExportInfo) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        send_email(delivery(xlsx), "a@corp.example", f"smtp://127.0.0.1:{free_port()}", timeout=5)
    assert failed.value.transient is True
    assert "Could not reach the mail server 127.0.0.1" in failed.value.message


@pytest.mark.parametrize(
    ("reply", "transient"),
    [("550 5.1.1 No such user", False), ("451 4.3.0 Try again later", True)],
)
def test_refused_recipients_are_classified_by_reply_code(
    xlsx: ExportInfo, reply: str, transient: bool
) -> None:
    inbox = Inbox(rcpt_reply=reply)
    with smtp_server(inbox) as port, pytest.raises(DeliveryFailed) as failed:
        send_email(delivery(xlsx), "nobody@corp.example", f"smtp://127.0.0.1:{port}")
    assert failed.value.transient is transient
    assert "nobody@corp.example" in failed.value.message and reply[:3] in failed.value.message


# --- TLS with a self-signed certificate (made with the openssl command) ---------------


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext  # trusts only the test certificate


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate, and no cryptography")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return Tls(server=server, client=ssl.create_default_context(cafile=str(cert)))


def test_starttls_then_auth_on_a_real_server(xlsx: ExportInfo, tls: Tls) -> None:
    inbox = Inbox()
    options = {"tls_context": tls.server, "require_starttls": True, "authenticator": authenticator}
    with smtp_server(inbox, **options) as port:
        url = f"smtp://{credentials()}@127.0.0.1:{port}?starttls=true"
        send_email(delivery(xlsx), "ann@corp.example", url, ssl_context=tls.client)
    assert inbox.tls == [True] and inbox.sessions[0].authenticated
    assert next(inbox.message().iter_attachments()).get_filename() == "orders.xlsx"


def test_implicit_tls_smtps(xlsx: ExportInfo, tls: Tls) -> None:
    inbox = Inbox()
    # aiosmtpd only counts STARTTLS as TLS for auth_require_tls; this connection is TLS throughout.
    options = {"ssl_context": tls.server, "authenticator": authenticator, "auth_require_tls": False}
    with smtp_server(inbox, **options) as port:
        url = f"smtps://{credentials()}@127.0.0.1:{port}"
        send_email(delivery(xlsx), "ann@corp.example", url, ssl_context=tls.client)
    assert inbox.tls == [True] and inbox.sessions[0].authenticated
    assert inbox.message()["Subject"].startswith("Orders from today — 3 rows")


def test_an_untrusted_certificate_fails_permanently(xlsx: ExportInfo, tls: Tls) -> None:
    inbox = Inbox()
    with (
        smtp_server(inbox, tls_context=tls.server) as port,
        pytest.raises(DeliveryFailed) as failed,
    ):
        # The system's trust store does not know the self-signed test certificate.
        send_email(delivery(xlsx), "a@corp.example", f"smtp+starttls://127.0.0.1:{port}")
    assert failed.value.transient is False and "does not trust" in failed.value.message
    assert inbox.envelopes == []


# --- STARTTLS negotiation against a stand-in for smtplib.SMTP -------------------------


class FakeSMTP:
    """Records the calls send_email makes; offers STARTTLS when ``offer_tls``."""

    offer_tls = True
    calls: list[str]

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls = [f"connect {host}:{port} timeout={timeout:g}"]
        FakeSMTP.last = self

    last: FakeSMTP

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append("quit")

    def ehlo(self) -> None:
        self.calls.append("ehlo")

    def has_extn(self, name: str) -> bool:
        return name == "starttls" and self.offer_tls

    def starttls(self, *, context: ssl.SSLContext) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user} {password}")

    def send_message(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        self.calls.append(f"send {message['To']}")
        return {}


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    monkeypatch.setattr(mail_module.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "offer_tls", True)
    return FakeSMTP


def test_starttls_comes_before_login_and_capabilities_are_asked_again(
    xlsx: ExportInfo, fake_smtp: type[FakeSMTP]
) -> None:
    send_email(delivery(xlsx), "a@corp.example", "smtp+starttls://me:pw@mail.corp.example")
    assert fake_smtp.last.calls == [
        "connect mail.corp.example:587 timeout=30", "ehlo", "starttls", "ehlo",
        "login me pw", "send a@corp.example", "quit",
    ]  # fmt: skip


def test_plain_smtp_never_upgrades_and_starttls_refuses_to_go_plain(
    xlsx: ExportInfo, fake_smtp: type[FakeSMTP]
) -> None:
    send_email(delivery(xlsx), "a@corp.example", "smtp://me:pw@mail.corp.example")
    assert "starttls" not in fake_smtp.last.calls and "login me pw" in fake_smtp.last.calls
    fake_smtp.offer_tls = False
    with pytest.raises(DeliveryFailed) as failed:
        send_email(delivery(xlsx), "a@corp.example", "smtp://me:pw@mail.corp.example?starttls=1")
    assert failed.value.transient is False
    assert not any(call.startswith(("login", "send")) for call in fake_smtp.last.calls)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected("gone"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPSenderRefused(553, b"bad sender", "a@b"), False),
        (smtplib.SMTPDataError(452, b"mailbox full"), True),
        (smtplib.SMTPAuthenticationError(454, b"temporary failure"), True),
    ],
)
def test_failures_are_classified(
    xlsx: ExportInfo,
    fake_smtp: type[FakeSMTP],
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    transient: bool,
) -> None:
    def fail(self: FakeSMTP, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        raise error

    monkeypatch.setattr(FakeSMTP, "send_message", fail)
    with pytest.raises(DeliveryFailed) as failed:
        send_email(delivery(xlsx), "a@corp.example", "smtp://mail.corp.example")
    assert failed.value.transient is transient and "mail.corp.example:25" in failed.value.message


# --- the message itself ---------------------------------------------------------------


def test_headers_cannot_be_injected(xlsx: ExportInfo) -> None:
    message = build_message(
        delivery(xlsx, title="Orders\r\nBcc: eve@evil.example"), "ann@corp.example"
    )
    assert message["Subject"].startswith("Orders Bcc: eve@evil.example — 3 rows")
    assert message["Bcc"] is None and "\n" not in message["Subject"]
    for bad in ("ann@corp.example\r\nBcc: eve@evil.example", "ann@corp.example Bcc: e@x.y",
                "not an address", "", "a@b, "):  # fmt: skip
        with pytest.raises(InvalidInput, match="not a valid recipient address"):
            build_message(delivery(xlsx), bad)


def test_times_are_shown_in_the_delivery_zone_and_rows_counted(xlsx: ExportInfo) -> None:
    one = xlsx.model_copy(update={"rows": 1})
    late = dt.datetime(2026, 11, 16, 20, 30, tzinfo=dt.UTC)
    message = build_message(delivery(one, when=late, timezone="Asia/Tokyo"), "a@corp.example")
    assert message["Subject"] == "Orders from today — 1 row (Tue 17 Nov 2026, 05:30 JST)"
    summer = build_message(
        delivery(
            xlsx.model_copy(update={"rows": 1234}),
            when=dt.datetime(2026, 7, 6, 7, 0, tzinfo=dt.UTC),
        ),
        "a@corp.example, Bo <bo@corp.example>",
    )
    assert summer["Subject"] == "Orders from today — 1,234 rows (Mon 6 Jul 2026, 09:00 CEST)"
    assert summer["To"] == "a@corp.example, Bo <bo@corp.example>"


def test_the_limit_is_on_the_message_as_sent(xlsx: ExportInfo) -> None:
    """The file's own size fitting is not enough: base64 and the headers count too."""
    assert xlsx.bytes is not None
    raw = build_message(delivery(xlsx), "a@corp.example", attach_limit=xlsx.bytes)
    assert list(raw.iter_attachments()) == [] and "limit for attachments" in body_of(raw)
    roomy = build_message(delivery(xlsx), "a@corp.example", attach_limit=2 * xlsx.bytes + 4096)
    assert len(list(roomy.iter_attachments())) == 1
    assert len(roomy.as_bytes(policy=email.policy.SMTP)) <= 2 * xlsx.bytes + 4096


def test_a_csv_attachment_has_its_media_type(tmp_path: Path) -> None:
    path = tmp_path / "ventes été.csv"
    exporters.export(pa.table({"n": [1, 2]}), path, "csv")
    [part] = build_message(
        delivery(file_export(path, "csv", 2)), "a@corp.example"
    ).iter_attachments()
    assert part.get_content_type() == "text/csv" and part.get_param("charset") == "utf-8"
    assert part.get_filename() == "ventes été.csv"


def test_delivery_checks_its_time_and_zone(xlsx: ExportInfo) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        delivery(xlsx, when=dt.datetime(2026, 11, 16, 9, 0))
    with pytest.raises(InvalidInput, match="not a time zone"):
        delivery(xlsx, timezone="Mars/Olympus")


# --- ASSISTANT_SMTP_URL ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.internal", ("relay.internal", 25, None, None, "none")),
        ("smtp://relay.internal:2525/", ("relay.internal", 2525, None, None, "none")),
        (
            "smtp://u:p@mail.example.com?starttls=true",
            ("mail.example.com", 587, "u", "p", "starttls"),
        ),
        (
            "smtp://u:p@mail.example.com:25?starttls=1",
            ("mail.example.com", 25, "u", "p", "starttls"),
        ),
        ("SMTP+STARTTLS://u@mail.example.com", ("mail.example.com", 587, "u", None, "starttls")),
        ("smtps://u:@mail.example.com", ("mail.example.com", 465, "u", "", "ssl")),
        ("smtp://[::1]:2525", ("::1", 2525, None, None, "none")),
        (
            f"smtps://{credentials()}@mail.example.com",
            ("mail.example.com", 465, USER, PASSWORD, "ssl"),
        ),
    ],
)
def test_parse_smtp_url(url: str, expected: tuple[object, ...]) -> None:
    target = parse_smtp_url(url)
    assert (target.host, target.port, target.username, target.password, target.security) == expected
    assert target.sender.startswith("assistant@")
    assert "password" not in repr(target)  # kept out of logs


def test_parse_smtp_url_sender() -> None:
    assert parse_smtp_url("smtp://h?from=reports%40corp.example").sender == "reports@corp.example"
    named = parse_smtp_url("smtp://h?from=Reports+<reports@corp.example>")
    assert named.sender == "Reports <reports@corp.example>"


SECRET = "hunter2-Z"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://u:hunter2-Z@mail.example.com", "must start with smtp://"),
        (f"smtp://u:{SECRET}@", "names no host"),
        (f"smtp://u:{SECRET}@mail.example.com:abc", "invalid port"),
        (f"smtp://u:{SECRET}@mail.example.com:0", "invalid port"),
        (f"smtp://u:{SECRET}@mail.example.com:70000", "invalid port"),
        ("smtp://u:hunter2/Z@mail.example.com", "invalid port"),  # an unencoded "/" splits it
        ("smtp://u:hunter2#Z@mail.example.com", "invalid port"),
        (f"smtp://u:{SECRET}@mail.example.com/inbox", "something after the host"),
        (f"smtp://u:{SECRET}@mail.example.com?startls=1", "unknown option 'startls'"),
        (f"smtp://u:{SECRET}@mail.example.com?starttls=maybe", "starttls must be true or false"),
        (f"smtps://u:{SECRET}@mail.example.com?starttls=1", "TLS from the start"),
        (f"smtp+starttls://u:{SECRET}@mail.example.com?starttls=0", "always uses TLS"),
        (f"smtp://:{SECRET}@mail.example.com", "password but no user name"),
        (f"smtp://u:{SECRET}%C3%A9@mail.example.com", "must be ASCII"),
        (f"smtp://u:{SECRET}@mail.example.com?from=nobody", "not a valid sender"),
        (f"smtp://u:{SECRET}@mail.example.com?from=a@b.c&from=d@e.f", "gives 'from' twice"),
        (f"smtp://u:{SECRET}@[::1", "not a valid URL"),
    ],
)
def test_parse_smtp_url_refuses_bad_urls_without_showing_the_password(url: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(says)) as refused:
        parse_smtp_url(url)
    assert "hunter2" not in str(refused.value) and "ASSISTANT_SMTP_URL" in str(refused.value)
    # No chained exception either: urllib's own messages can quote the password.
    assert refused.value.__cause__ is None and refused.value.__context__ is None
