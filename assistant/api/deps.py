"""What routes depend on: the process's assistant, the caller, their scope.

Everything comes from ``request.app.state`` (set by :func:`assistant.api.app.create_app`),
never from module globals, so two apps with different settings can live side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.fair import HeavyWork
from assistant.errors import Unauthorized
from assistant.files import LinkSigner
from assistant.files.links import link_base
from assistant.process import Assistant
from assistant.schedules.scheduler import Scheduler
from assistant.scope import UserScope
from assistant.settings import Settings
from assistant.store import user_for_key

__all__ = [
    "AppState",
    "Caller",
    "CurrentScope",
    "CurrentUser",
    "LinkMaker",
    "Links",
    "State",
]


@dataclass(frozen=True)
class AppState:
    """The app's parts, built once by ``create_app``."""

    settings: Settings
    assistant: Assistant
    signer: LinkSigner
    scheduler: Scheduler
    heavy: HeavyWork  # heavy requests' own pool and per-user cap (assistant.api.fair)


async def _state(request: Request) -> AppState:  # async: no thread hop for a lookup
    state: AppState = request.app.state.parts
    return state


State = Annotated[AppState, Depends(_state)]


@dataclass(frozen=True)
class LinkMaker:
    """Signed download links, pointing at ``ASSISTANT_PUBLIC_URL`` or else at the host
    the request came to (so links work however the API is reached)."""

    signer: LinkSigner
    base: str

    def download(self, export_id: str, sha256: str | None) -> str | None:
        """The signed link to an export's file (None until it has one)."""
        if sha256 is None:
            return None
        return f"{self.base}/d/{self.signer.sign(export_id, sha256)}"


async def _links(state: State, request: Request) -> LinkMaker:
    base, _ = link_base(state.settings, str(request.base_url))  # as emails and webhooks
    return LinkMaker(state.signer, base)


Links = Annotated[LinkMaker, Depends(_links)]

_bearer = HTTPBearer(auto_error=False, description="an API key from `assistant users create`")


@dataclass(frozen=True)
class Caller:
    """The authenticated user."""

    id: int
    name: str


def _caller(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send your API key as `Authorization: Bearer <key>`.")
    with state.assistant.sessions.begin() as session:
        user = user_for_key(session, credentials.credentials)
        if user is None:
            raise Unauthorized(
                "That API key is not valid; create one with "
                "`python -m assistant users create NAME`."
            )
        return Caller(user.id, user.name)


CurrentUser = Annotated[Caller, Depends(_caller)]


def _scope(state: State, caller: CurrentUser) -> UserScope:
    """The caller's scope: their data, their zone, their export budget, no chat messages
    kept. Exports started under it spend the budget where they start
    (:meth:`UserScope.spend_export`), whichever route or chat message starts them."""
    return state.assistant.scope(caller.id)


CurrentScope = Annotated[UserScope, Depends(_scope)]
