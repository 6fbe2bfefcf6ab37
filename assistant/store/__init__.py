"""Floor: the assistant's store: SQLAlchemy 2.0 models, Alembic migrations applied at
start, API keys, preferences, and the housekeeping a crash or the clock leaves to do.

May import only ``files``, ``errors`` and ``settings`` (and ``intents.models`` for the
stored requests); every room above reads and writes through it.

SQLite by default (``sqlite:///var/assistant.db``), PostgreSQL by configuration; the same
models and migrations on both. Nothing is opened at import::

    engine = create_store_engine(settings.database_url)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        user, key = create_user_with_key(session, "ana", "ana@example.com")
"""

from __future__ import annotations

from assistant.store.db import (
    alembic_config,
    create_store_engine,
    current_revision,
    head_revision,
    loop_read_engine,
    migrate,
    session_factory,
)
from assistant.store.history import (
    ExportPage,
    ExportSummary,
    SummaryPage,
    export_summaries_page,
    export_summary,
    exports_page,
)
from assistant.store.housekeeping import (
    INTERRUPTED,
    expire_files,
    process_identity,
    recover_interrupted,
    remove_stray_temporaries,
    worker_alive,
)
from assistant.store.keys import (
    KeyCache,
    KeyHolder,
    create_key,
    create_user_with_key,
    revoke_key,
    user_for_key,
    verify_key,
)
from assistant.store.models import (
    ApiKey,
    AuditEntry,
    Base,
    ConversationRecord,
    Export,
    ExportCursor,
    ExportStatus,
    Message,
    Preference,
    QueryRun,
    Role,
    RunStatus,
    Schedule,
    ScheduleRun,
    Template,
    User,
    new_id,
    utcnow,
)
from assistant.store.repo import (
    AuditAction,
    audit,
    find_template,
    get_owned,
    messages_of,
    own_template,
    preferences_for,
    record_done,
    record_ended,
    requeue,
    running_exports,
    saved_timezone,
    visible_templates,
)

__all__ = [
    "INTERRUPTED",
    "ApiKey",
    "AuditAction",
    "AuditEntry",
    "Base",
    "ConversationRecord",
    "Export",
    "ExportCursor",
    "ExportPage",
    "ExportStatus",
    "ExportSummary",
    "KeyCache",
    "KeyHolder",
    "Message",
    "Preference",
    "QueryRun",
    "Role",
    "RunStatus",
    "Schedule",
    "ScheduleRun",
    "SummaryPage",
    "Template",
    "User",
    "alembic_config",
    "audit",
    "create_key",
    "create_store_engine",
    "create_user_with_key",
    "current_revision",
    "expire_files",
    "export_summaries_page",
    "export_summary",
    "exports_page",
    "find_template",
    "get_owned",
    "head_revision",
    "loop_read_engine",
    "messages_of",
    "migrate",
    "new_id",
    "own_template",
    "preferences_for",
    "process_identity",
    "record_done",
    "record_ended",
    "recover_interrupted",
    "remove_stray_temporaries",
    "requeue",
    "revoke_key",
    "running_exports",
    "saved_timezone",
    "session_factory",
    "user_for_key",
    "utcnow",
    "verify_key",
    "visible_templates",
    "worker_alive",
]
