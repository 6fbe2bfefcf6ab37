"""Webhook delivery against a real HTTP receiver on 127.0.0.1 (http.server in a thread).

The receiver checks every request with :func:`verify_signature`, as a customer's would.
Waits between attempts go through an injected ``sleep`` that only records them. The
receiver is private (loopback), so these sends allow 127.0.0.1 (:data:`LOCAL`); what is
refused without that allowance is ``test_outbound.py``'s subject.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from assistant.delivery import DeliveryFailed, send_webhook, verify_signature, webhook_payload
from assistant.delivery.outbound import OutboundPolicy
from assistant.delivery.webhook import UNREACHABLE, USER_AGENT, encode_body, sign
from assistant.errors import InvalidInput

SECRET = "whsec-test-Z"
EXPORT = {
    "id": "exp_1", "format": "xlsx", "status": "done", "rows_done": 1234, "rows_total": 1234,
    "bytes": 52_001, "sha256": "ab" * 32, "file_name": "orders-2026-11-16.xlsx",
    "created_at": "2026-11-16T08:00:00Z", "path": "/srv/var/exports/exp_1/orders.xlsx",
}  # fmt: skip
LINK = "https://assistant.example/d/TOKEN.abc"
NOW = 1_794_816_000.0  # Mon 16 Nov 2026, 08:00:00 UTC
LOCAL = OutboundPolicy.from_entries(["127.0.0.1"])  # ASSISTANT_OUTBOUND_ALLOW_HOSTS=127.0.0.1


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    genuine: bool
    status: int | None  # what the receiver answered (None: it never did)


@dataclass
class Script:
    """What the receiver answers, request by request; the last answer repeats."""

    answers: list[tuple[int, dict[str, str]]]
    hold_first: threading.Event | None = None  # the first request waits for this
    now: float | None = None  # the receiver's clock for verify_signature (None: real time)
    received: list[Received] = field(default_factory=list)

    def delivered(self) -> int:
        return sum(1 for r in self.received if r.status is not None and 200 <= r.status < 300)


class Receiver(BaseHTTPRequestHandler):
    script: Script  # set on a subclass per server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        genuine = verify_signature(
            body,
            self.headers.get("X-Assistant-Timestamp", ""),
            self.headers.get("X-Assistant-Signature", ""),
            SECRET,
            now=self.script.now,
        )
        script, headers_seen = self.script, dict(self.headers.items())
        if script.hold_first is not None and not script.received:
            script.received.append(Received(body, headers_seen, genuine, None))
            script.hold_first.wait(10)  # the client gives up long before
            return
        answers = script.answers
        status, headers = answers[min(len(script.received), len(answers) - 1)]
        if not genuine:
            status, headers = 401, {}
        script.received.append(Received(body, headers_seen, genuine, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the timeout test's client hangs up on purpose


@contextlib.contextmanager
def receiver(script: Script) -> Iterator[str]:
    """A webhook receiver on 127.0.0.1 for the ``with`` block; yields its URL."""
    handler = type("ScriptedReceiver", (Receiver,), {"script": script})
    server = QuietServer(("127.0.0.1", 0), handler)
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/exports?token=abc"
    finally:
        if script.hold_first is not None:
            script.hold_first.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


class Sleeps(list[float]):
    """A ``sleep`` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def payload() -> dict[str, Any]:
    return webhook_payload(EXPORT, LINK)


def test_a_receiver_that_fails_twice_gets_the_delivery_once() -> None:
    script = Script([(500, {}), (503, {}), (204, {})])
    sleeps = Sleeps()
    with receiver(script) as url:
        result = send_webhook(url, payload(), SECRET, policy=LOCAL, sleep=sleeps)

    assert (result.status, result.attempts) == (204, 3)
    assert [r.genuine for r in script.received] == [True, True, True]
    ids = {r.headers["X-Assistant-Delivery"] for r in script.received}
    assert ids == {result.delivery_id}  # one id on every retry: receivers dedupe on it
    assert [r.status for r in script.received] == [500, 503, 204]
    assert script.delivered() == 1
    assert sleeps == [0.5, 1.0]  # backoff × 2ⁿ

    first = script.received[0]
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["User-Agent"] == USER_AGENT
    assert first.body == encode_body(payload())  # sorted keys, compact, UTF-8
    assert b": " not in first.body and b", " not in first.body
    sent = json.loads(first.body)
    assert sent["event"] == "export.done" and sent["download_url"] == LINK
    assert sent["export"] == {k: v for k, v in EXPORT.items() if k != "path"}


