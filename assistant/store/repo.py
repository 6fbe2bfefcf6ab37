"""Small typed queries the faces share, so ownership and paging rules live in one place.

Another user's row answers exactly like a missing one (:class:`~assistant.errors.NotFound`
with the same words), as the API contract asks. Functions flush at most; the caller
owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assistant.errors import Conflict, NotFound
from assistant.store.firsts import insert_missing
from assistant.store.models import (
    AuditEntry,
    ConversationRecord,
    Export,
    ExportStatus,
    Message,
    Preference,
    QueryRun,
    Schedule,
    Template,
    utcnow,
)

__all__ = [
    "AuditAction",
    "audit",
    "find_template",
    "get_owned",
    "messages_of",
    "not_found",
    "own_template",
    "preferences_for",
    "record_done",
    "record_ended",
    "requeue",
    "running_exports",
    "saved_timezone",
    "visible_templates",
]


class AuditAction(StrEnum):
    """What the audit log records. New actions may be added; rows are never changed."""

    KEY_CREATED = "key_created"
    KEY_REVOKED = "key_revoked"
    QUERY_RUN = "query_run"
    EXPORT_CREATED = "export_created"
    EXPORT_DONE = "export_done"
    EXPORT_FAILED = "export_failed"
    EXPORT_CANCELLED = "export_cancelled"
    EXPORT_INTERRUPTED = "export_interrupted"
    EXPORT_RECLAIMED = "export_reclaimed"  # a worker took over one whose lease ran out
    EXPORT_RETRIED = "export_retried"
    EXPORT_EXPIRED = "export_expired"
    EXPORT_DELETED = "export_deleted"
    EXPORT_DOWNLOADED = "export_downloaded"
    EXPORT_EMAILED = "export_emailed"


def audit(
    session: Session,
    action: AuditAction | str,
    *,
    user_id: int | None,
    export_id: str | None = None,
    query_run_id: str | None = None,
    rows: int | None = None,
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one audit entry (added to the session, written at the next flush)."""
    entry = AuditEntry(
        user_id=user_id,
        action=str(action),
        export_id=export_id,
        query_run_id=query_run_id,
        rows=rows,
        details=details,
        at=at or utcnow(),
    )
    session.add(entry)
    return entry


_Owned = TypeVar("_Owned", ConversationRecord, QueryRun, Export, Schedule)
_NOUNS: dict[type[Any], str] = {
    ConversationRecord: "conversation",
    QueryRun: "query",
    Export: "export",
    Schedule: "schedule",
}


def get_owned(session: Session, model: type[_Owned], id_: str, owner_id: int) -> _Owned:
    """The ``model`` row ``id_`` when ``owner_id`` owns it; NotFound otherwise (either way)."""
    row = session.get(model, id_)
    if row is None or row.owner_id != owner_id:
        raise not_found(model, id_)
    return row


def not_found(model: type[Any], id_: str) -> NotFound:
    """What :func:`get_owned` raises for ``model`` ``id_`` (missing or another's)."""
    return NotFound(f"There is no {_NOUNS[model]} {id_!r}. Check the id in your history.")


def running_exports(session: Session, owner_id: int) -> int:
    """How many of the owner's exports are running now (for the per-user cap)."""
    count = session.scalar(
        select(func.count())
        .select_from(Export)
        .where(Export.owner_id == owner_id, Export.status == ExportStatus.RUNNING)
    )
    return count or 0


def requeue(export: Export) -> Export:
    """Reset a failed, cancelled or expired export to ``queued`` so a job runs it again.

    The request, owner and links are kept; progress, file, error and attempts are cleared.
    """
    if export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.DONE):
        raise Conflict(
            f"Export {export.id} is {export.status.value}; only failed, cancelled or "
            "expired exports can be retried."
        )
    export.status = ExportStatus.QUEUED
    export.rows_done = 0
    export.attempts = 0  # the fence is kept: it only ever rises
    export.cancel_requested = False
    for field in (
        "lease_expires_at",
        "rows_total",
        "bytes",
        "sha256",
        "file_path",
        "file_name",
        "started_at",
        "finished_at",
        "expires_at",
        "error",
    ):
        setattr(export, field, None)
    return export


def saved_timezone(session: Session, owner_id: int) -> str | None:
    """The owner's saved time zone, if any; reads only (many requests ask at once)."""
    preference = session.get(Preference, owner_id)
    return None if preference is None else preference.timezone


