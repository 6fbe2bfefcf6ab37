"""The email for a finished export: subject, a plain-text body, the file attached or linked.

Building is kept apart from sending (:mod:`assistant.delivery.mail`): it needs no server,
and everything a recipient reads is decided here. The body always carries the signed
download link; the file is attached too when the whole message, as it goes over the wire,
has at most ``attach_limit`` bytes. That is the encoded size, not the file's: base64
makes 3 bytes 4 and breaks lines, so a 10 MB file is a 13.5 MB message, which a server
with a 10 MB limit refuses. A file too large for that goes as the link alone, and the
body says so with both sizes. Dates are shown in the delivery's time zone with English
day and month names, whatever the process locale.

>>> encoded_size(3 * 2**20) > 4 * 2**20, encoded_size(0)
(True, 0)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.delivery.addresses import addresses, default_sender, one_line
from assistant.errors import DeliveryFailed, InvalidInput
from assistant.files import media_type_for
from assistant.replies import ExportInfo

__all__ = [
    "DEFAULT_ATTACH_LIMIT",
    "Delivery",
    "build_message",
    "encoded_size",
    "human_size",
    "zone",
]

#: The largest message (bytes, encoded, headers and body included) sent with the file
#: attached; a larger one goes with the link only. 10 MB: Exchange's default, below Gmail's.
DEFAULT_ATTACH_LIMIT = 10 * 2**20

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Delivery:
    """What a message is about: a finished export, named and dated for people.

    ``title`` is what the export is ("Orders from today", a schedule's name); ``when`` the
    (aware) time it was made for, shown in ``timezone``; ``link`` a signed download link
    (:func:`assistant.files.links.download_url`), which works for ``link_hours`` (said in
    the body when known).
    """

    export: ExportInfo
    title: str
    when: dt.datetime
    timezone: str
    link: str
    link_hours: float | None = None

    def __post_init__(self) -> None:
        if self.when.tzinfo is None or self.when.utcoffset() is None:
            raise ValueError("Delivery.when must be timezone-aware")
        zone(self.timezone)  # fail here, not halfway through sending


def zone(name: str) -> ZoneInfo:
    """The time zone ``name``, or :class:`InvalidInput` saying it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{name!r} is not a time zone; use a name like Europe/Berlin or UTC."
        ) from None


def build_message(
    delivery: Delivery,
    to: str,
    *,
    attach_limit: int = DEFAULT_ATTACH_LIMIT,
    sender: str | None = None,
) -> EmailMessage:
    """The email for ``delivery`` to ``to`` (one address or a comma-separated list).

    The file is attached when the whole message would have at most ``attach_limit``
    bytes as sent; the body always has the link, and says so when the file was too large
    to attach.
    """
    recipients = addresses(to, "recipient address")
    (sender_name, sender_address), *more = addresses(sender or default_sender(), "sender")
    if more:
        raise InvalidInput("An email has one sender address.")
    file_name = one_line(delivery.export.file_name or Path(delivery.export.path or "export").name)
    size = _size(delivery.export)
    # The estimate spares reading a file that cannot fit; the built message has the last word.
    fits = size is not None and encoded_size(size) <= attach_limit
    attachment = _read(delivery.export, size) if fits and size is not None else None
    headers = (recipients, sender_name, sender_address)
    if attachment is not None:
        message = _message(delivery, headers, file_name, len(attachment), None, attachment)
        sent = len(message.as_bytes(policy=SMTP))  # CRLF line ends, as on the wire
        if sent <= attach_limit:
            return message
        too_large = (len(attachment), sent, attach_limit)
    elif size is not None and not fits:
        too_large = (size, encoded_size(size), attach_limit)
    else:
        too_large = None
    return _message(delivery, headers, file_name, size, too_large, None)


def encoded_size(size: int) -> int:
    """About the bytes a ``size``-byte attachment takes in a message: base64 (4 for
    every 3) in lines of 76 characters and a line break; headers not counted."""
    chars = 4 * math.ceil(size / 3)
    return chars + 2 * math.ceil(chars / 76)


_Headers = tuple[list[tuple[str, str]], str, str]


def _message(
    delivery: Delivery,
    headers: _Headers,
    file_name: str,
    size: int | None,
    too_large: tuple[int, int, int] | None,
    attachment: bytes | None,
) -> EmailMessage:
    """The message itself: ``attachment`` attached, or ``too_large`` (the file's size,
    the message's with it, the limit) said beside the link."""
    recipients, sender_name, sender_address = headers
    export = delivery.export
    title = one_line(delivery.title)[:200] or "Your export"
    when = _format_when(delivery.when.astimezone(zone(delivery.timezone)))
    rows = _rows(export.rows)

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
    valid = _valid(delivery.link_hours)
    if attachment is not None:
        lines += [f"The file is attached. You can also download it here{valid}:", delivery.link]
    elif too_large is not None:
        raw, sent, limit = too_large
        lines += [
            f"The file is {human_size(raw)} ({human_size(sent)} as an attachment), over the "
            f"{human_size(limit)} limit for attachments; download it here{valid}:",
            delivery.link,
        ]
    else:
        lines += [f"Download the file here{valid}:", delivery.link]
    lines += [
        "",
        "The link works without signing in" + (", for a limited time." if not valid else "."),
    ]
    message.set_content("\n".join(lines) + "\n")

    if attachment is not None:
        media_type, *parameters = (part.strip() for part in media_type_for(file_name).split(";"))
        maintype, _, subtype = media_type.partition("/")
        params = {key: value for key, _, value in (p.partition("=") for p in parameters)}
        message.add_attachment(
            attachment, maintype=maintype, subtype=subtype, filename=file_name, params=params
        )
    return message


def _valid(hours: float | None) -> str:
    """ " (valid 24 hours)", or nothing when the link's lifetime is not known."""
    if hours is None:
        return ""
    shown = f"{hours:g}"
    return f" (valid {shown} hour{'' if shown == '1' else 's'})"


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
