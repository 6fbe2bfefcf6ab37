"""Request limits for the HTTP API: a per-key rate limiter and a request body size cap.

Errors use the contract's shape (see `error_body`), so a client sees the same
`{"error": {"code", "message"}}` from these limits as from every route.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimit", "Limiter", "RateLimiter", "SharedRateLimiter", "error_body"]

_log = logging.getLogger(__name__)


class Limiter(Protocol):
    def hit(self, key: str) -> float | None:
        """Count a hit for ``key``: None if allowed, else seconds until one would be."""


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The contract's error shape.

    >>> error_body("not_found", "No export has this id; list your exports.")
    {'error': {'code': 'not_found', 'message': 'No export has this id; list your exports.'}}
    """
    return {"error": {"code": code, "message": message}}


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


def _human_bytes(size: int) -> str:
    """`1048576` -> "1 MiB"; sizes under 1 KiB stay in bytes.

    >>> _human_bytes(1), _human_bytes(1000), _human_bytes(1536), _human_bytes(10 * 2**20)
    ('1 byte', '1000 bytes', '1.5 KiB', '10 MiB')
    """
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"


class _BodyTooLarge(Exception):
    """Raised from the wrapped `receive` once the streamed body passes the limit."""


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header as an int, None if absent; ValueError if malformed.

    Repeated headers or comma lists are accepted only when every value agrees
    (RFC 9112 section 6.3); anything else could mean request smuggling.
    """
    values = [
        part.strip()
        for name, raw in scope["headers"]
        if name.lower() == b"content-length"
        for part in raw.split(b",")
    ]
    if not values:
        return None
    # bytes.isdigit is ASCII-only, so "+5", "-1", " " and "５" are all refused.
    if not all(value.isdigit() for value in values) or len(set(values)) != 1:
        raise ValueError("malformed Content-Length")
    return int(values[0])


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


class BodySizeLimit:
    """Pure ASGI middleware answering 413 to request bodies larger than `max_bytes`.

    A declared Content-Length over the limit is refused before the app runs. A body
    without one (chunked) is counted as the app reads it; the read that passes the
    limit raises instead of returning data, so the app never sees the oversized body.
    The 413 is then sent if the response has not started yet. Frameworks may catch
    that exception and answer something else (FastAPI turns any body-reading error
    into a 400), so once the limit is passed the app's response is replaced by the
    413 too. If the app had already started its response before the limit was
    passed, nothing can be replaced and the error propagates, so the server drops
    the connection rather than serving a response built on a truncated body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
            raise ValueError(f"max_bytes must be a whole number >= 0, not {max_bytes!r}")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        try:
            declared = _declared_length(scope)
        except ValueError:
            await self._reject(
                scope,
                receive,
                send,
                400,
                "bad_request",
                "The Content-Length header must be a single whole number of bytes; "
                "fix it or leave it out.",
            )
            return
        if declared is not None and declared > self.max_bytes:
            await self._reject_too_large(scope, receive, send, declared)
            return

        received = 0
        exceeded = False  # the body passed the limit; the app's response must not go out
        app_started = False  # the app sent http.response.start before the limit was passed
        replaced = False  # we sent the 413 in place of the app's response

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal app_started, replaced
            if exceeded and not app_started:
                # The app caught the overflow and is answering anyway: answer 413 instead.
                if not replaced:
                    replaced = True
                    await self._reject_too_large(scope, receive, send, None)
                return
            if message["type"] == "http.response.start":
                app_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            # Any error once the body overflowed stems from it (the app may have wrapped
            # ours); other errors, or a response already under way, are not ours to hide.
            if not exceeded or app_started:
                raise
        if exceeded and not app_started and not replaced:
            await self._reject_too_large(scope, receive, send, None)

    async def _reject_too_large(
        self, scope: Scope, receive: Receive, send: Send, declared: int | None
    ) -> None:
        limit = _human_bytes(self.max_bytes)
        size = "larger than" if declared is None else f"{_human_bytes(declared)}, over"
        message = f"The request body is {size} the {limit} limit; send at most {limit}."
        await self._reject(scope, receive, send, 413, "payload_too_large", message)

    @staticmethod
    async def _reject(
        scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
    ) -> None:
        # The rest of the body is left unread, so the connection cannot be reused.
        response = JSONResponse(
            error_body(code, message), status_code=status, headers={"Connection": "close"}
        )
        await response(scope, receive, send)