def test_the_signature_covers_timestamp_and_body() -> None:
    script = Script([(200, {})], now=NOW + 5)
    with receiver(script) as url:
        send_webhook(url, payload(), SECRET, policy=LOCAL, clock=lambda: NOW)
    [got] = script.received
    assert got.genuine and got.headers["X-Assistant-Timestamp"] == "1794816000"
    # What a receiver in any language computes: HMAC-SHA256 of b"<timestamp>." + body.
    expected = hmac.new(SECRET.encode(), b"1794816000." + got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Assistant-Signature"] == f"sha256={expected}"


def test_a_stale_timestamp_is_refused_by_the_receiver() -> None:
    script = Script([(200, {})], now=NOW + 301)
    with receiver(script) as url, pytest.raises(DeliveryFailed) as failed:
        send_webhook(url, payload(), SECRET, policy=LOCAL, clock=lambda: NOW, sleep=Sleeps())
    assert [r.genuine for r in script.received] == [False] and failed.value.transient is False


def test_a_4xx_answer_is_not_retried() -> None:
    script = Script([(400, {})])
    sleeps = Sleeps()
    with receiver(script) as url, pytest.raises(DeliveryFailed) as failed:
        send_webhook(url, payload(), SECRET, policy=LOCAL, sleep=sleeps)
    assert len(script.received) == 1 and sleeps == []
    assert failed.value.transient is False and failed.value.code == "delivery_failed"
    assert "answered 400 Bad Request" in failed.value.message
    assert "token=abc" not in failed.value.message and "/hooks" not in failed.value.message


def test_a_wrong_secret_is_refused_by_the_receiver_and_not_retried() -> None:
    script = Script([(200, {})])
    with receiver(script) as url, pytest.raises(DeliveryFailed) as failed:
        send_webhook(url, payload(), "not-the-secret", policy=LOCAL, sleep=Sleeps())
    assert [r.genuine for r in script.received] == [False]
    assert failed.value.transient is False and "401" in failed.value.message


def test_a_timeout_is_retried() -> None:
    script = Script([(200, {})], hold_first=threading.Event())
    sleeps = Sleeps()
    with receiver(script) as url:
        result = send_webhook(url, payload(), SECRET, policy=LOCAL, timeout=0.3, sleep=sleeps)
    assert (result.status, result.attempts) == (200, 2) and sleeps == [0.5]
    assert len({r.headers["X-Assistant-Delivery"] for r in script.received}) == 1


def test_retry_after_is_honoured_and_capped() -> None:
    script = Script([(429, {"Retry-After": "7"}), (503, {"Retry-After": "3600"}), (200, {})])
    sleeps = Sleeps()
    with receiver(script) as url:
        result = send_webhook(url, payload(), SECRET, policy=LOCAL, sleep=sleeps, max_delay=60)
    assert result.attempts == 3 and sleeps == [7.0, 60.0]


def test_retry_after_as_an_http_date() -> None:
    script = Script([(503, {"Retry-After": "Mon, 16 Nov 2026 08:00:12 GMT"}), (200, {})], now=NOW)
    sleeps = Sleeps()
    with receiver(script) as url:
        result = send_webhook(url, payload(), SECRET, policy=LOCAL, sleep=sleeps, clock=lambda: NOW)
    assert result.attempts == 2 and sleeps == [12.0]  # NOW is 08:00:00 that day


def test_giving_up_after_the_last_attempt_is_transient() -> None:
    script = Script([(502, {})])
    sleeps = Sleeps()
    with receiver(script) as url, pytest.raises(DeliveryFailed) as failed:
        send_webhook(url, payload(), SECRET, policy=LOCAL, attempts=4, backoff=0.25, sleep=sleeps)
    assert len(script.received) == 4 and sleeps == [0.25, 0.5, 1.0]
    assert failed.value.transient is True
    assert "answered 502 Bad Gateway (tried 4 times)" in failed.value.message


def test_an_unreachable_receiver_is_retried_then_transient() -> None:
    with receiver(Script([(200, {})])) as url:
        pass  # now closed: nothing listens on that port
    sleeps = Sleeps()
    with pytest.raises(DeliveryFailed) as failed:
        send_webhook(url, payload(), SECRET, policy=LOCAL, sleep=sleeps, timeout=2)
    assert failed.value.transient is True and sleeps == [0.5, 1.0]
    assert failed.value.message == UNREACHABLE  # no port, no "connection refused"


def test_a_given_client_is_used_and_left_open(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert (host, port) == ("hooks.example", 443)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        result = send_webhook("https://hooks.example/x", {"a": 1}, SECRET, client=client)
        assert not client.is_closed
    assert result.status == 202 and len(seen) == 1 and seen[0].content == b'{"a":1}'
    # Sent to the address checked, named as the URL names it (Host and TLS SNI).
    assert str(seen[0].url) == "https://93.184.215.14/x"
    assert seen[0].headers["Host"] == "hooks.example"
    assert seen[0].extensions["sni_hostname"] == "hooks.example"


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example/x", "file:///etc/passwd", "hooks.example/x", "http://", ""]
)
def test_only_http_urls_are_accepted(url: str) -> None:
    with pytest.raises(InvalidInput, match="http:// or https://"):
        send_webhook(url, payload(), SECRET, policy=LOCAL, sleep=Sleeps())


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(InvalidInput, match="secret"):
        send_webhook("https://hooks.example/x", payload(), "", sleep=Sleeps())


# --- verify_signature -----------------------------------------------------------------

BODY = encode_body(webhook_payload(EXPORT, LINK))
STAMP = str(int(NOW))


def test_verify_signature_accepts_the_genuine_request() -> None:
    assert verify_signature(BODY, STAMP, sign(BODY, STAMP, SECRET), SECRET, now=NOW + 299)


@pytest.mark.parametrize(
    ("body", "stamp", "header", "secret", "now"),
    [
        (BODY.replace(b"1234", b"1235"), STAMP, sign(BODY, STAMP, SECRET), SECRET, NOW),
        (BODY, str(int(NOW) + 1), sign(BODY, STAMP, SECRET), SECRET, NOW),  # another time
        (BODY, STAMP, sign(BODY, STAMP, SECRET), SECRET, NOW + 301),  # too old: a replay
        (BODY, STAMP, sign(BODY, STAMP, SECRET), SECRET, NOW - 301),  # from the future
        (BODY, STAMP, sign(BODY, STAMP, "other"), SECRET, NOW),
        (BODY, STAMP, sign(BODY, STAMP, SECRET).removeprefix("sha256="), SECRET, NOW),
        (BODY, STAMP, "sha256=", SECRET, NOW),
        (BODY, STAMP, "sha256=ünïcode", SECRET, NOW),
        (BODY, "", sign(BODY, STAMP, SECRET), SECRET, NOW),
        (BODY, "1e9", sign(BODY, STAMP, SECRET), SECRET, NOW),
        (BODY, "9" * 5000, sign(BODY, STAMP, SECRET), SECRET, NOW),
        (BODY, STAMP, sign(BODY, STAMP, ""), "", NOW),
    ],
)
def test_verify_signature_refuses(
    body: bytes, stamp: str, header: str, secret: str, now: float
) -> None:
    assert verify_signature(body, stamp, header, secret, now=now) is False
