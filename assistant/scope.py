"""The user scope: what a feature needs to act for one user, and nothing more.

Exports, schedules and questions take a :class:`UserScope` instead of the chat engine:
the settings, the store's sessions, who the user is (and which conversation, if any), the
clock and zone, the data source, the job runner with the router its events go
through, and the user's export budget (spent once by each way export work starts:
:meth:`UserScope.spend_export`). It is frozen: a change (the user saves another zone) is
a new scope. The process (:class:`~assistant.process.Assistant`) builds scopes; the chat
engine has one.

May import only the floor (``store``, ``jobs``, ``source``, ``settings``...).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from assistant.jobs import ExportBudget, JobEventRouter, JobRunner
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
    # None: nothing left to count under this scope (the export was counted where it
    # started, or it is a scheduled run, a worker's write: not started by the user now).
    budget: ExportBudget | None = None
    # Where download links sent for this scope's work point when ASSISTANT_PUBLIC_URL is
    # not set: the host the API request came to. None: no request (a scheduled run, the
    # terminal chat), so ASSISTANT_PUBLIC_URL or the default (assistant.files.links).
    link_base: str | None = None
    # Whether questions the rules cannot read may go to an LLM (a key, and not rules-only).
    asks_llm: bool = False

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

    def spend_export(self) -> UserScope:
        """Count one export the user starts now against their budget, before any of its
        work; the scope to do that work with, under which nothing counts again (so an
        export that is then emailed, or a retry that writes again, counts once).

        Raises :class:`~assistant.errors.TooManyRequests` when the budget is spent: then
        nothing was counted and nothing may be queued or recorded."""
        if self.budget is None:
            return self
        self.budget.take(self.user_id)
        return self.replace(budget=None)

    def spent(self) -> UserScope:
        """This scope with nothing left to count (work the user did not start just now)."""
        return self if self.budget is None else self.replace(budget=None)

    def replace(self, **changes: object) -> UserScope:
        """A copy with ``changes`` (the zone after the user saved another one)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
