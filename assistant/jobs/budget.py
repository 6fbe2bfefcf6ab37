"""The per-user export budget: how many exports one user may start a minute, however.

One budget per process (:class:`~assistant.process.Assistant` builds it; in Redis when
there is a broker, so every API process of a deployment counts against it), handed to
features in the :class:`~assistant.scope.UserScope`. Every way export work starts spends
it before the work starts: an API export, batch or retry, a chat export (downloaded or
emailed), "retry", "send it now", and a schedule fired on demand. So nothing is queued
or recorded when the budget is spent; the caller gets :class:`TooManyRequests`, which the
API answers as 429 with ``Retry-After`` and the chat says in words.

Why one budget for every path rather than a limit per route: the limit protects the
source database and the disk from one user's burst, and a chat message or a schedule
run costs them what an API export does.

>>> now = [0.0]
>>> budget = ExportBudget(RateLimiter(2, 60.0, clock=lambda: now[0]), 2)
>>> budget.take(7), budget.take(7)
(None, None)
>>> try:
...     budget.take(7)
... except TooManyRequests as refused:
...     print(refused.message)
You have started 2 exports in the last minute; try again in 60 seconds.
>>> budget.take(8) is None  # another user has a budget of their own
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from assistant.errors import TooManyRequests
from assistant.jobs.rates import Limiter, RateLimiter, SharedRateLimiter
from assistant.settings import Settings

__all__ = ["PERIOD_SECONDS", "ExportBudget", "limit_text"]

#: The budget's window: ``exports_per_minute`` is per minute.
PERIOD_SECONDS = 60.0


def limit_text(limit: int, wait: float) -> str:
    """What a person reads when the budget is spent.

    >>> limit_text(10, 41.2)
    'You have started 10 exports in the last minute; try again in 42 seconds.'
    >>> limit_text(1, 0.3)
    'You have started 1 export in the last minute; try again in 1 second.'
    """
    seconds = max(1, math.ceil(wait))
    exports = "1 export" if limit == 1 else f"{limit} exports"
    unit = "1 second" if seconds == 1 else f"{seconds} seconds"
    return f"You have started {exports} in the last minute; try again in {unit}."


@dataclass(frozen=True)
class ExportBudget:
    """At most ``limit`` exports started per user a minute, counted by ``limiter``."""

    limiter: Limiter
    limit: int

    @classmethod
    def from_settings(cls, settings: Settings, *, shared: bool = True) -> ExportBudget:
        """``exports_per_minute`` per user: in Redis when the settings name a broker (and
        ``shared``), else in this process. Close it with :meth:`close`."""
        limit = settings.exports_per_minute
        if shared and settings.broker_url:
            prefix = f"{settings.queue}:rate:exports"
            return cls(
                SharedRateLimiter(limit, PERIOD_SECONDS, settings.broker_url, prefix=prefix), limit
            )
        return cls(RateLimiter(limit, PERIOD_SECONDS), limit)

    def take(self, user_id: int) -> None:
        """Count one export started by ``user_id``; :class:`TooManyRequests` (nothing
        counted) when they already started ``limit`` in the last minute."""
        wait = self.limiter.hit(str(user_id))
        if wait is not None:
            raise TooManyRequests(limit_text(self.limit, wait), wait)

    def close(self) -> None:
        """Let go of Redis (an in-process budget holds nothing to release)."""
        if isinstance(self.limiter, SharedRateLimiter):
            self.limiter.close()
