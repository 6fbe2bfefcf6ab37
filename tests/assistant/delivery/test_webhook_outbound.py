"""Webhook sends that must not turn inward, against a real listener on 127.0.0.1.

The listener (http.server in a thread) records every request it gets; every connection
the process opens is recorded too (``connections``). A private address is refused
before anything connects; names resolve through a stub of :func:`socket.getaddrinfo`
(IP literals, which httpcore also passes through it, still resolve for real).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from assistant.delivery import (
    UNREACHABLE,
    DeliveryFailed,
    OutboundPolicy,
    check_outbound_url,
    send_webhook,
)
from tests.assistant.delivery.test_outbound import LOOPBACK_SPELLINGS, PRIVATE_RANGES, answers

SECRET = "whsec-test-Z"
REFUSED = "Webhooks may only go to public addresses; {} is a private address."


@dataclass
class Listener:
    """What the listener answers (status and headers, the same every time) and got."""

    port: int = 0
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    got: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


class Recorder(BaseHTTPRequestHandler):
    listener: Listener

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.listener.got.append((self.command, self.path, dict(self.headers.items())))
        self.send_response(self.listener.status)
        for name, value in self.listener.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def listening(host: str = "127.0.0.1", **answer: Any) -> Iterator[Listener]:
    listener = Listener(**answer)
    handler = type("Recording", (Recorder,), {"listener": listener})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    listener.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    with listening() as running:
        yield running


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (host, port) a connection was opened to (httpcore's sync backend)."""
    opened: list[tuple[str, int]] = []
    create = socket.create_connection

    def spy(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address)
        return create(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    return opened


Resolver = Callable[[dict[str, list[list[str]]]], list[str]]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    """Scripted answers per name (the next list each lookup, the last repeats); literals
    resolve for real, other names not at all. Returns the names looked up."""
    real = socket.getaddrinfo

    def install(scripted: dict[str, list[list[str]]]) -> list[str]:
        asked: list[str] = []

        def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
            with contextlib.suppress(OSError):
                socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
                return real(host, port, *args, **kwargs)  # an address, not a name
            asked.append(host)
            if host not in scripted:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            script = scripted[host]
            return answers(*(script.pop(0) if len(script) > 1 else script[0]))

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return asked

    return install


def send(url: str, policy: OutboundPolicy | None = None, **options: Any) -> Any:
    options = {"sleep": lambda seconds: None, "timeout": 2.0, **options}
    return send_webhook(url, {"event": "export.done"}, SECRET, policy=policy, **options)


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + PRIVATE_RANGES)
def test_no_private_spelling_reaches_anything(
    host: str, listener: Listener, connections: list[tuple[str, int]], resolver: Resolver
) -> None:
    resolver({})
    with pytest.raises(DeliveryFailed) as refused:
        send(f"http://{host}:{listener.port}/hook?token=abc")
    assert refused.value.transient is False  # the same URL would be refused again
    assert refused.value.message == REFUSED.format(host.lower().strip("[]").removesuffix("."))
    assert connections == [] and listener.got == []


def test_a_public_name_resolving_to_loopback_reaches_nothing(
    listener: Listener, connections: list[tuple[str, int]], resolver: Resolver
) -> None:
    resolver({"hooks.example": [["127.0.0.1"]]})
    with pytest.raises(DeliveryFailed, match=r"hooks\.example is a private address"):
        send(f"http://hooks.example:{listener.port}/hook")
    assert connections == [] and listener.got == []


def test_dns_rebinding_between_storing_and_sending_is_refused(
    listener: Listener, connections: list[tuple[str, int]], resolver: Resolver
) -> None:
    url = f"http://rebind.example:{listener.port}/hook"
    asked = resolver({"rebind.example": [["93.184.215.14"], ["127.0.0.1"]]})
    check_outbound_url(url, OutboundPolicy())  # stored: the first answer was public
    with pytest.raises(DeliveryFailed, match=r"rebind\.example is a private address"):
        send(url)  # sent: the second answer is private
    assert asked == ["rebind.example", "rebind.example"]
    assert connections == [] and listener.got == []


