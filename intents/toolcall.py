"""The one way to an LLM: messages out, one validated tool call back, or why not.

Every LLM path (reading a chat message in :mod:`intents.llm`, writing SQL in
``assistant.questions.llm``) goes through :func:`call_tool`: it sends the messages with
the tools the model may call (``tool_choice="required"``), and returns the arguments of
the call the model made, validated by that tool's pydantic model (:class:`Called`), or a
:class:`Failed` with the reason. It never raises: a missing key, a refused connection, an
HTTP error (its status and the server's message), a timeout, a refusal, no tool call, an
unknown tool, arguments that do not validate, calls that disagree, or anything unexpected
all become a reason.

Not every OpenAI-compatible server takes ``tool_choice="required"``: llama-cpp-python's
answers HTTP 500 with an empty message, others 400 or 422 naming ``tool_choice``. When a
request with it gets such an answer (:func:`refuses_choice`), the same request is sent
once more with the next best choice (:func:`fallback_choice`: the one tool by name, which a
grammar-constrained server enforces, or ``"auto"`` among several); if the server takes
that, the seam remembers it and later calls send the fallback at once. A server that
fails both ways is not marked: its reason names both answers.

:class:`LLM` is the seam a process builds once and passes down: the settings
(:class:`LLMConfig`), a client made on first use (or the one a test injects) and what
the server was found to refuse. Importing ``openai`` takes ~0.4 s, so only a call that
asks the model imports it.

    >>> llm = LLM(LLMConfig(api_key=None))
    >>> call_tool(llm, [{"role": "user", "content": "hi"}], [], what="greeting")
    Failed(reason='no API key configured (OPENAI_API_KEY)')
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from intents.tools import Tool, strict_schema

if TYPE_CHECKING:  # openai takes ~0.4 s to import: only a call that asks the LLM pays it
    import openai
    from openai.types.chat import (
        ChatCompletion,
        ChatCompletionFunctionToolParam,
        ChatCompletionMessageParam,
        ChatCompletionToolChoiceOptionParam,
    )

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_TIMEOUT",
    "LLM",
    "NO_KEY",
    "OPENAI_URL",
    "REFUSALS",
    "Called",
    "Failed",
    "LLMConfig",
    "call_tool",
    "fallback_choice",
    "invalid_arguments",
    "make_client",
    "refuses_choice",
    "tool_param",
]

A = TypeVar("A", bound=BaseModel)

logger = logging.getLogger("intents.toolcall")

DEFAULT_MODEL = "gpt-4o-mini"
#: Seconds to wait for an answer. A hosted model answers in a few; a local one on a CPU
#: spends most of its time reading the prompt (~3,500 tokens with the intent tools): the
#: 135M-parameter SmolLM2 on 2 cores took up to 106 s for a first call (``make llm-check``).
DEFAULT_TIMEOUT = 120.0
#: Where the LLM is when no base URL is configured (named here: the ``openai`` client
#: would otherwise read ``OPENAI_BASE_URL`` itself, behind the config's back).
OPENAI_URL = "https://api.openai.com/v1"
#: The reason given when no key is configured: no request is sent.
NO_KEY = "no API key configured (OPENAI_API_KEY)"
#: The HTTP statuses with which servers refuse a ``tool_choice`` they do not support
#: (llama-cpp-python: 500 with an empty message; vLLM and others: 400; a strict request
#: model: 422; 501 where it is said plainly). Auth, rate limits and overload are not.
REFUSALS = frozenset({400, 422, 500, 501})
_NAMES_THE_CHOICE = ("tool_choice", "tool choice")


@dataclass(frozen=True)
class LLMConfig:
    """Where the LLM is and how long to wait for it; disabled without a key.

    The assistant builds it from its validated ``Settings``; :meth:`from_env` is for
    ``python -m intents``, which has no settings of its own.
    """

    api_key: str | None = field(repr=False)  # never into a log line
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> LLMConfig:
        """From ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``ASSISTANT_LLM_MODEL`` and
        ``ASSISTANT_LLM_TIMEOUT`` (seconds); empty values count as unset.

        >>> LLMConfig.from_env({"ASSISTANT_LLM_TIMEOUT": "2.5"})
        LLMConfig(base_url=None, model='gpt-4o-mini', timeout=2.5)
        """
        return cls(
            api_key=environ.get("OPENAI_API_KEY", "").strip() or None,
            base_url=environ.get("OPENAI_BASE_URL", "").strip() or None,
            model=environ.get("ASSISTANT_LLM_MODEL", "").strip() or DEFAULT_MODEL,
            timeout=_timeout(environ.get("ASSISTANT_LLM_TIMEOUT", "").strip()),
        )

    @property
    def enabled(self) -> bool:
        """Whether an LLM may be asked at all (a key is set)."""
        return bool(self.api_key)


def _timeout(raw: str) -> float:
    """Seconds from the environment; anything but a positive finite number is the default."""
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if 0 < seconds < math.inf:
        return seconds
    logger.warning("ASSISTANT_LLM_TIMEOUT=%r is not a positive number of seconds", raw)
    return DEFAULT_TIMEOUT


class LLM:
    """The seam to the model: its settings and one client, shared by every call.

    ``client`` is used as given (a test's, pointing at a local server or a mock
    transport; its retries included) and never closed here. Without one, a client with
    no retries is built from ``config`` on the first call that asks the model, and
    :meth:`close` closes it. It also remembers whether its server refused
    ``tool_choice="required"`` (:attr:`required_refused`), so only the first call pays for
    finding out. Thread-safe: the API's worker threads share one.
    """

    def __init__(self, config: LLMConfig, *, client: openai.OpenAI | None = None) -> None:
        self.config = config
        self._given = client
        self._own: openai.OpenAI | None = None
        self._lock = threading.Lock()
        self._required_refused: str | None = None

    @property
    def required_refused(self) -> str | None:
        """How the server refused ``tool_choice="required"`` (then taking the fallback), or
        None while it has not."""
        return self._required_refused

    def note_required_refused(self, reason: str) -> None:
        """Remember that the server refused ``tool_choice="required"`` with ``reason``."""
        with self._lock:
            first = self._required_refused is None
            self._required_refused = reason
        if first:
            logger.warning(
                "the LLM server refused tool_choice='required' (%s); asking with a "
                "fallback choice from now on",
                reason,
            )

    @classmethod
    def disabled(cls) -> LLM:
        """No LLM: every call fails with :data:`NO_KEY` and nothing is sent."""
        return cls(LLMConfig(api_key=None))

    @property
    def enabled(self) -> bool:
        """Whether the model may be asked (a key is configured)."""
        return self.config.enabled

    def client(self) -> openai.OpenAI:
        """The injected client, else this seam's own, built on first use (needs a key)."""
        if self._given is not None:
            return self._given
        if not self.enabled:
            raise RuntimeError(f"this LLM seam has no client: {NO_KEY}")
        with self._lock:
            if self._own is None:
                self._own = make_client(self.config)
            return self._own

    def close(self) -> None:
        """Close the client this seam built (an injected one stays open)."""
        with self._lock:
            own, self._own = self._own, None
        if own is not None:
            own.close()

    def __enter__(self) -> LLM:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LLM({self.config!r})"


