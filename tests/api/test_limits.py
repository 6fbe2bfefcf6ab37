"""Tests for assistant.api.limits: RateLimiter and the BodySizeLimit middleware."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from assistant.api.limits import BodySizeLimit, RateLimiter, _BodyTooLarge, error_body


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- RateLimiter ---------------------------------------------------------------------------


def test_allows_exactly_limit_then_gives_retry_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 60.0, clock=clock)
    assert [limiter.hit("k") for _ in range(3)] == [None, None, None]
    assert limiter.hit("k") == pytest.approx(60.0)
    clock.now += 20.0
    assert limiter.hit("k") == pytest.approx(40.0)
    clock.now += 39.9
    retry = limiter.hit("k")
    assert retry is not None and retry == pytest.approx(0.1)
    # Waiting exactly the retry-after is enough.
    clock.now += retry
    assert limiter.hit("k") is None


def test_denied_hits_are_not_counted() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 10.0, clock=clock)
    assert limiter.hit("k") is None
    for _ in range(50):
        assert limiter.hit("k") is not None
    clock.now += 10.0
    assert limiter.hit("k") is None


def test_window_slides() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 60.0, clock=clock)
    assert limiter.hit("k") is None  # t=0
    clock.now += 30.0
    assert limiter.hit("k") is None  # t=30
    assert limiter.hit("k") == pytest.approx(30.0)
    clock.now += 30.0  # t=60: the first hit left the window, the second has not
    assert limiter.hit("k") is None
    assert limiter.hit("k") == pytest.approx(30.0)  # waits for the t=30 hit to leave
    clock.now += 30.0
    assert limiter.hit("k") is None


def test_keys_are_independent() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock)
    assert limiter.hit("alice") is None
    assert limiter.hit("alice") is not None
    assert limiter.hit("bob") is None
    assert limiter.hit("bob") is not None


def test_idle_keys_are_evicted() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 60.0, clock=clock)
    for user in range(1000):
        limiter.hit(f"user-{user}")
    assert len(limiter) == 1000
    clock.now += 61.0
    limiter.hit("newcomer")
    assert len(limiter) == 1


def test_recently_active_keys_survive_a_sweep() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock)
    limiter.hit("old")
    clock.now += 30.0
    limiter.hit("recent")
    clock.now += 31.0  # "old" idle for 61 s, "recent" for 31 s
    assert limiter.hit("other") is None
    assert len(limiter) == 2
    assert limiter.hit("recent") == pytest.approx(29.0)


def test_concurrent_hits_never_exceed_limit() -> None:
    limiter = RateLimiter(50, 3600.0)
    allowed: list[int] = []
    start = threading.Barrier(20)

    def worker() -> None:
        start.wait()
        count = sum(limiter.hit("shared") is None for _ in range(100))
        allowed.append(count)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 50


@pytest.mark.parametrize("limit", [0, -1, True, 1.5])
def test_limit_must_be_positive_int(limit: Any) -> None:
    with pytest.raises(ValueError, match="limit"):
        RateLimiter(limit)


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period"):
        RateLimiter(1, 0.0)


# --- BodySizeLimit -------------------------------------------------------------------------

LIMIT = 100


class Echo:
    """A tiny app answering len(body); records the bodies it managed to read."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def echo(self, request: Request) -> JSONResponse:
        body = await request.body()
        self.seen.append(len(body))
        return JSONResponse({"length": len(body)})

    def app(self, max_bytes: int = LIMIT) -> BodySizeLimit:
        routes = [Route("/echo", self.echo, methods=["GET", "POST"])]
        return BodySizeLimit(Starlette(routes=routes), max_bytes=max_bytes)


def call(app: Any, method: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, "/echo", **kwargs)

    return asyncio.run(go())


def chunks(sizes: list[int], pulled: list[int] | None = None) -> AsyncIterator[bytes]:
    async def generate() -> AsyncIterator[bytes]:
        for size in sizes:
            if pulled is not None:
                pulled.append(size)
            yield b"x" * size

    return generate()


def test_body_under_limit_passes() -> None:
    echo = Echo()
    response = call(echo.app(), "POST", content=b"x" * 10)
    assert response.status_code == 200
    assert response.json() == {"length": 10}


