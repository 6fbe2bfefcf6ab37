"""The email for a finished export: subject, a plain-text body, the file attached or linked.

Building is kept apart from sending (:mod:`assistant.delivery.mail`): it needs no server,
and everything a recipient reads is decided here. The body always carries the signed
download link; the file is attached too when it has at most ``attach_limit`` bytes, and
the body says so when it was too large. Dates are shown in the delivery's time zone with
English day and month names, whatever the process locale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.delivery.addresses import addresses, default_sender, one_line
from assistant.errors import DeliveryFailed, InvalidInput
from assistant.files import media_type_for
from assistant.replies import ExportInfo

__all__ = ["DEFAULT_ATTACH_LIMIT", "Delivery", "build_message", "human_size", "zone"]

#: Files up to this size (bytes) are attached; larger ones are sent as a link only.
DEFAULT_ATTACH_LIMIT = 10 * 2**20

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Delivery:
    """What a message is about: a finished export, named and dated for people.

    ``title`` is what the export is ("Orders from today", a schedule's name); ``when`` the
    (aware) time it was made for, shown in ``timezone``; ``link`` a signed download link
    (:meth:`assistant.service.Assistant.download_url`).
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

    The file is attached when it has at most ``attach_limit`` bytes; the body always has
    the link, and says so when the file was too large to attach.
    """
    recipients = addresses(to, "recipient address")
    (sender_name, sender_address), *more = addresses(sender or default_sender(), "sender")
    if more:
        raise InvalidInput("An email has one sender address.")
    export = delivery.export
    title = one_line(delivery.title)[:200] or "Your export"
    when = _format_when(delivery.when.astimezone(zone(delivery.timezone)))
    rows = _rows(export.rows)
    file_name = one_line(export.file_name or Path(export.path or "export").name)
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