def make_client(config: LLMConfig) -> openai.OpenAI:
    """A client for ``config`` with no retries: a failure falls back to the rules at once.

    Everything comes from ``config``; the client reads no key or URL from the environment.
    """
    import openai

    return openai.OpenAI(
        api_key=config.api_key,
        base_url=config.base_url or OPENAI_URL,
        timeout=config.timeout,
        max_retries=0,
    )


@dataclass(frozen=True)
class Called(Generic[A]):
    """The one tool call the model made: the tool's name and its validated arguments."""

    name: str
    args: A


@dataclass(frozen=True)
class Failed:
    """Why the model's answer could not be used; the reason is never empty."""

    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("a failure needs a reason")


def call_tool(
    llm: LLM,
    messages: Sequence[ChatCompletionMessageParam],
    tools: Sequence[Tool[A]],
    *,
    what: str,
) -> Called[A] | Failed:
    """Send ``messages`` with ``tools`` (one must be called); the call, or why not.

    Several calls that agree (same tool, equal arguments) are one answer; calls that
    disagree are a failure. ``what`` names the task in the log of an unexpected error.
    """
    if not llm.enabled:
        return Failed(NO_KEY)
    import openai

    def create(choice: ChatCompletionToolChoiceOptionParam) -> ChatCompletion:
        return llm.client().chat.completions.create(
            model=llm.config.model,
            messages=list(messages),
            tools=[tool_param(tool) for tool in tools],
            tool_choice=choice,
            timeout=llm.config.timeout,
        )

    try:
        completion = _complete(llm, create, fallback_choice(tools))
        if isinstance(completion, Failed):
            return completion
        return _read(completion, {tool.name: tool for tool in tools})
    except openai.APITimeoutError:
        return Failed(f"timed out after {llm.config.timeout:g} s")
    except openai.APIStatusError as exc:
        return Failed(_status_reason(exc))
    except openai.APIConnectionError as exc:
        return Failed(f"connection failed: {exc.__cause__ or exc}")
    except Exception as exc:  # a seam to a remote service: nothing it does may break a chat
        logger.exception("unexpected error from the LLM while %s", what)
        return Failed(f"unexpected error: {type(exc).__name__}: {exc}")


