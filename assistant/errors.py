"""Errors the assistant raises, each with a message a person can act on.

    AssistantError              base: ``message`` is for the person, ``code`` for the API
    ├── InvalidInput            the request is wrong; unchanged it fails again (HTTP 400, exit 2)
    ├── Unauthorized            no API key, or an unknown or revoked one (HTTP 401)
    ├── NotFound                no such id, or it belongs to another user (HTTP 404)
    ├── Conflict                the resource's state forbids it right now (HTTP 409)
    ├── Forbidden               a tampered or expired signed link (HTTP 403)
    ├── TooManyRequests         over a rate limit; ``retry_after`` seconds (HTTP 429)
    ├── ExportFailed            an export could not be written (assistant.exporting)
    ├── NothingToExport         a history/transcript export found nothing (assistant.history)
    └── StoreError              the store database failed; nothing the caller did (HTTP 503)
        └── AuditLogIsAppendOnly  code tried to change or remove an audit row (a bug)

``BadRequest`` is another name for :class:`InvalidInput`. The HTTP statuses above are
what the one FastAPI handler is expected to map; the chat says the message in words.
The engine adds its own subclasses here (a rejected query is an ``InvalidInput``, a
download of an unfinished export a ``Conflict``) so callers only ever catch this tree.
Foreign exceptions (SQLAlchemy, Alembic, OS errors) are translated at the seam with
``raise ... from exc``.

>>> try:
...     raise NotFound("There is no export abc123. Check the id in your export history.")
... except AssistantError as error:
...     print(error.code, "-", error.message)
not_found - There is no export abc123. Check the id in your export history.
"""

from __future__ import annotations

__all__ = [
    "AssistantError",
    "AuditLogIsAppendOnly",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "StoreError",
    "TooManyRequests",
    "Unauthorized",
]


class AssistantError(Exception):
    """Base class: the message is meant for the person who made the request."""

    code = "assistant_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(AssistantError):
    """The request itself is wrong (a bad name, an unknown format); fix it and retry."""

    code = "invalid_input"


BadRequest = InvalidInput


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
    """A signed link that was tampered with or has expired (HTTP 403)."""

    code = "forbidden"


class TooManyRequests(AssistantError):
    """Too many requests of one kind; ``retry_after`` says when to try again (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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
