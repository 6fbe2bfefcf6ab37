"""Delivering finished exports: by email over SMTP, or to a webhook (issue 7).

:func:`send_email` sends a :class:`Delivery` (the export, a title, the time it was made
for, a signed download link) with the file attached when small and linked otherwise;
:func:`send_webhook` POSTs :func:`webhook_payload` as signed JSON with retries. Both raise
:class:`DeliveryFailed`, whose ``transient`` says whether trying again later can help.
Receivers check webhook requests with :func:`verify_signature`. Webhooks go only to public
addresses, or private ones an :class:`OutboundPolicy` allows (:mod:`.outbound`):
:func:`check_outbound_url` refuses others when a URL is stored, and each send again.
Without ``ASSISTANT_SMTP_URL``, :func:`smtp_url_of` refuses email at once
(:class:`EmailNotSetUp`), before anything is stored or written for it.

Floor: may import only ``files``, ``errors``, ``settings`` and ``replies``; the schedules
room delivers through it.
"""

from assistant.delivery.mail import send_email
from assistant.delivery.message import DEFAULT_ATTACH_LIMIT, Delivery, build_message
from assistant.delivery.outbound import OutboundPolicy
from assistant.delivery.outbound import check_url as check_outbound_url
from assistant.delivery.smtp_url import (
    NOT_SET_UP,
    SmtpTarget,
    email_set_up,
    parse_smtp_url,
    smtp_url_of,
)
from assistant.delivery.webhook import (
    UNREACHABLE,
    WebhookResult,
    send_webhook,
    verify_signature,
    webhook_payload,
)
from assistant.errors import DeliveryFailed, EmailNotSetUp

__all__ = [
    "DEFAULT_ATTACH_LIMIT",
    "NOT_SET_UP",
    "UNREACHABLE",
    "Delivery",
    "DeliveryFailed",
    "EmailNotSetUp",
    "OutboundPolicy",
    "SmtpTarget",
    "WebhookResult",
    "build_message",
    "check_outbound_url",
    "email_set_up",
    "parse_smtp_url",
    "send_email",
    "send_webhook",
    "smtp_url_of",
    "verify_signature",
    "webhook_payload",
]
