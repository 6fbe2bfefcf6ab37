"""Email delivery: a finished export sent over SMTP, attached when small, else linked.

The server is ``ASSISTANT_SMTP_URL``:

=========================================  ===========================================
``smtp://relay.internal:25``               plain SMTP, no TLS (default port 25)
``smtp://user:pass@host:587?starttls=1``   STARTTLS, required (default port 587)
``smtp+starttls://user:pass@host``         the same
``smtps://user:pass@host``                 implicit TLS (default port 465)
``...?from=reports@example.com``           the sender (default ``assistant@<hostname>``)
=========================================  ===========================================

User and password are percent-decoded, so a password with ``@``, ``/``, ``#`` or ``?``
is written ``%40``, ``%2F``, ``%23``, ``%3F``. When STARTTLS is asked for and the server
does not offer it, nothing is sent: credentials never go out in the clear by surprise.
Plain ``smtp://`` with a user logs in without TLS; use it only towards a trusted relay.
Error messages never contain the URL or the password.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.errors import DeliveryFailed, InvalidInput
from assistant.files.names import media_type_for
from assistant.replies import ExportInfo

__all__ = [
    "DEFAULT_ATTACH_LIMIT",
    "Delivery",
    "SmtpTarget",
    "build_message",
    "default_sender",
    "parse_smtp_url",
    "send_email",
]

#: Files up to this size (bytes) are attached; larger ones are sent as a link only.
DEFAULT_ATTACH_LIMIT = 10 * 2**20

Security = Literal["starttls", "ssl", "none"]

# scheme -> (security, default port)
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("ssl", 465),
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_SETTING = "ASSISTANT_SMTP_URL"
# Control characters, and the Unicode line breaks str.splitlines() also splits on.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
# Deliberately strict and simple: "addr" or "Name <addr>", one "@", and nothing in the
# address that could end it, start a group ("Bcc: x@y" stays one invalid recipient) or
# split the header.
_ADDR = r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+"
_RECIPIENT = re.compile(rf"(?P<name>[^<>,;:]*?)\s*<(?P<addr>{_ADDR})>|(?P<bare>{_ADDR})")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Delivery:
    """What a message is about: a finished export, named and dated for people.

    ``title`` is what the export is ("Orders from today", a schedule's name); ``when`` the
    (aware) time it was made for, shown in ``timezone``; ``link`` a signed download link
    (:meth:`assistant.process.Assistant.download_url`).
    """

    export: ExportInfo
    title: str
    when: dt.datetime
    timezone: str
    link: str

    def __post_init__(self) -> None:
        if self.when.tzinfo is None or self.when.utcoffset() is None:
            raise ValueError("Delivery.when must be timezone-aware")
        zone(self.timezone)  # fail here, not halfway through sending


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send mail, parsed from ``ASSISTANT_SMTP_URL``."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)  # kept out of reprs and logs
    security: Security
    sender: str


def zone(name: str) -> ZoneInfo:
    """The time zone ``name``, or :class:`InvalidInput` saying it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{name!r} is not a time zone; use a name like Europe/Berlin or UTC."
        ) from None


def default_sender() -> str:
    """``assistant@<this machine's host name>``."""
    return f"assistant@{socket.gethostname() or 'localhost'}"


def parse_smtp_url(url: str) -> SmtpTarget:
    """The server, credentials, TLS mode and sender an SMTP URL names.

    >>> target = parse_smtp_url("smtp+starttls://me%40corp.com:p%2Fss@mail.corp.com?from=r@corp.com")
    >>> target.host, target.port, target.username, target.password, target.security, target.sender
    ('mail.corp.com', 587, 'me@corp.com', 'p/ss', 'starttls', 'r@corp.com')
    >>> parse_smtp_url("smtp://relay:2525").security
    'none'
    >>> parse_smtp_url("smtp://u:secret@relay:99999")
    Traceback (most recent call last):
    ...
    assistant.errors.InvalidInput: ASSISTANT_SMTP_URL has an invalid port: use a number from 1 \
to 65535 (percent-encode any "/", "#", "?" or "@" in the user or password).
    """
    # Foreign error texts are never passed on: they can quote parts of the password.
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        parts = None
    if parts is None:
        raise InvalidInput(f"{_SETTING} is not a valid URL (smtp://user:password@host:port).")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidInput(
            f"{_SETTING} has an invalid port: use a number from 1 to 65535 (percent-encode "
            'any "/", "#", "?" or "@" in the user or password).'
        )
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise InvalidInput(
            f"{_SETTING} must start with smtp://, smtp+starttls:// or smtps://, "
            "for example smtp+starttls://user:password@mail.example.com:587."
        )
    if parts.path not in ("", "/") or parts.fragment:
        raise InvalidInput(
            f"{_SETTING} has something after the host and port; percent-encode any "
            '"/", "#" or "?" in the user or password (%2F, %23, %3F).'
        )
    if not parts.hostname:
        raise InvalidInput(f"{_SETTING} names no host, as in smtp://mail.example.com:587.")
    security, default_port = _SCHEMES[scheme]
    options = _options(parts.query)
    starttls = options.get("starttls")
    if starttls is not None:
        if starttls.lower() not in _TRUE | _FALSE:
            raise InvalidInput(f"{_SETTING}: starttls must be true or false.")
        wanted = starttls.lower() in _TRUE
        if wanted and security == "ssl":
            raise InvalidInput(
                f"{_SETTING}: smtps:// is TLS from the start; drop ?starttls, "
                "or use smtp+starttls:// for STARTTLS."
            )
        if not wanted and security != "none":
            raise InvalidInput(f"{_SETTING}: {scheme}:// always uses TLS; drop ?starttls=false.")
        if wanted:
            security, default_port = "starttls", 587
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        raise InvalidInput(f"{_SETTING} has a password but no user name.")
    if not ((username or "").isascii() and (password or "").isascii()):
        # smtplib sends credentials as ASCII only; say so now rather than crash mid-login.
        raise InvalidInput(f"{_SETTING}: the user name and password must be ASCII for SMTP.")
    sender = options.get("from") or default_sender()
    if len(_addresses(sender, f"sender address ({_SETTING}: ?from=)")) != 1:
        raise InvalidInput(f"{_SETTING}: ?from= must be one address.")
    return SmtpTarget(
        host=parts.hostname,
        port=port or default_port,
        username=username,
        password=password,
        security=security,
        sender=_one_line(sender),
    )