def test_body_exactly_at_limit_passes() -> None:
    echo = Echo()
    assert call(echo.app(), "POST", content=b"x" * LIMIT).json() == {"length": LIMIT}
    assert call(echo.app(), "POST", content=chunks([40, 60])).json() == {"length": LIMIT}


def test_content_length_over_limit_is_refused_before_the_app_runs() -> None:
    called: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        called.append(scope)

    response = call(BodySizeLimit(app, max_bytes=2**20), "POST", content=b"x" * (5 * 2**20))
    assert response.status_code == 413
    assert response.json() == error_body(
        "payload_too_large",
        "The request body is 5 MiB, over the 1 MiB limit; send at most 1 MiB.",
    )
    assert response.headers["connection"] == "close"
    assert called == []


def test_chunked_body_over_limit_is_refused_without_reading_the_rest() -> None:
    echo = Echo()
    pulled: list[int] = []
    response = call(echo.app(), "POST", content=chunks([40] * 10, pulled))
    assert response.status_code == 413
    body = response.json()
    assert body["error"]["code"] == "payload_too_large"
    assert "100 bytes" in body["error"]["message"]
    assert echo.seen == []  # the app never got the body
    assert sum(pulled) <= 120  # reading stopped at the chunk that passed the limit


def test_fastapi_body_errors_still_answer_413() -> None:
    # FastAPI turns any error while reading the body into a 400; the 413 must win.
    api = FastAPI()
    seen: list[object] = []

    @api.post("/echo")
    async def echo(payload: dict[str, str]) -> dict[str, int]:
        seen.append(payload)
        return {"keys": len(payload)}

    app = BodySizeLimit(api, max_bytes=LIMIT)
    json_type = {"content-type": "application/json"}
    response = call(app, "POST", content=chunks([60, 60]), headers=json_type)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert seen == []
    small = call(app, "POST", json={"a": "b"})
    assert small.status_code == 200 and small.json() == {"keys": 1}


def test_app_catching_the_overflow_cannot_answer_otherwise() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except Exception:
            pass
        await JSONResponse({"ok": True})(scope, receive, send)

    response = call(BodySizeLimit(app, max_bytes=LIMIT), "POST", content=chunks([80, 80]))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_overflow_after_response_started_is_not_hidden() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.body", "body": b"done"})

    # Too late for a 413: the error reaches the server, which drops the connection.
    with pytest.raises(_BodyTooLarge):
        call(BodySizeLimit(app, max_bytes=LIMIT), "POST", content=chunks([80, 80]))


@pytest.mark.parametrize("value", [b"abc", b"-1", b"+5", b"1.5", b"", b"5, 6", "５".encode()])
def test_malformed_content_length_is_a_bad_request(value: bytes) -> None:
    echo = Echo()

    async def go() -> list[Message]:
        sent: list[Message] = []
        scope: Scope = {
            "type": "http",
            "method": "POST",
            "path": "/echo",
            "headers": [(b"content-length", value)],
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        await echo.app()(scope, receive, send)
        return sent

    sent = asyncio.run(go())
    assert sent[0]["status"] == 400
    assert b'"code":"bad_request"' in sent[1]["body"]
    assert echo.seen == []


def test_repeated_equal_content_length_is_accepted() -> None:
    echo = Echo()
    response = call(echo.app(), "POST", content=b"abc", headers=[("content-length", "3, 3")])
    assert response.status_code == 200


def test_get_without_body_passes() -> None:
    echo = Echo()
    response = call(echo.app(), "GET")
    assert response.status_code == 200
    assert response.json() == {"length": 0}


def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        await receive()

    async def receive() -> Message:
        return {"type": "websocket.receive", "bytes": b"x" * 1000}

    async def send(message: Message) -> None:
        raise AssertionError("nothing should be sent")

    limited = BodySizeLimit(app, max_bytes=1)
    asyncio.run(limited({"type": "websocket", "headers": []}, receive, send))
    asyncio.run(limited({"type": "lifespan"}, receive, send))
    assert seen == ["websocket", "lifespan"]


def test_max_bytes_must_be_non_negative() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        pass

    with pytest.raises(ValueError, match="max_bytes"):
        BodySizeLimit(app, max_bytes=-1)
