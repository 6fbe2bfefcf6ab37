"""Errors the assistant raises, each with a message a person can act on.

    UserFacingError               exporters' base: ``message`` is for the person
    ├── ExporterError             the exporter core's tree (exporters.errors)
    └── AssistantError            the assistant's base; ``code`` is for the API
        ├── InvalidInput          the request is wrong; unchanged it fails again (400, exit 2)
        │   ├── Unanswerable      not a question over the data, or not one understood
        │   ├── TooManyRows       the result is larger than one export may be
        │   └── PolicyError       ASSISTANT_MASK_POLICY cannot be read (names the entry)
        ├── Unauthorized          no API key, or an unknown or revoked one (401)
        ├── NotFound              no such id, or it belongs to another user (404)
        ├── Conflict              the resource's state forbids it right now (409)
        ├── Forbidden             not allowed, whoever asks (403)
        │   └── LinkInvalid       a signed link we did not make (tampered, truncated)
        │       ├── LinkExpired   ours, but older than its time to live
        │       └── LinkStale     ours, but its file changed since (deleted or made again)
        ├── TooManyRequests       over a rate limit; ``retry_after`` seconds (429)
        ├── ExportFailed          an export could not be written
        ├── NothingToExport       a history or transcript export found nothing
        ├── DeliveryFailed        an email or webhook could not be delivered
        │   └── EmailNotSetUp     no ASSISTANT_SMTP_URL: email is refused before any work (422)
        ├── JobError              a background job could not run as asked
        │   ├── RunnerClosed      the runner is shutting down and takes no new jobs
        │   ├── DuplicateJob      a job with this id is still queued or running
        │   └── JobCancelled      the job was cancelled; an export leaves no file
        ├── LeaseLost             a worker's export was taken over or ended: write nothing
        └── StoreError            the store database failed; nothing the caller did (503)
            └── AuditLogIsAppendOnly  code tried to change or remove an audit row (a bug)

The statuses are what the one FastAPI handler (``assistant.api.errors``) maps; the chat
says the message in words; the command line exits 2 for :class:`InvalidInput` and 1
otherwise. Every caller reads ``exc.message``, of this tree and the exporter's alike.
Foreign exceptions (SQLAlchemy, Alembic, itsdangerous, OS errors) are translated at the
seam with ``raise ... from exc``.

>>> try:
...     raise NotFound("There is no export abc123. Check the id in your export history.")
... except AssistantError as error:
...     print(error.code, "-", error.message)
not_found - There is no export abc123. Check the id in your export history.
"""

from __future__ import annotations

from exporters.errors import UserFacingError

__all__ = [
    "AssistantError",
    "AuditLogIsAppendOnly",
    "Conflict",
    "DeliveryFailed",
    "DuplicateJob",
    "EmailNotSetUp",
    "ExportFailed",
    "Forbidden",
    "InvalidInput",
    "JobCancelled",
    "JobError",
    "LeaseLost",
    "LinkExpired",
    "LinkInvalid",
    "LinkStale",
    "NotFound",
    "NothingToExport",
    "PolicyError",
    "RunnerClosed",
    "StoreError",
    "TooManyRequests",
    "TooManyRows",
    "Unanswerable",
    "Unauthorized",
    "UserFacingError",
]


class AssistantError(UserFacingError):
    """Base class: the message is meant for the person who made the request."""

    code = "assistant_error"


class InvalidInput(AssistantError):
    """The request itself is wrong (a bad name, an unknown format); fix it and retry."""

    code = "invalid_input"


