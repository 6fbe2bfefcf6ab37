"""One store lookup per API key at a time, however many requests bring it.

A key is trusted from the app's :class:`~assistant.store.KeyCache` for
``ASSISTANT_KEY_CACHE_SECONDS``; when that time is up, every request carrying the key
finds it untrusted at once. Fifty clients polling with one key each asked the store for
it then, together, on fifty worker threads (every 5 s in each process: the status polls'
slowest answers). Here the first of them asks, and the others wait for its answer: a
lookup that starts after the trust expired, so a revoked key is still refused as soon as
the store is asked. The lookup runs as a task of its own, so a client that hangs up does
not fail the others waiting on it.

>>> import asyncio
>>> asked = []
>>> def look_up() -> str:
...     asked.append(1)
...     return "ana"
>>> async def ten_requests() -> list[str]:
...     lookups = KeyLookups()
...     return await asyncio.gather(*(lookups.verify("ak_1", look_up) for _ in range(10)))
>>> asyncio.run(ten_requests()) == ["ana"] * 10 and len(asked)
1
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

from assistant.store.keys import hash_key

__all__ = ["KeyLookups"]

T = TypeVar("T")


class KeyLookups(Generic[T]):
    """The store lookups of keys running now, one per key (by its SHA-256); for one
    event loop."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Future[T]] = {}

    async def verify(self, key: str, look_up: Callable[[], T]) -> T:
        """``look_up()`` on a worker thread, or the answer of the one running for ``key``."""
        digest = hash_key(key)
        running = self._running.get(digest)
        if running is None:
            running = asyncio.ensure_future(run_in_threadpool(look_up))
            self._running[digest] = running
            running.add_done_callback(lambda done: self._finished(digest, done))
        return await asyncio.shield(running)

    def running(self) -> int:
        """How many lookups are running."""
        return len(self._running)

    def _finished(self, digest: str, done: asyncio.Future[T]) -> None:
        if self._running.get(digest) is done:
            del self._running[digest]
        if not done.cancelled():
            done.exception()  # retrieved, should every request waiting have hung up
