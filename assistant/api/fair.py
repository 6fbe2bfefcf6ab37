"""Fair share: heavy requests run on their own bounded pool, at most a few per user.

Sync routes share Starlette's one threadpool (40 threads). Before this, 40 slow queries
from one user took all of it, and another user's ``GET /api/preferences`` waited a minute
for a thread. Now the heavy routes (query previews, chat turns, export starts, a
schedule fired now with its delivery) are ``async`` and hand their work to
:class:`HeavyWork`:

- its own ``anyio.CapacityLimiter`` (``ASSISTANT_HEAVY_THREADS``), so light routes
  (preferences, history, status, health) keep the default pool to themselves;
- a per-user cap (``ASSISTANT_MAX_QUERIES_PER_USER``) on queries, chat turns and
  schedules fired now in flight (export starts are not counted: the export rate limit
  and the cap on running exports govern them, and a user may queue a batch at once). Over
  it, the request answers 429 at once with ``Retry-After``, rather than waiting: a
  waiting request would hold its connection and hide the overload from the client, and
  one user's queue would still be in front of nobody but themselves. The count is per
  API process (the cap on running exports, in the store, holds across processes).

The count is kept on the event loop's thread only (checked and changed between awaits),
so it needs no lock; it drops when the work's thread returns, not when a client
disconnects, so it counts work that is really running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from assistant.errors import TooManyRequests
from assistant.settings import Settings

__all__ = ["HeavyWork"]

T = TypeVar("T")

#: The seconds a capped user is asked to wait before trying again.
RETRY_AFTER_SECONDS = 1.0


class HeavyWork:
    """The app's pool for heavy requests, with a cap of running ones per user."""

    def __init__(self, threads: int, per_user: int) -> None:
        self.limiter = CapacityLimiter(threads)
        self.per_user = per_user
        self._running: dict[int, int] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> HeavyWork:
        return cls(settings.heavy_threads, settings.max_queries_per_user)

    def running(self, user_id: int) -> int:
        """How many heavy requests of ``user_id`` are running in this process."""
        return self._running.get(user_id, 0)

    async def run(self, user_id: int, work: Callable[[], T], *, counted: bool = True) -> T:
        """Run ``work`` on the heavy pool for ``user_id``, or raise :class:`TooManyRequests`
        when they already have ``per_user`` running (unless not ``counted``)."""
        if not counted:
            return await anyio.to_thread.run_sync(work, limiter=self.limiter)
        running = self.running(user_id)
        if running >= self.per_user:
            raise TooManyRequests(
                f"You have {running} queries running; wait for one to finish.",
                RETRY_AFTER_SECONDS,
            )
        self._running[user_id] = running + 1
        try:
            return await anyio.to_thread.run_sync(work, limiter=self.limiter)
        finally:
            left = self._running[user_id] - 1
            if left:
                self._running[user_id] = left
            else:
                del self._running[user_id]
