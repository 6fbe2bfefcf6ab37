"""Rate limits: at most ``limit`` hits per key in any window, in this process or in Redis.

:class:`RateLimiter` keeps its log in memory (one process); :class:`SharedRateLimiter`
keeps the same log in Redis, so every process of a deployment counts against one limit.
Both answer a hit with None (allowed) or the seconds until one would be. They know
nothing of HTTP or of exports: :class:`~assistant.jobs.budget.ExportBudget` is what
spends them, and the API's 429 is mapped from the error it raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis

__all__ = ["Limiter", "RateLimiter", "SharedRateLimiter"]

_log = logging.getLogger(__name__)


class Limiter(Protocol):
    def hit(self, key: str) -> float | None:
        """Count a hit for ``key``: None if allowed, else seconds until one would be."""


def _window(limit: int, period_seconds: float) -> tuple[int, float]:
    """A limiter's checked ``limit`` and ``period``.

    No "0 means unlimited": a caller who wants no limit does not install one."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number >= 1, not {limit!r}")
    if not period_seconds > 0:
        raise ValueError(f"period_seconds must be > 0, not {period_seconds!r}")
    return limit, float(period_seconds)


class RateLimiter:
    """At most `limit` hits per key in any `period_seconds`-long window (a sliding-window log).

    Why a log of hit times rather than GCRA or a token bucket: those allow a full burst
    and then keep refilling, so a client can get up to 2*limit - 1 hits inside one
    period; the log enforces the stated limit in every window exactly, and its
    retry-after is exact (when the oldest counted hit leaves the window). It costs
    O(limit) floats per active key, which is small for API limits such as 60/minute.
    Only allowed hits are recorded, so hammering while limited does not extend the wait.

    Keys whose last hit is older than the period hold no state that matters and are
    swept at most once per period, so memory tracks recently active keys only.

    The lock makes it safe from threads and from asyncio code alike: the critical
    section never awaits and is a few deque operations long.

    >>> now = [0.0]
    >>> limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    >>> limiter.hit("alice"), limiter.hit("alice"), limiter.hit("alice")
    (None, None, 60.0)
    >>> limiter.hit("bob") is None
    True
    >>> now[0] = 45.0
    >>> limiter.hit("alice")
    15.0
    >>> now[0] = 60.0
    >>> limiter.hit("alice") is None
    True
    """

    def __init__(
        self,
        limit: int,
        period_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.period = _window(limit, period_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        # key -> times at which each counted hit leaves the window, oldest first.
        # Storing expiry times (not hit times) keeps retry-after strictly positive:
        # an expiry still in the deque is > now, so expiry - now > 0 even in floats.
        self._hits: dict[str, deque[float]] = {}
        self._next_sweep = clock() + self.period

    def hit(self, key: str) -> float | None:
        """Count a hit for `key`: None if allowed, else the seconds until one would be."""
        with self._lock:
            now = self._clock()
            if now >= self._next_sweep:
                self._sweep(now)
            expiries = self._hits.get(key)
            if expiries is None:
                expiries = self._hits[key] = deque()
            while expiries and expiries[0] <= now:
                expiries.popleft()
            if len(expiries) >= self.limit:
                return expiries[0] - now
            expiries.append(now + self.period)
            return None

    def __len__(self) -> int:
        """How many keys currently hold state (for tests and metrics)."""
        with self._lock:
            return len(self._hits)

    def _sweep(self, now: float) -> None:
        # A key whose newest hit has left the window is idle: nothing it holds counts.
        idle = [key for key, expiries in self._hits.items() if not expiries or expiries[-1] <= now]
        for key in idle:
            del self._hits[key]
        self._next_sweep = now + self.period


class SharedRateLimiter:
    """:class:`RateLimiter`'s sliding-window log kept in Redis, so every API process of a
    deployment counts against the same limit.

    One Lua script per hit (atomic in Redis, on Redis' clock): drop the key's hits that
    left the window, count the rest, record this one if under the limit, else answer
    when the oldest leaves. Keys expire with their window. If Redis cannot be reached the
    hit is allowed and logged: the limit protects the service, and refusing every export
    while the broker is away would not.
    """

    _SCRIPT = """
    local now = redis.call('TIME')
    local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
    local period = tonumber(ARGV[2])
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - period)
    if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
        redis.call('ZADD', KEYS[1], t, t .. ':' .. ARGV[3])
        redis.call('PEXPIRE', KEYS[1], math.ceil(period / 1000))
        return -1
    end
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return tonumber(oldest[2]) + period - t
    """

    def __init__(self, limit: int, period_seconds: float, url: str, *, prefix: str) -> None:
        self.limit, self.period = _window(limit, period_seconds)
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(self._SCRIPT)
        self._counter = iter(range(1 << 62))  # tells apart hits in one microsecond
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        with self._lock:
            unique = f"{id(self)}:{next(self._counter)}"
        try:
            wait = int(
                self._script(
                    keys=[f"{self.prefix}:{key}"],
                    args=[self.limit, int(self.period * 1_000_000), unique],
                )
            )
        except redis.RedisError as exc:
            _log.warning("the shared rate limit is not checked (Redis: %s)", exc)
            return None
        return None if wait < 0 else max(wait, 1) / 1_000_000

    def close(self) -> None:
        self._redis.close()
