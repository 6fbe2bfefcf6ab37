"""Faults that are no request's doing, answered so the client can act and the connection lives.

- The store's database cannot be reached (SQLAlchemy's ``OperationalError`` and
  ``InterfaceError``, a connection found dead, the pool timing out): 503
  ``store_unavailable`` with ``Retry-After``. PostgreSQL restarting, the database dropped,
  the SQLite file unreadable or locked for longer than the busy timeout all land here; the
  client's request was fine and may simply be sent again.
- Any other exception: 500 ``internal_error``, logged with its traceback (a bug).

Why :class:`CatchAll` exists: Starlette gives a handler for ``Exception`` to its outermost
``ServerErrorMiddleware``, which sends that handler's response and then re-raises; uvicorn
sees the exception and closes the connection, so a keep-alive client's next request is
reset. ``CatchAll`` sits inside it (a user middleware) and answers without re-raising.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.limits import error_body
from assistant.source.schema import first_line

__all__ = ["RETRY_AFTER_SECONDS", "CatchAll", "install_fault_handlers", "unavailable"]

_log = logging.getLogger(__name__)

#: What a 503 asks the client to wait before sending the request again.
RETRY_AFTER_SECONDS = 5

_STORE_DOWN = (
    "The assistant's store cannot be reached right now; nothing was changed. "
    "Try again in a few seconds."
)
_BUG = (
    "Something went wrong on our side; it was logged. "
    "Try again, and report it if it keeps happening."
)


def unavailable(code: str, message: str) -> JSONResponse:
    """A 503 with the contract's body and ``Retry-After``."""
    return JSONResponse(
        error_body(code, message),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def store_down(exc: BaseException) -> bool:
    """Whether ``exc`` says the store's database cannot be reached (not that a statement
    was wrong: an IntegrityError or a ProgrammingError stays a bug)."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def internal_error(request: Request | None, exc: BaseException) -> JSONResponse:
    """The 500 for a bug, logged with its traceback and the route it happened on."""
    where = f"{request.method} {request.url.path}" if request is not None else "a request"
    _log.error("unexpected error on %s", where, exc_info=exc)
    return JSONResponse(error_body("internal_error", _BUG), status_code=500)


async def _database(request: Request, exc: Exception) -> JSONResponse:
    if store_down(exc):
        _log.warning(
            "the store is unreachable on %s %s: %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            first_line(getattr(exc, "orig", None) or exc),
        )
        return unavailable("store_unavailable", _STORE_DOWN)
    return internal_error(request, exc)


class CatchAll:
    """Pure ASGI middleware: an exception escaping the app before its response started is
    answered here (503 for an unreachable store, else a logged 500), not re-raised."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:  # half a response is out: only dropping the connection is honest
                raise
            if store_down(exc):
                response = unavailable("store_unavailable", _STORE_DOWN)
            else:
                response = internal_error(Request(scope), exc)
            await response(scope, receive, send)


def install_fault_handlers(app: FastAPI) -> None:
    """Answer store faults with 503 and let nothing unexpected reach the server."""
    for kind in (DBAPIError, DisconnectionError, PoolTimeout):
        app.add_exception_handler(kind, _database)
    app.add_middleware(CatchAll)  # the last added is the outermost of ours
