"""The user scope: what a feature needs to act for one user, and nothing more.

Exports, schedules and questions take a :class:`UserScope` instead of the chat engine:
the settings, the store's sessions, who the user is (and which conversation, if any), the
clock and zone, the data source, and the job runner with the router its events go
through. It is frozen: a change (the user saves another zone) is a new scope. The
process (:class:`~assistant.process.Assistant`) builds scopes; the chat engine has one.

May import only the floor (``store``, ``jobs``, ``source``, ``settings``...).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from assistant.jobs import JobEventRouter, JobRunner
from assistant.settings import Settings
from assistant.source.datasource import DataSource

__all__ = ["Clock", "UserScope", "utc_now"]

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The real clock (tests pass a pinned one)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class UserScope:
    """One user's view of the assistant's parts; ``conversation_id`` None for API calls."""

    settings: Settings
    sessions: sessionmaker[Session]
    user_id: int
    source: DataSource
    conversation_id: str | None = None
    clock: Clock = utc_now
    timezone: str = "UTC"
    runner: JobRunner | None = None
    events: JobEventRouter = field(default_factory=JobEventRouter)
    # Background exports answer "queued" at once, unless the face waits (chat --json).
    wait_for_exports: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def dialect(self) -> str:
        """The SQL dialect questions are written in for the source."""
        return "postgres" if self.settings.source_url.startswith("postgres") else "sqlite"

    @property
    def jobs(self) -> JobRunner:
        """The runner for background exports; a scope without one cannot start them."""
        if self.runner is None:
            raise RuntimeError("this scope has no job runner: build it with one to export")
        return self.runner

    def replace(self, **changes: object) -> UserScope:
        """A copy with ``changes`` (the zone after the user saved another one)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
