"""Reading ``ASSISTANT_SMTP_URL``: which server, which credentials, which TLS, which sender.

Kept apart from sending (:mod:`assistant.delivery.mail`) because it is configuration: it
is checked without any network, and its messages must never quote the password.

=========================================  ===========================================
``smtp://relay.internal:25``               plain SMTP, no TLS (default port 25)
``smtp://user:pass@host:587?starttls=1``   STARTTLS, required (default port 587)
``smtp+starttls://user:pass@host``         the same
``smtps://user:pass@host``                 implicit TLS (default port 465)
``...?from=reports@example.com``           the sender (default ``assistant@<hostname>``)
=========================================  ===========================================

User and password are percent-decoded, so a password with ``@``, ``/``, ``#`` or ``?``
is written ``%40``, ``%2F``, ``%23``, ``%3F``. Plain ``smtp://`` with a user logs in
without TLS; use it only towards a trusted relay. Error messages never contain the URL
or the password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from assistant.delivery.addresses import addresses, default_sender, one_line
from assistant.errors import EmailNotSetUp, InvalidInput
from assistant.settings import Settings

__all__ = [
    "NOT_SET_UP",
    "SETTING",
    "Security",
    "SmtpTarget",
    "email_set_up",
    "parse_smtp_url",
    "smtp_url_of",
]

#: The setting that holds the URL, as messages name it.
SETTING = "ASSISTANT_SMTP_URL"
#: How every face begins to say there is no mail server: the chat, the API, a run's error.
NOT_SET_UP = f"E-mail is not set up on this server ({SETTING})"

Security = Literal["starttls", "ssl", "none"]

# scheme -> (security, default port)
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("ssl", 465),
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send mail, parsed from ``ASSISTANT_SMTP_URL``."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)  # kept out of reprs and logs
    security: Security
    sender: str


def email_set_up(settings: Settings) -> bool:
    """Whether this server can send email at all (``ASSISTANT_SMTP_URL`` is set)."""
    return bool(settings.smtp_url and settings.smtp_url.strip())


def smtp_url_of(settings: Settings) -> str:
    """The configured SMTP URL, or :class:`EmailNotSetUp` naming the setting to set.

    Asked before any email work starts (storing an email schedule, writing a file to
    mail), so the refusal comes at once rather than from a run that fails later.
    """
    if settings.smtp_url and email_set_up(settings):
        return settings.smtp_url
    raise EmailNotSetUp(
        f"{NOT_SET_UP}: set it to the mail server's URL "
        "(smtp+starttls://user:password@mail.example.com:587) to send files by email, "
        "or deliver to a webhook instead."
    )


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
        raise InvalidInput(f"{SETTING} is not a valid URL (smtp://user:password@host:port).")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidInput(
            f"{SETTING} has an invalid port: use a number from 1 to 65535 (percent-encode "
            'any "/", "#", "?" or "@" in the user or password).'
        )
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise InvalidInput(
            f"{SETTING} must start with smtp://, smtp+starttls:// or smtps://, "
            "for example smtp+starttls://user:password@mail.example.com:587."
        )
    if parts.path not in ("", "/") or parts.fragment:
        raise InvalidInput(
            f"{SETTING} has something after the host and port; percent-encode any "
            '"/", "#" or "?" in the user or password (%2F, %23, %3F).'
        )
    if not parts.hostname:
        raise InvalidInput(f"{SETTING} names no host, as in smtp://mail.example.com:587.")
    security, default_port = _SCHEMES[scheme]
    options = _options(parts.query)
    starttls = options.get("starttls")
    if starttls is not None:
        if starttls.lower() not in _TRUE | _FALSE:
            raise InvalidInput(f"{SETTING}: starttls must be true or false.")
        wanted = starttls.lower() in _TRUE
        if wanted and security == "ssl":
            raise InvalidInput(
                f"{SETTING}: smtps:// is TLS from the start; drop ?starttls, "
                "or use smtp+starttls:// for STARTTLS."
            )
        if not wanted and security != "none":
            raise InvalidInput(f"{SETTING}: {scheme}:// always uses TLS; drop ?starttls=false.")
        if wanted:
            security, default_port = "starttls", 587
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        raise InvalidInput(f"{SETTING} has a password but no user name.")
    if not ((username or "").isascii() and (password or "").isascii()):
        # smtplib sends credentials as ASCII only; say so now rather than crash mid-login.
        raise InvalidInput(f"{SETTING}: the user name and password must be ASCII for SMTP.")
    sender = options.get("from") or default_sender()
    if len(addresses(sender, f"sender address ({SETTING}: ?from=)")) != 1:
        raise InvalidInput(f"{SETTING}: ?from= must be one address.")
    return SmtpTarget(
        host=parts.hostname,
        port=port or default_port,
        username=username,
        password=password,
        security=security,
        sender=one_line(sender),
    )


def _options(query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in ("from", "starttls"):
            raise InvalidInput(f"{SETTING} has an unknown option {key!r}; known: from, starttls.")
        if key in options:
            raise InvalidInput(f"{SETTING} gives {key!r} twice.")
        options[key] = value
    return options
