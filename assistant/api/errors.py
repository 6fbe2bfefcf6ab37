"""One mapping from every error to the contract's shape and a fitting status.

``{"error": {"code": "snake_case_code", "message": "a sentence a person can act on"}}``
for the engine's typed errors, the exporter's, request validation, unknown routes and
methods, and (logged, without details) anything unexpected: a 5xx is a bug, except a 503
(with ``Retry-After``) when the store or the data source cannot be reached
(:mod:`assistant.api.faults`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant.api.faults import RETRY_AFTER_SECONDS, install_fault_handlers, internal_error
from assistant.api.limits import error_body
from assistant.errors import (
    AssistantError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    StoreError,
    TooManyRequests,
    Unauthorized,
    UserFacingError,
)
from exporters import (
    ExportCancelled,
    ExporterError,
    OptionError,
    QueryRejected,
    QueryTimeout,
    SourceError,
    SourceUnavailable,
    UnknownColumn,
)

__all__ = ["ErrorBody", "documented", "install_error_handlers"]

_STATUS: list[tuple[type[UserFacingError], int, str | None]] = [
    # (error, status, code when the error has none of its own), most specific first
    (Unauthorized, 401, None),
    (Forbidden, 403, None),
    (NotFound, 404, None),
    (Conflict, 409, None),
    (TooManyRequests, 429, None),
    (StoreError, 503, None),
    (InvalidInput, 400, None),
    (AssistantError, 422, None),  # ExportFailed, NothingToExport: understood, not doable
    (QueryRejected, 400, "query_rejected"),
    (OptionError, 400, "invalid_option"),
    (UnknownColumn, 400, "unknown_column"),
    (QueryTimeout, 408, "query_timeout"),
    (SourceUnavailable, 503, "source_unavailable"),
    (SourceError, 502, "source_unavailable"),
    (ExportCancelled, 409, "cancelled"),
    (ExporterError, 400, "bad_request"),
]

_TITLES = {
    400: "The request is wrong; the message says what to change.",
    401: "No valid API key: send `Authorization: Bearer <key>`.",
    403: "The link was tampered with or has expired.",
    404: "No such resource for this user (another user's id answers the same).",
    408: "The query took longer than the time limit.",
    409: "The resource's state does not allow this now.",
    413: "The request body is too large.",
    416: "The requested range is outside the file.",
    422: "A field or parameter is invalid, or the request cannot be done; the message says which.",
    429: "Too many requests; wait `Retry-After` seconds.",
    502: "The data source did not answer.",
    503: "The store or the data source cannot be reached; retry after `Retry-After` seconds.",
}


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["There is no export 'x1'. Check the id in your history."])


class ErrorBody(BaseModel):
    """Every error answer."""

    error: ErrorDetail


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's error statuses, each with the error shape, and
    the 503 any route may answer while the store or the source cannot be reached."""
    answers: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": _TITLES.get(status, "An error.")}
        for status in (*statuses, 503)  # every route reads the store, which may be away
    }
    answers[503]["headers"] = {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
    }
    return answers


def _answer(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def _for(exc: Exception) -> JSONResponse:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            headers = None
            if isinstance(exc, TooManyRequests):
                headers = {"Retry-After": str(max(1, round(exc.retry_after + 0.5)))}
            elif isinstance(exc, Unauthorized):
                headers = {"WWW-Authenticate": "Bearer"}
            elif status == 503:
                headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            own = exc.code if isinstance(exc, AssistantError) else "error"
            message = exc.message or str(exc)
            if isinstance(exc, SourceUnavailable):  # the core's words say what, not what to do
                message = f"The data source cannot be reached ({message}). Try again shortly."
            return _answer(status, code or own, message, headers)
    raise exc  # not ours: the catch-all below answers 500


async def _known(request: Request, exc: Exception) -> JSONResponse:
    return _for(exc)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return _answer(
            400,
            "malformed_json",
            "The body is not valid JSON (or not UTF-8): "
            f"{first.get('ctx', {}).get('error', 'check the syntax')}.",
        )
    problems = [_problem(error) for error in errors] or ["body: invalid value"]
    if len(problems) == 1:
        return _answer(422, "invalid_request", f"{problems[0]}.")
    listed = "; ".join(problems)
    return _answer(422, "invalid_request", f"{len(problems)} problems: {listed}.")


def _problem(error: Any) -> str:
    """One validation problem as ``field.path: message`` (``body`` for the whole body)."""
    loc = error.get("loc", ()) if isinstance(error, dict) else ()
    where = ".".join(str(part) for part in loc if part != "body") or "body"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {message.rstrip('.')}"


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        # FastAPI's bare 400: the body could not be decoded at all (routes raise typed
        # errors). The cause says why: bytes that are not UTF-8, or nesting too deep.
        reason = {UnicodeDecodeError: "it is not UTF-8", RecursionError: "it is nested too deeply"}
        why = reason.get(type(exc.__cause__), "it is not valid JSON")
        return _answer(
            400,
            "malformed_json",
            f"The body could not be read as JSON: {why}. Send a JSON object in UTF-8.",
        )
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
    message = {
        404: "There is no such route. See /docs for the API.",
        405: "This route does not take that method. See /docs.",
    }.get(exc.status_code, str(exc.detail))
    return _answer(
        exc.status_code, codes.get(exc.status_code, "http_error"), message, dict(exc.headers or {})
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Reached only from outside the app's middleware (faults.CatchAll answers the rest).
    return internal_error(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(AssistantError, _known)
    app.add_exception_handler(ExporterError, _known)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
    install_fault_handlers(app)
