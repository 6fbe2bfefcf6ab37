"""The LLM path: one chat message to one request through OpenAI function calling.

Any OpenAI-compatible endpoint works (``OPENAI_BASE_URL``). The model sees the contract's
meanings in a compact system prompt plus the context (the user's clock and zone, whether a
result is on screen, the saved default format, the last request, a pending question) and
must call exactly one tool from :data:`intents.tools.TOOLS`. Its arguments are validated
by the tool's pydantic model and become an :class:`~intents.models.ExportRequest`.

The LLM is an optional helper, never a dependency: on ANY failure (no key, connection,
HTTP error, timeout, no or conflicting tool calls, a refusal, bad arguments) the caller's
fallback (the rules' answer) is returned with the reason, which is also logged to the
``intents.llm`` logger. :func:`parse_llm` never raises.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from intents.context import Context
from intents.models import ExportRequest
from intents.tools import TOOLS, Tool, strict_schema

if TYPE_CHECKING:  # openai takes ~0.4 s to import: only a call that asks the LLM pays it
    import openai
    from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionMessageParam

__all__ = [
    "Failed",
    "LLMConfig",
    "LLMOutcome",
    "UnusableAnswer",
    "ask_model",
    "make_client",
    "parse_llm",
]

T = TypeVar("T")

logger = logging.getLogger("intents.llm")

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class LLMConfig:
    """Where the LLM is and how long to wait for it; disabled without a key."""

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


@dataclass(frozen=True)
class LLMOutcome:
    """The LLM's request, or the fallback with the reason the LLM's answer was not used."""

    request: ExportRequest
    used_llm: bool
    reason: str | None = None


class UnusableAnswer(Exception):
    """The endpoint answered, but not with one valid tool call; the message says why."""


def parse_llm(
    message: str,
    context: Context,
    fallback: ExportRequest,
    config: LLMConfig,
    *,
    client: openai.OpenAI | None = None,
) -> LLMOutcome:
    """Ask the LLM what ``message`` means; ``fallback`` (with a reason) on any failure.

    ``client`` is used as given (its retries included; ``config`` still needs a key,
    which is what enables the LLM); without one, a client with no retries is built
    from ``config`` and closed afterwards.
    """
    if not config.enabled:
        return _fall_back(fallback, "no API key configured (OPENAI_API_KEY)", logging.INFO)
    answer = ask_model(
        config, client, lambda model: _ask(model, message, context, fallback, config),
        what="parsing a message",
    )  # fmt: skip
    if isinstance(answer, Failed):
        return _fall_back(fallback, answer.reason, logging.WARNING)
    return LLMOutcome(answer, used_llm=True)


@dataclass(frozen=True)
class Failed:
    """Why the model's answer could not be used (said in the log, then the rules answer)."""

    reason: str


def ask_model(
    config: LLMConfig,
    client: openai.OpenAI | None,
    ask: Callable[[openai.OpenAI], T],
    *,
    what: str,
) -> T | Failed:
    """``ask(client)``, or :class:`Failed` with the reason when anything goes wrong.

    Without ``client`` one with no retries is built from ``config`` and closed after.
    Every LLM path shares this: a timeout, an HTTP error, a refused connection, an
    answer that is not one valid tool call (:class:`UnusableAnswer`) or anything else
    becomes a reason, never an exception in the chat.
    """
    import openai

    try:
        if client is not None:
            return ask(client)
        with make_client(config) as own_client:
            return ask(own_client)
    except openai.APITimeoutError:
        return Failed(f"timed out after {config.timeout:g} s")
    except openai.APIStatusError as exc:
        return Failed(f"HTTP {exc.status_code}: {_error_message(exc)}")
    except openai.APIConnectionError as exc:
        return Failed(f"connection failed: {exc.__cause__ or exc}")
    except UnusableAnswer as exc:
        return Failed(str(exc))
    except Exception as exc:  # a seam to a remote service: nothing it does may break a chat
        logger.exception("unexpected error from the LLM while %s", what)
        return Failed(f"unexpected error: {type(exc).__name__}: {exc}")


def make_client(config: LLMConfig) -> openai.OpenAI:
    """A client for ``config`` with no retries: a failure falls back to the rules at once."""
    import openai

    return openai.OpenAI(
        api_key=config.api_key, base_url=config.base_url, timeout=config.timeout, max_retries=0
    )


def _fall_back(fallback: ExportRequest, reason: str, level: int) -> LLMOutcome:
    logger.log(level, "LLM not used, falling back to the rules: %s", reason)
    return LLMOutcome(fallback, used_llm=False, reason=reason)


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message


def _ask(
    client: openai.OpenAI,
    message: str,
    context: Context,
    fallback: ExportRequest,
    config: LLMConfig,
) -> ExportRequest:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": system_prompt(context)},
        {"role": "user", "content": message},
    ]
    completion = client.chat.completions.create(
        model=config.model,
        messages=messages,
        tools=_tool_params(),
        tool_choice="required",
        timeout=config.timeout,
    )
    if not completion.choices:
        raise UnusableAnswer("the response has no choices")
    reply = completion.choices[0].message
    if reply.refusal:
        raise UnusableAnswer(f"the model refused: {reply.refusal}")
    calls = [call for call in reply.tool_calls or () if call.type == "function"]
    if not calls:
        raise UnusableAnswer("no tool call in the answer")
    requests = [
        _request(call.function.name, call.function.arguments, context, fallback) for call in calls
    ]
    if any(request != requests[0] for request in requests[1:]):
        names = ", ".join(call.function.name for call in calls)
        raise UnusableAnswer(f"{len(calls)} conflicting tool calls ({names})")
    return requests[0]