def preferences_for(session: Session, owner_id: int) -> Preference:
    """The owner's preferences, created empty on first use.

    Two first saves at once both succeed (:mod:`assistant.store.firsts`); what each then
    sets is a plain update, so the last one wins."""
    preference = session.get(Preference, owner_id)
    if preference is None:
        insert_missing(session, Preference, owner_id=owner_id, options={})
        preference = session.get(Preference, owner_id)
        assert preference is not None  # inserted now, or by the transaction we waited for
    return preference


def own_template(session: Session, owner_id: int, name: str, request: dict[str, Any]) -> Template:
    """The owner's template ``name``, created with ``request`` when there is none.

    Saving one new name from several requests at once creates it once; the others get
    that row to update (:mod:`assistant.store.firsts`), so none fails."""
    insert_missing(session, Template, owner_id=owner_id, name=name, request=request)
    return session.scalars(
        select(Template).where(Template.owner_id == owner_id, Template.name == name)
    ).one()


def visible_templates(session: Session, user_id: int) -> Sequence[Template]:
    """The user's own templates and those others shared, by name then owner."""
    return session.scalars(
        select(Template)
        .where(or_(Template.owner_id == user_id, Template.shared.is_(True)))
        .order_by(Template.name, Template.owner_id != user_id, Template.owner_id)
    ).all()


def find_template(session: Session, user_id: int, name: str) -> Template:
    """The user's template ``name``, else the one template of that name others shared.

    NotFound when there is none; Conflict when several users shared that name (and the
    user has none of their own), naming how many so the person can pick another.
    """
    own = session.scalars(
        select(Template).where(Template.owner_id == user_id, Template.name == name)
    ).one_or_none()
    if own is not None:
        return own
    shared = session.scalars(
        select(Template).where(Template.name == name, Template.shared.is_(True))
    ).all()
    if not shared:
        raise NotFound(f"There is no template {name!r}. Save one with 'save this as template'.")
    if len(shared) > 1:
        raise Conflict(
            f"{len(shared)} users shared a template named {name!r}; save your own copy "
            "under that name to pick one."
        )
    return shared[0]


def record_done(
    session: Session,
    done: Export,
    name: str,
    rows: int,
    size: int,
    sha256: str,
    finished: dt.datetime,
    ttl: dt.timedelta,
    notes: Sequence[str] = (),
) -> None:
    """Mark ``done`` finished with its file ``<id>/<name>`` (kept for ``ttl``) and audit it.

    ``notes`` say what the file could not hold exactly (:attr:`ExportResult.notes`)."""
    done.status = ExportStatus.DONE
    done.notes = list(notes) or None
    done.rows_done = rows
    if done.rows_total is None:  # never counted apart (too few rows to report progress)
        done.rows_total = rows
    done.bytes = size
    done.sha256 = sha256
    done.file_name = name
    done.file_path = f"{done.id}/{name}"
    done.finished_at = finished
    done.expires_at = finished + ttl
    done.worker = None
    done.lease_expires_at = None
    audit(
        session,
        AuditAction.EXPORT_DONE,
        user_id=done.owner_id,
        export_id=done.id,
        query_run_id=done.query_run_id,
        rows=rows,
        at=finished,
        details={
            "format": done.format,
            "file_name": name,
            "bytes": size,
            "sha256": sha256,
            **({"notes": list(notes)} if notes else {}),
        },
    )


def record_ended(
    session: Session,
    row: Export,
    status: ExportStatus,
    reason: str,
    now: dt.datetime,
) -> None:
    """Mark ``row`` failed or cancelled for ``reason`` (what the person reads); audit it."""
    row.status = status
    row.error = reason
    row.finished_at = now
    row.worker = None
    row.lease_expires_at = None
    if status is ExportStatus.CANCELLED:
        audit(
            session,
            AuditAction.EXPORT_CANCELLED,
            user_id=row.owner_id,
            export_id=row.id,
            rows=row.rows_done,
            at=now,
        )
    else:
        audit(
            session,
            AuditAction.EXPORT_FAILED,
            user_id=row.owner_id,
            export_id=row.id,
            query_run_id=row.query_run_id,
            at=now,
            details={"error": reason},
        )


def messages_of(session: Session, conversation_id: str | None) -> Sequence[Message]:
    """A conversation's messages, oldest first (message ids never tie; times may)."""
    return session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    ).all()