class Unanswerable(InvalidInput):
    """Not a question over the data (or not one understood); the message says what is.

    ``choices`` are questions the person may have meant ("customers in Brazil"), offered as
    buttons; choosing one sends it as the next message.
    """

    code = "cannot_answer"

    def __init__(self, message: str, *, choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.choices = choices


class TooManyRows(InvalidInput):
    """The result is larger than one export may be (``ASSISTANT_MAX_EXPORT_ROWS``)."""

    code = "too_many_rows"


class PolicyError(InvalidInput):
    """``ASSISTANT_MASK_POLICY`` cannot be read (the message names the entry)."""

    code = "bad_mask_policy"


class Unauthorized(AssistantError):
    """The API key is missing, unknown or revoked; the message never says which."""

    code = "unauthorized"


class NotFound(AssistantError):
    """No such resource for this user; another user's resource answers the same."""

    code = "not_found"


class Conflict(AssistantError):
    """The resource exists but its state forbids the action (not done yet, name taken)."""

    code = "conflict"


class Forbidden(AssistantError):
    """Not allowed whoever asks: a tampered or expired signed link (HTTP 403)."""

    code = "forbidden"


class LinkInvalid(Forbidden):
    """The token is not one we made (tampered, truncated, or signed with another secret)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "This download link is not valid. Check that the whole link was copied, "
            "or ask for a new link."
        )


class LinkExpired(LinkInvalid):
    """The token was ours but is older than the maximum age."""


class LinkStale(LinkInvalid):
    """The token is genuine but the file it named has changed (export deleted or re-made).

    Callers may answer this exactly like a missing export (404).
    """


class TooManyRequests(AssistantError):
    """Too many requests of one kind; ``retry_after`` says when to try again (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ExportFailed(AssistantError):
    """The file could not be written; the message says why (a column, the database)."""

    code = "export_failed"


class NothingToExport(AssistantError):
    """The window or the conversation holds nothing to export; the message says so."""

    code = "nothing_to_export"


class DeliveryFailed(AssistantError):
    """An email or webhook could not be delivered.

    ``transient`` is true when the same delivery may work later (connection refused, a
    timeout, an SMTP 4xx or HTTP 5xx/429 answer) and false when it will fail again until
    something is changed (a wrong password, a refused address, an HTTP 4xx answer).

    >>> error = DeliveryFailed("The mail server refused the login.", transient=False)
    >>> error.code, error.transient
    ('delivery_failed', False)
    """

    code = "delivery_failed"

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class EmailNotSetUp(DeliveryFailed):
    """This server has no ``ASSISTANT_SMTP_URL``, so nothing can be emailed from it.

    Raised before any work (a schedule is not stored, a file is offered as a download
    instead), so nobody is told "sent" or "scheduled" for mail that can never leave.
    Never transient: only the admin's setting changes it.
    """

    code = "email_not_set_up"

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class JobError(AssistantError):
    """A background job could not run as asked; the message says what happened to which."""

    code = "job_failed"


class RunnerClosed(JobError):
    """The runner is shutting down and takes no new jobs; submit to a new one."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} was not started: the job runner is shutting down")
        self.job_id = job_id


class DuplicateJob(JobError):
    """A job with this id is still queued or running; cancel it or wait for it first."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} is already queued or running; use a new id or wait")
        self.job_id = job_id


class JobCancelled(JobError):
    """The job was cancelled; an export leaves no file behind."""

    def __init__(self, job_id: str, reason: str | None = None) -> None:
        super().__init__(f"job {job_id} was cancelled" + (f": {reason}" if reason else ""))
        self.job_id = job_id


class LeaseLost(AssistantError):
    """The export is no longer this worker's: another claimed it, or it ended. Stop and
    write nothing (the temporary file is the worker's own to remove)."""

    code = "lease_lost"


class StoreError(AssistantError):
    """The store database cannot be reached, migrated or written."""

    code = "store_unavailable"


class AuditLogIsAppendOnly(StoreError):
    """Raised when code updates or deletes an audit row: the log is append-only."""

    code = "audit_log_append_only"

    def __init__(self, action: str = "changed") -> None:
        super().__init__(
            f"Audit log entries cannot be {action}: the log is append-only. "
            "Record a new entry instead."
        )