def tool_param(tool: Tool) -> ChatCompletionFunctionToolParam:
    """The ``tools=[...]`` entry for ``tool``, in strict mode."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "strict": True,
            "parameters": strict_schema(tool.args),
        },
    }


@cache
def _tool_params() -> list[ChatCompletionFunctionToolParam]:
    """Every tool's entry; built once (pydantic's schema generation takes milliseconds)."""
    return [tool_param(tool) for tool in TOOLS.values()]


def _request(name: str, arguments: str, context: Context, fallback: ExportRequest) -> ExportRequest:
    tool = TOOLS.get(name)
    if tool is None:
        raise UnusableAnswer(f"unknown tool {name!r}")
    try:
        args = tool.args.model_validate_json(arguments or "{}")
        return args.to_request(context, fallback)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'arguments'}: {error['msg']}"
            for error in exc.errors(include_url=False)[:3]
        )
        raise UnusableAnswer(f"invalid arguments for {name}: {problems}") from exc


_RULES = """\
You read ONE chat message sent to a data assistant and answer with exactly ONE tool call.
export: make a file now. schedule: make a file on a recurring schedule. run_query: a data \
question answered with a table, no file. ask_clarification: you cannot act without asking \
(e.g. two formats offered at once). answer_help: a question about the assistant itself \
(what it can do, how to export or schedule). small_talk: greetings, thanks, off-topic.
target: last_result = the result on screen ("this", "it", "these rows", "the results"); \
query = new data the same message asks for, with `query` = that data question in the \
user's words ("export all orders from Berlin as csv" -> "all orders from Berlin"); \
history = several past results ("everything from today", "all my queries this week", \
"what I ran yesterday"), with since/until; conversation = this chat transcript. \
"Today's orders", "this week's signups" are data questions (target query), not history.
format: csv (comma-separated/delimited), tsv (tab-separated/delimited), xlsx (Excel, xls, \
spreadsheet, workbook, for Google Sheets), json, jsonl (JSON Lines, ndjson, \
newline-delimited JSON, for fine-tuning, training data), parquet (columnar), pdf \
(printable, a report), markdown (md, a table to paste into GitHub/Slack/Notion). Read \
typos kindly ("exel", "jsno"). No format named or implied: format null (the app applies \
the saved default or asks). A format not listed (Word, XML, PowerPoint...): format null \
and unsupported_format = its name.
columns: only these, in the user's order, lower case, spaces as "_"; exclude_columns: \
the ones to leave out. limit: "first 100 rows", "top ten" -> 100, 10. compression: \
"zipped", "as a zip" -> zip; "gzip it" -> gzip. destination: email when asked to \
send/mail/email it ("send it to me", "to my inbox"), else download; email: an address \
named in the message.
since (inclusive), until (exclusive): local wall-clock YYYY-MM-DDTHH:MM:SS, no offset, \
null = open. today = [today 00:00, null); yesterday = [yesterday 00:00, today 00:00); \
this week = [this Monday 00:00, null); last week = [last Monday 00:00, this Monday \
00:00); last/past N hours or days = [now - N, null); since a weekday or date = [that day \
00:00, null). Weeks start on Monday.
cron: 5 fields (minute hour day-of-month month day-of-week, Sunday = 0) in the user's \
zone. An hour without am/pm ("at 7") is morning; noon = 12:00, midnight = 00:00. "every \
Monday at 9am" -> "0 9 * * 1"; "every weekday at 7:30" -> "30 7 * * 1-5".
Not exports: a deferred export ("don't export yet, just sort by revenue" -> run_query); \
exports as data ("how many exports shipped last month?" -> run_query). "every invoice \
over 1000" is not a schedule.
"""


def system_prompt(context: Context) -> str:
    """The contract's meanings, then the situation this message arrives in."""
    now = context.local_now.replace(tzinfo=None, microsecond=0)
    today = now.replace(hour=0, minute=0, second=0)
    monday = today - dt.timedelta(days=today.weekday())
    lines = [
        f"Now: {now.isoformat()} ({now:%A}) in {context.timezone}. Today 00:00 = "
        f"{today.isoformat()}; yesterday 00:00 = {(today - dt.timedelta(days=1)).isoformat()}; "
        f"this Monday 00:00 = {monday.isoformat()}; last Monday 00:00 = "
        f"{(monday - dt.timedelta(days=7)).isoformat()}.",
        f"A result is on screen: {'yes' if context.has_result else 'no'}.",
        f"Saved default format: {context.preferences.default_format or 'none'}.",
    ]
    if context.last_request is not None:
        lines.append(f"Last request: {_compact(context.last_request)}")
    if context.pending is not None:
        lines.append(
            f"Pending request, waiting for the answer to {context.pending.clarify!r}: "
            f"{_compact(context.pending)}. If the message answers it, call the tool for "
            "the completed request."
        )
    return _RULES + "\n".join(lines)


def _compact(request: ExportRequest) -> str:
    """The request's set fields as JSON: what the model needs, in few tokens."""
    data: dict[str, Any] = {
        key: value
        for key, value in request.contract_json().items()
        if value not in (None, [], {}) and key not in ("clarify", "choices")
    }
    return json.dumps(data, ensure_ascii=False)
