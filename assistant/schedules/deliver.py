"""The scheduler's delivery step: a finished export to its schedule's destination.

Email goes through ``ASSISTANT_SMTP_URL`` with the file attached when the message fits
``ASSISTANT_MAIL_ATTACH_MAX_BYTES`` (encoded), else a signed link; a webhook gets the
export object and the link, signed with the schedule's secret (:mod:`assistant.delivery`).
A failure raises, and the scheduler retries the run.

Without ``ASSISTANT_SMTP_URL`` an email schedule is refused when it is stored or
redirected (:class:`~assistant.errors.EmailNotSetUp`, 422), not saved paused: a paused
schedule would look kept while nothing could ever resume it but the admin, and the person
asking can act on a refusal now (a download, a webhook). A schedule stored while email
worked still fails at its run, with the same words.

A webhook goes only to a public address, or a private one ``ASSISTANT_OUTBOUND_ALLOW_HOSTS``
names: :func:`check_destination` refuses others when a schedule is stored or redirected,
and each delivery checks again, since what a name resolves to can change.
"""

from __future__ import annotations

import datetime as dt

from assistant.delivery import (
    Delivery,
    OutboundPolicy,
    check_outbound_url,
    send_email,
    send_webhook,
    smtp_url_of,
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

__all__ = ["Deliverer", "check_destination", "check_email_set_up", "outbound_policy"]


def outbound_policy(settings: Settings) -> OutboundPolicy:
    """The private hosts and networks webhooks may reach (none unless the admin says)."""
    return OutboundPolicy.from_entries(settings.outbound_allow_hosts)


def check_destination(settings: Settings, destination: Destination) -> None:
    """Refuse a webhook URL that leads to a private address (:class:`InvalidInput`, 400),
    and email when no mail server is set up (:class:`EmailNotSetUp`, 422).

    Email needs no address check: the SMTP server is the admin's ``ASSISTANT_SMTP_URL``,
    and a user names only the recipient, whom that server delivers to.
    """
    if isinstance(destination, WebhookDestination):
        check_outbound_url(destination.url, outbound_policy(settings))
    else:
        smtp_url_of(settings)


def check_email_set_up(settings: Settings, destination: Destination) -> None:
    """Refuse to fire an email schedule now without a mail server (:class:`EmailNotSetUp`):
    before the run is claimed, so no export is made, counted or recorded for nothing."""
    if isinstance(destination, EmailDestination):
        smtp_url_of(settings)


class Deliverer:
    """Sends exports where schedules say, with the app's settings."""

    def __init__(self, settings: Settings, *, attach_limit: int | None = None) -> None:
        self.settings = settings
        # Larger messages (encoded) go with the link alone.
        self.attach_limit = attach_limit or settings.mail_attach_max_bytes
        self.policy = outbound_policy(settings)

    def __call__(
        self, schedule: ScheduleInfo, export: ExportInfo, link: str, due_at: dt.datetime
    ) -> None:
        destination = schedule.destination
        if isinstance(destination, EmailDestination):
            smtp_url = smtp_url_of(self.settings)  # stored while email worked: said again
            delivery = Delivery(
                export=export,
                title=schedule.name,
                when=due_at,
                timezone=schedule.timezone,
                link=link,
                link_hours=self.settings.link_ttl_hours,
            )
            send_email(delivery, destination.to, smtp_url, attach_limit=self.attach_limit)
        else:
            payload = webhook_payload(export.model_dump(mode="json", exclude={"path"}), link)
            send_webhook(destination.url, payload, destination.secret, policy=self.policy)
