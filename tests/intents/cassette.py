"""Recorded exchanges with a real model, replayed offline to check the wire format.

A cassette (``tests/intents/cassettes/<session>.json``) is one session of calls through
one :class:`~intents.toolcall.LLM` seam, as ``make llm-check`` recorded it against a real
local OpenAI-compatible server (``tests/intents/llm_check.py``): what the server and the
model were, and for each call its input, every HTTP request our client sent with the
server's response exactly as it came, and what our code made of it.

Replaying (``tests/intents/test_cassettes.py``) runs the same calls through the real
``openai`` client over :class:`Replay`, an ``httpx`` transport that answers each request
with the recorded response after checking that the request still has the recorded wire
shape (:func:`wire`: the body's keys, the model, ``tool_choice``, the tools' names and
schemas without their descriptions, the roles and the user's words). Prompts and
descriptions may change without a new recording; a new field, a changed enum or a
different ``tool_choice`` may not: re-record with ``make llm-check``.

The sessions recorded are in :data:`SESSIONS`; a replay takes its inputs from the
cassette, never from there, so a cassette stays valid until the wire changes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from assistant.questions.llm import write_sql
from assistant.source.schema import Column, Schema, Table
from intents.context import Context
from intents.llm import parse_llm
from intents.models import ExportRequest, Intent
from intents.toolcall import LLM

__all__ = [
    "CASSETTES",
    "FALLBACK",
    "SESSIONS",
    "Recorder",
    "Replay",
    "Session",
    "load",
    "run_call",
    "wire",
]

CASSETTES = Path(__file__).parent / "cassettes"

#: The model names the recording server answers to (llama-cpp-python's model aliases).
FUNCTION_CALLING = "smollm2-135m-chatml-function-calling"
CHAT_TEMPLATE = "smollm2-135m-chat-template"

#: The rules' answer stands in as a fixed request: a replay must not depend on the rules.
FALLBACK = ExportRequest(intent=Intent.UNKNOWN)
NOW = "2026-11-18T15:30:00"  # a Wednesday
ZONE = "Europe/Berlin"

MESSAGES = (
    "export this as a spreadsheet",
    "show me orders from Berlin",
    "email me this as a PDF every Monday at 9am",
    "csv or excel, whatever",
    "hi there!",
)
QUESTIONS = (
    "how many orders are there?",
    "revenue per status",
    "which country has the most customers?",
)
#: The source the SQL writer is told about, as a cassette stores it.
TABLES = {
    "orders": [
        ["id", "INTEGER", "integer"],
        ["customer_id", "INTEGER", "integer"],
        ["status", "TEXT", "text"],
        ["total", "DECIMAL(12,2)", "decimal"],
        ["created_at", "DATETIME", "datetime"],
    ],
    "customers": [
        ["id", "INTEGER", "integer"],
        ["name", "TEXT", "text"],
        ["country", "TEXT", "text"],
    ],
}


@dataclass(frozen=True)
class Session:
    """Calls recorded through one seam: ``task`` is ``"intents"`` (:func:`parse_llm`) or
    ``"sql"`` (the SQL writer's ``run_query``), asked of the model called ``model``."""

    name: str
    task: str
    model: str
    inputs: tuple[str, ...]

    def calls(self) -> list[dict[str, Any]]:
        """Each call's input, as the cassette stores it."""
        if self.task == "intents":
            return [{"message": text, "now": NOW, "tz": ZONE} for text in self.inputs]
        return [
            {"question": text, "now": NOW, "tz": ZONE, "dialect": "sqlite", "tables": TABLES}
            for text in self.inputs
        ]


SESSIONS = (
    Session("intents-function-calling", "intents", FUNCTION_CALLING, MESSAGES),
    Session("sqlwriter-function-calling", "sql", FUNCTION_CALLING, QUESTIONS),
    Session("intents-chat-template", "intents", CHAT_TEMPLATE, MESSAGES[:2]),
)


def run_call(task: str, call: dict[str, Any], llm: LLM) -> dict[str, Any]:
    """One recorded call through ``llm``: what our code made of the model's answer."""
    if task == "intents":
        context = Context.at(call["now"], call["tz"])
        outcome = parse_llm(call["message"], context, FALLBACK, llm)
        return {
            "used_llm": outcome.used_llm,
            "reason": outcome.reason,
            "intent": outcome.request.intent.value,
            "request": outcome.request.contract_json(),
        }
    schema = Schema(
        tuple(
            Table(name, tuple(Column(*column) for column in columns))
            for name, columns in call["tables"].items()
        )
    )
    now = dt.datetime.fromisoformat(call["now"]).replace(tzinfo=ZoneInfo(call["tz"]))
    with _reasons("assistant.questions.llm") as reasons:
        written = write_sql(call["question"], schema, call["dialect"], now, llm)
    if written is None:
        return {"sql": None, "title": None, "reason": reasons[-1] if reasons else None}
    return {"sql": written.sql, "title": written.title, "reason": None}


@contextmanager
def _reasons(name: str) -> Iterator[list[str]]:
    """The reasons ``name``'s logger gives for not using the LLM's answer."""
    reasons: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING and isinstance(record.args, tuple) and record.args:
                reasons.append(str(record.args[-1]))  # "...falling back...: %s", reason

    logger = logging.getLogger(name)
    handler = Keep()
    logger.addHandler(handler)
    try:
        yield reasons
    finally:
        logger.removeHandler(handler)


# --- the wire ---------------------------------------------------------------------------


def wire(body: dict[str, Any]) -> dict[str, Any]:
    """What of a chat completion request must not change without a new recording."""
    return {
        "keys": sorted(body),
        "model": body.get("model"),
        "tool_choice": body.get("tool_choice"),
        "tools": [
            {
                "type": tool.get("type"),
                "name": tool["function"]["name"],
                "strict": tool["function"].get("strict"),
                "parameters": _shape(tool["function"].get("parameters")),
            }
            for tool in body.get("tools", ())
        ],
        "roles": [message["role"] for message in body.get("messages", ())],
        "user": [m["content"] for m in body.get("messages", ()) if m["role"] == "user"],
    }


def _shape(node: Any) -> Any:
    """A schema without its descriptions (property names kept, even "description")."""
    if isinstance(node, dict):
        return {
            key: ({name: _shape(value) for name, value in child.items()})
            if key == "properties"
            else _shape(child)
            for key, child in node.items()
            if key != "description"
        }
    if isinstance(node, list):
        return [_shape(child) for child in node]
    return node


def _exchange(request: httpx.Request, response: httpx.Response, seconds: float) -> dict[str, Any]:
    try:
        body: Any = response.json()
        kind = "json"
    except ValueError:
        body, kind = response.text, "text"
    return {
        "request": {
            "method": request.method,
            "path": request.url.path,
            "body": json.loads(request.content) if request.content else None,
        },
        "response": {
            "status": response.status_code,
            "content_type": response.headers.get("content-type"),
            kind: body,
        },
        "seconds": round(seconds, 2),
    }


class Recorder(httpx.BaseTransport):
    """Passes each request to the real server and keeps it with the response, as sent."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        response = self.inner.handle_request(request)
        content = response.read()
        response.close()
        copy = httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )
        self.exchanges.append(_exchange(request, copy, time.monotonic() - started))
        return copy

    def take(self) -> list[dict[str, Any]]:
        """The exchanges since the last call."""
        taken, self.exchanges = self.exchanges, []
        return taken

    def close(self) -> None:
        self.inner.close()


class Replay(httpx.BaseTransport):
    """Answers with recorded responses, in order, noting every request that has strayed
    from its recording (an assertion raised here would reach the test only as a
    "connection failed" reason)."""

    def __init__(self, exchanges: list[dict[str, Any]]) -> None:
        self.pending = deque(exchanges)
        self.strayed: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content) if request.content else None
        if not self.pending:
            self.strayed.append(f"a request the recording does not have: {wire(sent or {})}")
            return httpx.Response(599, json={"error": {"message": "not recorded"}})
        recorded = self.pending.popleft()
        expected = recorded["request"]
        if (request.method, request.url.path) != (expected["method"], expected["path"]):
            self.strayed.append(f"{request.method} {request.url.path} instead of {expected}")
        elif wire(sent or {}) != wire(expected["body"] or {}):
            self.strayed.append(_difference(wire(sent or {}), wire(expected["body"] or {})))
        answer = recorded["response"]
        headers = {"content-type": answer["content_type"]} if answer["content_type"] else {}
        content = json.dumps(answer["json"]) if "json" in answer else answer["text"]
        return httpx.Response(answer["status"], headers=headers, content=content.encode())


def _difference(sent: dict[str, Any], recorded: dict[str, Any]) -> str:
    keys = [key for key in recorded if sent.get(key) != recorded.get(key)]
    parts = [f"{key}: sent {sent.get(key)!r}, recorded {recorded.get(key)!r}" for key in keys]
    return "the request strayed from its recording (re-record with `make llm-check`): " + (
        "; ".join(parts)
    )


def load(path: Path) -> dict[str, Any]:
    """A cassette."""
    cassette: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return cassette