def _complete(
    llm: LLM,
    create: Callable[[ChatCompletionToolChoiceOptionParam], ChatCompletion],
    fallback: ChatCompletionToolChoiceOptionParam,
) -> ChatCompletion | Failed:
    """``create`` with ``"required"``; with ``fallback`` where the server refuses that.

    A refusal (:func:`refuses_choice`) is retried once with ``fallback`` and, when the
    server takes it, remembered by ``llm``; every other error is raised for
    :func:`call_tool`.
    """
    import openai

    if llm.required_refused is not None:
        return create(fallback)
    try:
        return create("required")
    except openai.APIStatusError as exc:
        if not refuses_choice(exc.status_code, _error_message(exc)):
            raise
        refused = _status_reason(exc)
    try:
        completion = create(fallback)
    except openai.APIStatusError as again:
        choice = _choice_name(fallback)
        return Failed(f"{refused} (and with tool_choice {choice}: {_status_reason(again)})")
    llm.note_required_refused(refused)
    return completion


def refuses_choice(status: int, message: str) -> bool:
    """Whether an answer to ``tool_choice="required"`` may be the server refusing it: a
    refusing status (:data:`REFUSALS`) with no message or one naming the choice. A plain
    "HTTP 500: out of memory" is not worth a second request.

    >>> refuses_choice(500, "no message (internal_server_error)")
    True
    >>> refuses_choice(400, "tool_choice 'required' is not supported")
    True
    >>> refuses_choice(422, '[{"loc": ["body", "messages"], "msg": "Field required"}]')
    False
    >>> refuses_choice(500, "out of memory"), refuses_choice(429, "no message")
    (False, False)
    """
    if status not in REFUSALS:
        return False
    lowered = message.lower()
    return lowered.startswith("no message") or any(word in lowered for word in _NAMES_THE_CHOICE)


def fallback_choice(tools: Sequence[Tool[BaseModel]]) -> ChatCompletionToolChoiceOptionParam:
    """What to send instead of ``"required"`` to a server that refuses it: the one tool by
    name (which still forces a call, grammar-constrained where the server does that),
    else ``"auto"`` (the model chooses; an answer in words is a failure like any other).

    >>> fallback_choice([Tool("wave", "Wave.", BaseModel)])
    {'type': 'function', 'function': {'name': 'wave'}}
    >>> fallback_choice([])
    'auto'
    """
    if len(tools) == 1:
        return {"type": "function", "function": {"name": tools[0].name}}
    return "auto"


def _choice_name(choice: ChatCompletionToolChoiceOptionParam) -> str:
    return repr(choice) if isinstance(choice, str) else json.dumps(choice)


def _read(completion: ChatCompletion, tools: Mapping[str, Tool[A]]) -> Called[A] | Failed:
    """The one call in ``completion``, its arguments validated by its tool's model."""
    if not completion.choices:
        return Failed("the response has no choices")
    reply = completion.choices[0].message
    if reply.refusal:
        return Failed(f"the model refused: {reply.refusal}")
    calls = [call for call in reply.tool_calls or () if call.type == "function"]
    if not calls:
        return Failed("no tool call in the answer")
    read: list[Called[A]] = []
    for call in calls:
        name, arguments = call.function.name, call.function.arguments
        tool = tools.get(name)
        if tool is None:
            return Failed(f"unknown tool {name!r}")
        try:
            read.append(Called(name, tool.args.model_validate_json(arguments or "{}")))
        except ValidationError as exc:
            return Failed(invalid_arguments(name, exc))
    if any(other != read[0] for other in read[1:]):
        names = ", ".join(call.function.name for call in calls)
        return Failed(f"{len(calls)} conflicting tool calls ({names})")
    return read[0]


def invalid_arguments(name: str, exc: ValidationError) -> str:
    """The reason arguments for tool ``name`` were refused: the first three problems."""
    problems = "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'arguments'}: {error['msg']}"
        for error in exc.errors(include_url=False)[:3]
    )
    return f"invalid arguments for {name}: {problems}"


@cache
def tool_param(tool: Tool[BaseModel]) -> ChatCompletionFunctionToolParam:
    """The ``tools=[...]`` entry for ``tool``, in strict mode; built once per tool."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "strict": True,
            "parameters": strict_schema(tool.args),
        },
    }


def _status_reason(exc: openai.APIStatusError) -> str:
    """``HTTP <status>: <the server's message>``, never an empty message.

    >>> import httpx, openai
    >>> answer = httpx.Response(500, request=httpx.Request("POST", "http://llm.test"))
    >>> body = {"message": "", "type": "internal_server_error", "param": None, "code": None}
    >>> _status_reason(openai.InternalServerError("Error code: 500", response=answer, body=body))
    'HTTP 500: no message (internal_server_error)'
    """
    return f"HTTP {exc.status_code}: {_error_message(exc)}"


def _error_message(exc: openai.APIStatusError) -> str:
    """The server's message; else its error type or code; else the start of its body."""
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
        if "detail" in body:  # FastAPI's validation errors: {"detail": [{"loc", "msg"}...]}
            return _clip(json.dumps(body["detail"], ensure_ascii=False))
        kind = next((str(body[key]) for key in ("type", "code") if body.get(key)), None)
        if kind:
            return f"no message ({kind})"
    try:
        text = exc.response.text.strip()
    except Exception:  # a streamed body that cannot be read any more
        text = ""
    return _clip(text) if text else "no message"


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