def test_the_connection_goes_to_the_address_checked_never_resolved_again(
    listener: Listener, connections: list[tuple[str, int]], resolver: Resolver
) -> None:
    # 127.0.0.1 is allowed, 127.0.0.2 is not: were the name resolved again to connect,
    # the later answers would take the request to 127.0.0.2.
    asked = resolver({"rebind.example": [["127.0.0.1"], ["127.0.0.2"]]})
    policy = OutboundPolicy.from_entries(["127.0.0.1"])
    result = send(f"http://rebind.example:{listener.port}/hook", policy)
    assert result.status == 204 and asked == ["rebind.example"]
    assert connections == [("127.0.0.1", listener.port)]
    ((method, path, headers),) = listener.got
    assert (method, path) == ("POST", "/hook")
    assert headers["Host"] == f"rebind.example:{listener.port}"


def test_each_address_of_a_name_is_tried_in_turn(
    listener: Listener, connections: list[tuple[str, int]], resolver: Resolver
) -> None:
    # Nothing listens on 127.0.0.2 at that port: refused, the next answer is tried.
    resolver({"hooks.intranet": [["127.0.0.2", "127.0.0.1"]]})
    policy = OutboundPolicy.from_entries(["hooks.intranet"])
    result = send(f"http://hooks.intranet:{listener.port}/x", policy)
    assert result.status == 204 and len(listener.got) == 1
    assert connections == [("127.0.0.2", listener.port), ("127.0.0.1", listener.port)]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_a_private_address_is_not_followed(
    status: int, connections: list[tuple[str, int]]
) -> None:
    with listening("127.0.0.2") as inside:
        location = f"http://127.0.0.2:{inside.port}/admin"
        with listening(status=status, headers={"Location": location}) as allowed:
            policy = OutboundPolicy.from_entries(["127.0.0.1"])
            # Even a client that would follow redirects does not, here.
            with (
                httpx.Client(follow_redirects=True) as client,
                pytest.raises(DeliveryFailed) as sent,
            ):
                send(f"http://127.0.0.1:{allowed.port}/hook", policy, client=client)
    assert sent.value.transient is False and "redirects are not followed" in sent.value.message
    assert len(allowed.got) == 1 and inside.got == []
    assert connections == [("127.0.0.1", allowed.port)]


def test_the_allowance_lets_exactly_the_named_host_through(
    listener: Listener, connections: list[tuple[str, int]], resolver: Resolver
) -> None:
    resolver({"hooks.intranet": [["127.0.0.1"]], "other.intranet": [["127.0.0.1"]]})
    policy = OutboundPolicy.from_entries(["hooks.intranet"])
    assert send(f"http://hooks.intranet:{listener.port}/in", policy).status == 204
    for url in (
        f"http://other.intranet:{listener.port}/out",
        f"http://127.0.0.1:{listener.port}/out",
        f"http://localhost:{listener.port}/out",
    ):
        with pytest.raises(DeliveryFailed, match="is a private address"):
            send(url, policy)
    assert [(m, p) for m, p, _ in listener.got] == [("POST", "/in")]
    assert connections == [("127.0.0.1", listener.port)]


class Silent:
    """A TCP listener that accepts and then either says nothing or hangs up at once."""

    def __init__(self, hang_up: bool) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.hang_up = hang_up
        self.accepted: list[socket.socket] = []  # kept open, so they stay silent
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                if self.hang_up:
                    conn.close()
                else:
                    self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.mark.parametrize("kind", ["closed port", "timeout", "hang-up", "no such name"])
def test_every_network_failure_says_the_same(
    kind: str, resolver: Resolver, caplog: pytest.LogCaptureFixture
) -> None:
    resolver({})
    policy = OutboundPolicy.from_entries(["127.0.0.1"])
    silent = Silent(hang_up=kind == "hang-up")
    port = silent.port
    if kind == "closed port":
        silent.close()
    url = f"http://127.0.0.1:{port}/hook?token=abc"
    if kind == "no such name":
        url = f"http://nowhere.example:{port}/hook"
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(DeliveryFailed) as failed:
            send(url, policy, timeout=0.3, attempts=2)
    finally:
        silent.close()
    assert failed.value.message == UNREACHABLE and failed.value.transient is True
    assert str(port) not in failed.value.message
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "could not be reached" in logged and "attempt 2/2" in logged  # details: the log