def _options(query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in ("from", "starttls"):
            raise InvalidInput(f"{_SETTING} has an unknown option {key!r}; known: from, starttls.")
        if key in options:
            raise InvalidInput(f"{_SETTING} gives {key!r} twice.")
        options[key] = value
    return options


def _one_line(text: str) -> str:
    """``text`` safe for a header: control characters and line breaks become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _addresses(text: str, what: str) -> list[tuple[str, str]]:
    """``(name, address)`` pairs from a comma-separated list, or :class:`InvalidInput`.

    >>> _addresses("ann@example.com, Bob Stone <bob@example.org>", "recipient")
    [('', 'ann@example.com'), ('Bob Stone', 'bob@example.org')]
    >>> _addresses("ann@example.com\\r\\nBcc: eve@example.net", "recipient")
    Traceback (most recent call last):
    ...
    assistant.errors.InvalidInput: 'ann@example.com Bcc: eve@example.net' is not a valid \
recipient; write it like name@example.com or Name <name@example.com>, commas between several.
    """
    cleaned = _one_line(text)
    pairs = []
    for piece in cleaned.split(","):
        match = _RECIPIENT.fullmatch(piece.strip())
        if match is None:
            raise InvalidInput(
                f"{cleaned!r} is not a valid {what}; write it like name@example.com or "
                "Name <name@example.com>, commas between several."
            )
        name = (match["name"] or "").strip().strip('"').strip()
        pairs.append((name, match["addr"] or match["bare"]))
    return pairs


def build_message(
    delivery: Delivery,
    to: str,
    *,
    attach_limit: int = DEFAULT_ATTACH_LIMIT,
    sender: str | None = None,
) -> EmailMessage:
    """The email for ``delivery`` to ``to`` (one address or a comma-separated list).

    The file is attached when it has at most ``attach_limit`` bytes; the body always has
    the link, and says so when the file was too large to attach.
    """
    recipients = _addresses(to, "recipient address")
    (sender_name, sender_address), *more = _addresses(sender or default_sender(), "sender")
    if more:
        raise InvalidInput("An email has one sender address.")
    export = delivery.export
    title = _one_line(delivery.title)[:200] or "Your export"
    when = _format_when(delivery.when.astimezone(zone(delivery.timezone)))
    rows = _rows(export.rows)
    file_name = _one_line(export.file_name or Path(export.path or "export").name)
    size = _size(export)
    attachment = _read(export, size) if size is not None and size <= attach_limit else None

    message = EmailMessage()
    message["Subject"] = f"{title} — {rows} ({when})" if rows else f"{title} ({when})"
    message["From"] = formataddr((sender_name, sender_address))
    message["To"] = ", ".join(formataddr(pair) for pair in recipients)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies

    lines = [title, "", f"When:     {when} ({delivery.timezone})"]
    lines.append(f"Rows:     {export.rows:,}" if export.rows is not None else "Rows:     unknown")
    lines.append(f"Format:   {export.format.upper()}")
    lines.append(f"File:     {file_name}" + (f", {human_size(size)}" if size is not None else ""))
    if export.sha256:
        lines.append(f"SHA-256:  {export.sha256}")
    lines.append("")
    if attachment is not None:
        lines += ["The file is attached. You can also download it here:", delivery.link]
    elif size is not None and size > attach_limit:
        lines += [
            f"The file is {human_size(size)}, too large to attach to an email "
            f"(the limit is {human_size(attach_limit)}). Download it here:",
            delivery.link,
        ]
    else:
        lines += ["Download the file here:", delivery.link]
    lines += ["", "The link works without signing in, for a limited time."]
    message.set_content("\n".join(lines) + "\n")

    if attachment is not None:
        media_type, *parameters = (part.strip() for part in media_type_for(file_name).split(";"))
        maintype, _, subtype = media_type.partition("/")
        params = {key: value for key, _, value in (p.partition("=") for p in parameters)}
        message.add_attachment(
            attachment, maintype=maintype, subtype=subtype, filename=file_name, params=params
        )
    return message


def _format_when(moment: dt.datetime) -> str:
    # English names whatever the process locale (strftime's %a/%b follow it).
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{day} {moment.day} {month} {moment.year}, {moment:%H:%M} {moment.tzname()}"


def _rows(rows: int | None) -> str | None:
    if rows is None:
        return None
    return f"{rows:,} row{'' if rows == 1 else 's'}"


def _size(export: ExportInfo) -> int | None:
    if export.bytes is not None:
        return export.bytes
    try:
        return Path(export.path).stat().st_size if export.path else None
    except OSError:
        return None


def _read(export: ExportInfo, limit: int) -> bytes | None:
    """The file's bytes, or None when it is missing or larger than ``limit`` after all."""
    if not export.path:
        return None
    try:
        with open(export.path, "rb") as file:
            data = file.read(limit + 1)  # bounded: the recorded size might be stale
    except OSError as exc:
        raise DeliveryFailed(
            f"The export file {Path(export.path).name} could not be read to attach it "
            f"({exc.strerror or exc}).",
            transient=False,
        ) from exc
    return data if len(data) <= limit else None


def human_size(size: int) -> str:
    """A byte count as people read it.

    >>> human_size(512), human_size(12_345), human_size(25 * 2**20), human_size(3 * 2**40)
    ('512 bytes', '12.1 KB', '25.0 MB', '3072.0 GB')
    """
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


def send_email(
    delivery: Delivery,
    to: str,
    smtp_url: str,
    *,
    attach_limit: int = DEFAULT_ATTACH_LIMIT,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Send ``delivery`` to ``to`` through the server ``smtp_url`` names.

    Raises :class:`DeliveryFailed` (``transient`` says whether retrying can help) on any
    SMTP or network error, :class:`InvalidInput` for a bad URL or address. ``ssl_context``
    defaults to the system's trusted certificates with host name checking.
    """
    target = parse_smtp_url(smtp_url)
    message = build_message(delivery, to, attach_limit=attach_limit, sender=target.sender)
    context = ssl_context or ssl.create_default_context()
    where = f"{target.host}:{target.port}"
    try:
        refused = _send(target, message, context, timeout)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryFailed(
            f"The mail server {where} refused every recipient: "
            + "; ".join(f"{a} ({_reply(c, m)})" for a, (c, m) in exc.recipients.items()),
            transient=all(400 <= code < 500 for code in codes),
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(
            f"The mail server {where} refused the login for {target.username or 'no user'} "
            f"({_reply(exc.smtp_code, exc.smtp_error)}). Check the user and password in "
            f"{_SETTING}.",
            transient=400 <= exc.smtp_code < 500,  # 454: a temporary authentication failure
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(
            f"The mail server {where} answered {_reply(exc.smtp_code, exc.smtp_error)}.",
            transient=not 500 <= exc.smtp_code < 600,
        ) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise DeliveryFailed(
            f"The mail server {where} closed the connection before the email was sent.",
            transient=True,
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryFailed(
            f"The mail server {where} does not support what the email needs ({exc}). If it "
            "asks for a login only over TLS, use smtp+starttls:// or smtps://.",
            transient=False,
        ) from exc
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(
            f"Sending the email through {where} failed: {exc}", transient=False
        ) from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryFailed(
            f"The mail server {where} has a TLS certificate this machine does not trust "
            f"({exc.verify_message}).",
            transient=False,
        ) from exc
    except OSError as exc:  # refused, unreachable, timed out, TLS handshake failures
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise DeliveryFailed(
            f"Could not reach the mail server {where}: {reason}.", transient=True
        ) from exc
    if refused:
        raise DeliveryFailed(
            "The email was sent, but the mail server refused "
            + "; ".join(f"{a} ({_reply(c, m)})" for a, (c, m) in refused.items()),
            transient=False,  # sending again would repeat it for everyone else
        )


def _send(
    target: SmtpTarget, message: EmailMessage, context: ssl.SSLContext, timeout: float
) -> dict[str, tuple[int, bytes]]:
    """One SMTP session; returns the recipients the server refused (if some were taken)."""
    client: smtplib.SMTP
    if target.security == "ssl":
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        client.ehlo()
        if target.security == "starttls":
            if not client.has_extn("starttls"):
                raise DeliveryFailed(
                    f"The mail server {target.host}:{target.port} does not offer STARTTLS, "
                    f"which {_SETTING} asks for; nothing was sent.",
                    transient=False,
                )
            client.starttls(context=context)
            client.ehlo()  # the capabilities may differ once encrypted (AUTH often appears)
        if target.username is not None:
            client.login(target.username, target.password or "")
        return client.send_message(message)


def _reply(code: int, text: bytes | str) -> str:
    """An SMTP reply for messages: code and (shortened) text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {_one_line(text)[:200]}".strip()
