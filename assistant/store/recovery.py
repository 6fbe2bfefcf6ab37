"""What a process does before it takes work: recover from a crash, tidy the storage.

After a crash the store may hold exports still ``queued`` or ``running`` and the storage
folder temporaries that never became files. :func:`recover_at_start` marks the exports
of dead processes failed ("interrupted", retryable with "retry"), expires files past
their time, and removes the temporaries nobody is writing. Safe to call from every
process that starts on a shared store: live processes' exports and files are spared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from assistant.settings import Settings
from assistant.store import (
    Export,
    ExportStatus,
    create_store_engine,
    expire_files,
    recover_interrupted,
    remove_stray_temporaries,
    session_factory,
)

__all__ = ["Recovered", "recover_at_start", "tidy"]


@dataclass(frozen=True)
class Recovered:
    """What recovery found: export ids interrupted and expired, temporaries removed."""

    interrupted: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    temporaries: list[Path] = field(default_factory=list)


def recover_at_start(settings: Settings, now: dt.datetime | None = None) -> Recovered:
    """Fail dead processes' exports, then :func:`tidy`. The store must be migrated."""
    now = now or dt.datetime.now(dt.UTC)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            interrupted = recover_interrupted(session, now)
    finally:
        engine.dispose()
    tidied = tidy(settings, now)
    return Recovered(interrupted, tidied.expired, tidied.temporaries)


def tidy(settings: Settings, now: dt.datetime | None = None) -> Recovered:
    """Expire files past their time and remove temporaries of exports nobody runs.

    Also meant to run periodically while serving: live exports' folders are spared, and
    so is anything written after the live ones were listed.
    """
    now = now or dt.datetime.now(dt.UTC)
    listed_at = dt.datetime.now(dt.UTC)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            expired = expire_files(session, settings.storage_dir, now)
            live = session.scalars(
                select(Export.id).where(
                    Export.status.in_([ExportStatus.QUEUED, ExportStatus.RUNNING])
                )
            ).all()
    finally:
        engine.dispose()
    removed = remove_stray_temporaries(settings.storage_dir, listed_at, spare=set(live))
    return Recovered(expired=expired, temporaries=removed)
