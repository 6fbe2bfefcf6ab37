"""A tiny local OpenAI-compatible server: scripted replies, recorded requests.

Tests point the real ``openai`` client at it (``base_url=server.base_url``) so the whole
HTTP path runs: request encoding, status handling, timeouts and response parsing. Each
request takes the next scripted :class:`Reply` (a 500 when the script is empty) and is
recorded with its path, headers and JSON body.

    with OpenAIServer() as server:
        server.script(Reply(body=completion(tool_call("run_query", {"query": "orders"}))))
        client = openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0)
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = [
    "OpenAIServer",
    "Recorded",
    "Reply",
    "completion",
    "error",
    "tool_call",
]


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP answer, sent after ``delay`` seconds (cut short by shutdown)."""

    body: dict[str, Any]
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any


def tool_call(
    name: str, arguments: dict[str, Any] | str, call_id: str = "call_1"
) -> dict[str, Any]:
    """A function tool call; ``arguments`` as a dict is JSON-encoded, a str is sent as is."""
    encoded = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": encoded}}


def completion(
    *calls: dict[str, Any], content: str | None = None, refusal: str | None = None
) -> dict[str, Any]:
    """A ``chat.completion`` object as OpenAI sends it."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": refusal,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = list(calls)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_763_479_800,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 812,
            "completion_tokens": 41,
            "total_tokens": 853,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_test",
    }


def error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """OpenAI's error body."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class OpenAIServer:
    """Serves scripted replies on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def reset(self) -> None:
        """Forget recorded requests and unused replies (one server, many tests)."""
        with self._lock:
            self.requests.clear()
            self._replies.clear()

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._replies:
                return self._replies.popleft()
        return Reply(error("no scripted reply", "server_error"), status=500)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                headers = {name.lower(): value for name, value in self.headers.items()}
                recorded = Recorded(self.command, self.path, headers, body)
                reply = server._next(recorded)
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to tell it

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler
