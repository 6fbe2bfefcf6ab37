"""Request limits for the HTTP API: the request body size cap, and the contract's error body.

The rate limiters moved to the floor (:mod:`assistant.jobs.rates`), so every way an
export starts (API, chat, schedules run now) spends one per-user budget
(:class:`~assistant.jobs.budget.ExportBudget`); they are re-exported here for callers
that knew them by this name. Errors use the contract's shape (see `error_body`), so a
client sees the same `{"error": {"code", "message"}}` from these limits as from every route.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.jobs.rates import Limiter, RateLimiter, SharedRateLimiter

__all__ = ["BodySizeLimit", "Limiter", "RateLimiter", "SharedRateLimiter", "error_body"]


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The contract's error shape.

    >>> error_body("not_found", "No export has this id; list your exports.")
    {'error': {'code': 'not_found', 'message': 'No export has this id; list your exports.'}}
    """
    return {"error": {"code": code, "message": message}}


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
