"""The scheduler's delivery step: a finished export to its schedule's destination.

Email goes through ``ASSISTANT_SMTP_URL`` with the file attached when small, else a
signed link; a webhook gets the export object and the link, signed with the schedule's
secret (:mod:`assistant.delivery`). A failure raises, and the scheduler retries the run.

A webhook goes only to a public address, or a private one ``ASSISTANT_OUTBOUND_ALLOW_HOSTS``
names: :func:`check_destination` refuses others when a schedule is stored or redirected,
and each delivery checks again, since what a name resolves to can change.
"""

from __future__ import annotations

import datetime as dt

from assistant.delivery import (
    DEFAULT_ATTACH_LIMIT,
    Delivery,
    DeliveryFailed,
    OutboundPolicy,
    check_outbound_url,
    send_email,
    send_webhook,
    webhook_payload,
)
from assistant.replies import ExportInfo
from assistant.schedules.models import (
    Destination,
    EmailDestination,
    ScheduleInfo,
    WebhookDestination,
)
from assistant.settings import Settings

__all__ = ["Deliverer", "check_destination", "outbound_policy"]


def outbound_policy(settings: Settings) -> OutboundPolicy:
    """The private hosts and networks webhooks may reach (none unless the admin says)."""
    return OutboundPolicy.from_entries(settings.outbound_allow_hosts)


def check_destination(settings: Settings, destination: Destination) -> None:
    """Refuse a webhook URL that leads to a private address (:class:`InvalidInput`, 400).

    Email needs no such check: the SMTP server is the admin's ``ASSISTANT_SMTP_URL``, and
    a user names only the recipient, whom that server delivers to.
    """
    if isinstance(destination, WebhookDestination):
        check_outbound_url(destination.url, outbound_policy(settings))


class Deliverer:
    """Sends exports where schedules say, with the app's settings."""

    def __init__(self, settings: Settings, *, attach_limit: int = DEFAULT_ATTACH_LIMIT) -> None:
        self.settings = settings
        self.attach_limit = attach_limit  # larger files go as a link
        self.policy = outbound_policy(settings)

    def __call__(
        self, schedule: ScheduleInfo, export: ExportInfo, link: str, due_at: dt.datetime
    ) -> None:
        destination = schedule.destination
        if isinstance(destination, EmailDestination):
            if not self.settings.smtp_url:
                raise DeliveryFailed(
                    "Email is not set up: set ASSISTANT_SMTP_URL (smtp://user:pass@host:587).",
                    transient=False,
                )
            delivery = Delivery(
                export=export,
                title=schedule.name,
                when=due_at,
                timezone=schedule.timezone,
                link=link,
            )
            send_email(
                delivery, destination.to, self.settings.smtp_url, attach_limit=self.attach_limit
            )
        else:
            payload = webhook_payload(export.model_dump(mode="json", exclude={"path"}), link)
            send_webhook(destination.url, payload, destination.secret, policy=self.policy)
