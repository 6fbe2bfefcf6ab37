"""The store's tables as SQLAlchemy 2.0 typed models; migration 0001 creates exactly these.

The column types, ids and naming rules they share are in :mod:`assistant.store.base`;
``Base`` and those names are re-exported here, so importing ``Base`` from this module
(as Alembic's env does) always gives a metadata with every table on it.

Formats are plain strings, not an enum: the exporter registry is open (and a batch export
is a ``zip``), and the pydantic models at the edges already validate them.

The audit log is append-only: :class:`AuditEntry` refuses updates and deletes in the
unit of work (mapper events here), in bulk ORM statements (the session factory in
:mod:`assistant.store.db`) and in the database itself (triggers in migration 0001).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from assistant.errors import AuditLogIsAppendOnly
from assistant.store.base import (
    ID_LENGTH,
    NAMING_CONVENTION,
    NOW,
    Base,
    UtcDateTime,
    enum_column,
    new_id,
    owner_column,
    utcnow,
)

__all__ = [
    "NAMING_CONVENTION",
    "ApiKey",
    "AuditEntry",
    "Base",
    "ConversationRecord",
    "Export",
    "ExportCursor",
    "ExportStatus",
    "Message",
    "Preference",
    "QueryRun",
    "Role",
    "RunStatus",
    "Schedule",
    "ScheduleRun",
    "Template",
    "User",
    "UtcDateTime",
    "new_id",
    "utcnow",
]


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def active(self) -> bool:
        """Whether a job is (or should be) working on it."""
        return self in (ExportStatus.QUEUED, ExportStatus.RUNNING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)

    api_keys: Mapped[list[ApiKey]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, name={self.name!r})"


class ApiKey(Base):
    """One API key: only its public prefix and the SHA-256 of the whole key are kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="api_keys")

    def __repr__(self) -> str:  # never the hash
        return f"ApiKey(prefix={self.prefix!r}, user_id={self.user_id!r})"


class ConversationRecord(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_owner_created", "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    owner_id: Mapped[int] = owner_column()
    title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Message.id",
    )


class Message(Base):
    """One chat turn; ``payload`` keeps what the reply showed (table, export id, choices)."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_order", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "message_role"))
    content: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)

    conversation: Mapped[ConversationRecord] = relationship(back_populates="messages")


class QueryRun(Base):
    """One query the assistant ran (or refused): the history that "export everything" reads."""

    __tablename__ = "query_runs"
    __table_args__ = (
        Index("ix_query_runs_owner_created", "owner_id", "created_at"),
        Index("ix_query_runs_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    owner_id: Mapped[int] = owner_column()
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    question: Mapped[str | None] = mapped_column(Text)
    sql: Mapped[str] = mapped_column(Text)
    columns: Mapped[list[str]] = mapped_column(default=list)
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    duration_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)


class Export(Base):
    """One export job and, once done, its file (``file_path`` is relative to storage)."""

    __tablename__ = "exports"
    __table_args__ = (
        Index("ix_exports_owner_created", "owner_id", "created_at"),
        Index("ix_exports_owner_status", "owner_id", "status"),
        Index("ix_exports_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    owner_id: Mapped[int] = owner_column()
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    query_run_id: Mapped[str | None] = mapped_column(
        ForeignKey("query_runs.id", ondelete="SET NULL")
    )
    request: Mapped[dict[str, Any]]
    format: Mapped[str] = mapped_column(String(16))
    status: Mapped[ExportStatus] = mapped_column(
        enum_column(ExportStatus, "export_status"), default=ExportStatus.QUEUED
    )
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    rows_total: Mapped[int | None] = mapped_column(BigInteger)
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    file_path: Mapped[str | None] = mapped_column(String(1024))
    file_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # ``host:pid`` of the process that runs it while queued or running (start-up
    # recovery fails only the exports whose process is gone).
    worker: Mapped[str | None] = mapped_column(String(200))
    # A batch of chosen query runs: their ids, in order (a retry re-exports the same).
    run_ids: Mapped[list[str] | None]
    # Exports run by workers (``runner="celery"``): the claim's lease and fencing token
    # (assistant.store.leases), claims since the last retry, and a request to stop.
    runner: Mapped[str | None] = mapped_column(String(16))
    fence: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    lease_expires_at: Mapped[dt.datetime | None]
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    # What the file could not hold exactly, in the exporter's words (None: nothing).
    notes: Mapped[list[str] | None]

    def __repr__(self) -> str:
        return f"Export(id={self.id!r}, format={self.format!r}, status={self.status!r})"


class Preference(Base):
    """A user's saved defaults: one row per user (the owner is the primary key)."""

    __tablename__ = "preferences"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    default_format: Mapped[str | None] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=NOW
    )


class Template(Base):
    """A named saved request; ``shared`` lets other users use it (never change it)."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = owner_column()
    name: Mapped[str] = mapped_column(String(100))
    request: Mapped[dict[str, Any]]
    shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=NOW
    )


class RunStatus(StrEnum):
    """A scheduled run: claimed, running, waiting to retry, then done or failed."""

    CLAIMED = "claimed"
    RUNNING = "running"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"  # "only new rows" found none, and the schedule skips empty runs


class Schedule(Base):
    """A recurring export: the stored request (the query and its export options, never a
    result), a cron in the owner's zone, where to deliver it, and when it runs next."""

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_due", "active", "next_run_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    owner_id: Mapped[int] = owner_column()
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    request: Mapped[dict[str, Any]]
    # The question whose relative window ("today") each run reads afresh, and the SQL
    # dialect it was read into; None: the request's query runs as stored.
    question: Mapped[str | None] = mapped_column(Text)
    dialect: Mapped[str | None] = mapped_column(String(16))
    cron: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    destination: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # With "only new rows": send nothing (the run is recorded as skipped) when none are new.
    skip_empty: Mapped[bool] = mapped_column(default=False, server_default=false())
    next_run_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=NOW
    )

    def __repr__(self) -> str:
        return f"Schedule(id={self.id!r}, name={self.name!r}, cron={self.cron!r})"


class ScheduleRun(Base):
    """One occurrence of a schedule. ``(schedule_id, due_at)`` is unique: inserting the
    row is how a scheduler claims the occurrence, so it runs once however many run."""

    __tablename__ = "schedule_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at"),
        Index("ix_schedule_runs_retry", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    due_at: Mapped[dt.datetime]
    status: Mapped[RunStatus] = mapped_column(
        enum_column(RunStatus, "run_status"), default=RunStatus.CLAIMED
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    next_attempt_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    export_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    rows: Mapped[int | None] = mapped_column(BigInteger)
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """Who did what, when, how many rows: written once, never updated or deleted.

    Ids of exports and query runs are kept without foreign keys, because the log must
    outlive the rows it mentions (a deleted export keeps its audit trail). ``user_id`` is
    a plain foreign key, so a user with history cannot be deleted: revoke their keys.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_user_at", "user_id", "at"),
        Index("ix_audit_log_export_id", "export_id"),
    )

    # BIGINT on PostgreSQL; INTEGER on SQLite, where only that spelling auto-increments.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    export_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    query_run_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    rows: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)
    details: Mapped[dict[str, Any] | None]


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper: Mapper[AuditEntry], connection: Connection, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly("changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper: Mapper[AuditEntry], connection: Connection, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly("deleted")


# Imported last, so ``Base`` from this module has every table (Alembic reads it).
from assistant.store.cursors import ExportCursor  # noqa: E402
