"""What routes depend on: the process's assistant, the caller, their scope.

Everything comes from ``request.app.state`` (set by :func:`assistant.api.app.create_app`),
never from module globals, so two apps with different settings can live side by side.

The caller is known without leaving the event loop while the app's :class:`KeyCache`
trusts their key (``ASSISTANT_KEY_CACHE_SECONDS``); only then does a request ask the store,
on a worker thread. A status poll reads its export on the event loop too when the store
is a SQLite file (:func:`quick_read`). Routes that only read (an export's status, the
history) take the caller (``CurrentUser``) rather than a scope, which reads the user's
time zone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from assistant.api.fair import HeavyWork
from assistant.api.verifying import KeyLookups
from assistant.errors import Unauthorized
from assistant.files import LinkSigner
from assistant.files.links import link_base
from assistant.process import Assistant
from assistant.schedules.scheduler import Scheduler
from assistant.scope import UserScope
from assistant.settings import Settings
from assistant.store import KeyCache, KeyHolder, verify_key

__all__ = [
    "AppState",
    "Caller",
    "CurrentScope",
    "CurrentUser",
    "LinkMaker",
    "Links",
    "State",
    "app_state",
    "link_maker",
    "quick_read",
    "read",
]

T = TypeVar("T")


@dataclass(frozen=True)
class AppState:
    """The app's parts, built once by ``create_app``."""

    settings: Settings
    assistant: Assistant
    signer: LinkSigner
    scheduler: Scheduler
    heavy: HeavyWork  # heavy requests' own pool and per-user cap (assistant.api.fair)
    keys: KeyCache  # keys verified lately, trusted for ASSISTANT_KEY_CACHE_SECONDS
    reads: CapacityLimiter  # threads for the light routes' store reads (see read())
    loop_reads: Engine | None  # a SQLite file's reads on the event loop (see quick_read())
    lookups: KeyLookups[KeyHolder | None]  # keys being verified now, one lookup each


def app_state(request: Request) -> AppState:
    """The parts of the app serving ``request``."""
    state: AppState = request.app.state.parts
    return state


async def _state(request: Request) -> AppState:  # async: no thread hop for a lookup
    return app_state(request)


State = Annotated[AppState, Depends(_state)]


async def read(state: AppState, work: Callable[[], T]) -> T:
    """Run a short store read (a status, a history page) on a worker thread, at most
    ``state.reads`` at once: about as many as the store's pool keeps connections, so a
    burst of polls neither opens and closes spare connections nor holds threads
    waiting for one. The one thread hop of a light ``async`` route."""
    return await anyio.to_thread.run_sync(work, limiter=state.reads)


async def quick_read(state: AppState, work: Callable[[Connection], T]) -> T:
    """A read of a row or two (a status poll), on the event loop itself when the store is
    a SQLite file: one prepared SELECT there takes about 0.1 ms, less than handing it to
    a thread and back, and its connection is the loop's own, so it never waits for the
    pool. Should it meet a lock (WAL readers almost never do), or on PostgreSQL, where a
    read is a network round trip, it goes to a worker thread as :func:`read` does."""
    if state.loop_reads is not None:
        try:
            with state.loop_reads.connect() as connection:
                return work(connection)
        except OperationalError as exc:
            if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                raise

    def on_a_thread() -> T:
        with state.assistant.store_engine.connect() as connection:
            return work(connection)

    return await read(state, on_a_thread)


@dataclass(frozen=True)
class LinkMaker:
    """Signed download links, pointing at ``ASSISTANT_PUBLIC_URL`` or else at the host
    the request came to (so links work however the API is reached), found when the
    first link is made: most answers (an export still running) carry none."""

    signer: LinkSigner
    settings: Settings
    request: Request

    @functools.cached_property
    def base(self) -> str:
        return link_base(self.settings, str(self.request.base_url))[0]  # as emails, webhooks

    def download(self, export_id: str, sha256: str | None) -> str | None:
        """The signed link to an export's file (None until it has one)."""
        if sha256 is None:
            return None
        return f"{self.base}/d/{self.signer.sign(export_id, sha256)}"


def link_maker(request: Request) -> LinkMaker:
    """The links for answers to ``request``."""
    state = app_state(request)
    return LinkMaker(state.signer, state.settings, request)


async def _links(request: Request) -> LinkMaker:
    return link_maker(request)


Links = Annotated[LinkMaker, Depends(_links)]

_bearer = HTTPBearer(auto_error=False, description="an API key from `assistant users create`")


@dataclass(frozen=True)
class Caller:
    """The authenticated user."""

    id: int
    name: str


async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send your API key as `Authorization: Bearer <key>`.")
    state = app_state(request)
    key = credentials.credentials
    holder: KeyHolder | None = state.keys.holder(key)
    if holder is None:  # not verified lately: the store is asked (once), off the event loop
        sessions, keys = state.assistant.sessions, state.keys
        holder = await state.lookups.verify(key, lambda: verify_key(sessions, key, keys))
    if holder is None:
        raise Unauthorized(
            "That API key is not valid; create one with `python -m assistant users create NAME`."
        )
    return Caller(holder.user_id, holder.name)


CurrentUser = Annotated[Caller, Depends(_caller)]


def _scope(state: State, caller: CurrentUser) -> UserScope:
    """The caller's scope: their data, their zone, their export budget, no chat messages
    kept. Exports started under it spend the budget where they start
    (:meth:`UserScope.spend_export`), whichever route or chat message starts them."""
    return state.assistant.scope(caller.id)


CurrentScope = Annotated[UserScope, Depends(_scope)]
