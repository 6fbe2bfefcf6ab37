"""Email delivery: a finished export sent over SMTP, attached when small, else linked.

This module holds the sending: one SMTP session to the server ``ASSISTANT_SMTP_URL``
names (read by :mod:`assistant.delivery.smtp_url`), carrying the message
:mod:`assistant.delivery.message` builds, and every SMTP or network failure turned into
a :class:`DeliveryFailed` that says whether trying again later can help.

When STARTTLS is asked for and the server does not offer it, nothing is sent:
credentials never go out in the clear by surprise. Error messages never contain the URL
or the password.

No outbound address check here (unlike webhooks, :mod:`assistant.delivery.outbound`): the
SMTP host comes only from the admin's ``ASSISTANT_SMTP_URL`` setting, often an internal
relay on purpose. Users name recipients, never the server; if a face ever lets a user
name an SMTP host, it must go through :func:`~assistant.delivery.outbound.resolve_checked`.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from assistant.delivery.addresses import one_line
from assistant.delivery.message import DEFAULT_ATTACH_LIMIT, Delivery, build_message
from assistant.delivery.smtp_url import SETTING, SmtpTarget, parse_smtp_url
from assistant.errors import DeliveryFailed

__all__ = ["send_email"]


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
            f"{SETTING}.",
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
                    f"which {SETTING} asks for; nothing was sent.",
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
    return f"{code} {one_line(text)[:200]}".strip()
