"""A finished export sent by email once, now: "email me this as csv", "send it now".

The file goes as a schedule's does (:mod:`assistant.delivery`): attached when the message
fits ``ASSISTANT_MAIL_ATTACH_MAX_BYTES``, and always with a signed download link pointing
at ``ASSISTANT_PUBLIC_URL``, else the host the API request came to (``scope.link_base``);
the send is recorded in the audit log (``export_emailed``, with the recipient). Without
``ASSISTANT_SMTP_URL`` nothing is sent (:class:`EmailNotSetUp`); the chat checks that
before it writes the file, and offers the download. Only a finished file is sent:
:func:`finished_export` makes one and waits for it, even when it is large enough to run
in the background, so nobody is sent half a file or a link that does not work yet.
"""

from __future__ import annotations

import datetime as dt

from assistant.delivery import Delivery, send_email, smtp_url_of
from assistant.errors import ExportFailed
from assistant.exports.background import in_background, submit_export, waited
from assistant.exports.writing import run_export
from assistant.files.links import download_url
from assistant.replies import ExportInfo
from assistant.scope import UserScope
from assistant.store import AuditAction, ExportStatus, QueryRun, audit
from intents.models import ExportRequest

__all__ = ["email_export", "finished_export"]


def email_export(scope: UserScope, info: ExportInfo, to: str, title: str) -> ExportInfo:
    """Send the user's finished export ``info`` to ``to``; record it in the audit log.

    Raises :class:`EmailNotSetUp` without ``ASSISTANT_SMTP_URL``, :class:`DeliveryFailed`
    when the server refuses, and :class:`ExportFailed` for an export that is not finished."""
    settings = scope.settings
    smtp_url = smtp_url_of(settings)
    if info.status != ExportStatus.DONE.value or info.sha256 is None:
        raise ExportFailed(
            f"{info.label(scope.zone)} is {info.status}: only a finished file is sent."
        )
    link = download_url(settings, info.id, info.sha256, request_base=scope.link_base)
    when = scope.clock()
    delivery = Delivery(export=info, title=title, when=when, timezone=scope.timezone, link=link,
                        link_hours=settings.link_ttl_hours)  # fmt: skip
    send_email(delivery, to, smtp_url, attach_limit=settings.mail_attach_max_bytes)
    with scope.sessions.begin() as session:
        audit(session, AuditAction.EXPORT_EMAILED, user_id=scope.user_id, export_id=info.id,
              rows=info.rows, details={"to": to}, at=when)  # fmt: skip
    return info


def finished_export(
    scope: UserScope, request: ExportRequest, run: QueryRun, now: dt.datetime
) -> ExportInfo:
    """Export ``run`` as ``request`` asks and wait for the file: inline when small, else
    on the job runner (so the per-user cap holds), waited for."""
    if not in_background(scope, run):
        return run_export(scope, request, run, now)
    info, job = submit_export(scope, request, run, now)
    info = waited(scope, info.id, job)
    if info.status != ExportStatus.DONE.value:
        raise ExportFailed(f"The export {info.status}: {info.error}")
    return info
