"""Delivering finished exports: by email over SMTP, or to a webhook (issue 7).

:func:`send_email` sends a :class:`Delivery` (the export, a title, the time it was made
for, a signed download link) with the file attached when small and linked otherwise;
:func:`send_webhook` POSTs :func:`webhook_payload` as signed JSON with retries. Both raise
:class:`DeliveryFailed`, whose ``transient`` says whether trying again later can help.
Receivers check webhook requests with :func:`verify_signature`.

Floor: may import only ``files``, ``errors``, ``settings`` and ``replies``; the schedules
room delivers through it.
"""

from assistant.delivery.mail import send_email
from assistant.delivery.message import DEFAULT_ATTACH_LIMIT, Delivery, build_message
from assistant.delivery.smtp_url import SmtpTarget, parse_smtp_url
from assistant.delivery.webhook import (
    WebhookResult,
    send_webhook,
    verify_signature,
    webhook_payload,
)
from assistant.errors import DeliveryFailed

__all__ = [
    "DEFAULT_ATTACH_LIMIT",
    "Delivery",
    "DeliveryFailed",
    "SmtpTarget",
    "WebhookResult",
    "build_message",
    "parse_smtp_url",
    "send_email",
    "send_webhook",
    "verify_signature",
    "webhook_payload",
]
