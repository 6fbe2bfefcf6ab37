"""The LLM path: one chat message to one request through OpenAI function calling.

Any OpenAI-compatible endpoint works (``OPENAI_BASE_URL``). The model sees the contract's
meanings in a compact system prompt plus the context (the user's clock and zone, whether a
result is on screen, the saved default format, the last request, a pending question) and
must call exactly one tool from :data:`intents.tools.TOOLS`, through the one seam every
LLM path shares (:func:`intents.toolcall.call_tool`). Its arguments, validated by the
tool's pydantic model, become an :class:`~intents.models.ExportRequest`.

The LLM is an optional helper, never a dependency: on ANY failure (no key, connection,
HTTP error, timeout, no or conflicting tool calls, a refusal, bad arguments) the caller's
fallback (the rules' answer) is returned with the reason, which is also logged to the
``intents.llm`` logger. :func:`parse_llm` never raises.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from intents.context import Context
from intents.models import ExportRequest
from intents.toolcall import (
    LLM,
    NO_KEY,
    Failed,
    LLMConfig,
    call_tool,
    invalid_arguments,
    make_client,
)
from intents.tools import TOOLS

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

__all__ = [
    "LLM",
    "Failed",
    "LLMConfig",
    "LLMOutcome",
    "make_client",
    "parse_llm",
    "system_prompt",
]

logger = logging.getLogger("intents.llm")

_TOOLS = tuple(TOOLS.values())


@dataclass(frozen=True)
class LLMOutcome:
    """The LLM's request, or the fallback with the reason the LLM's answer was not used."""

    request: ExportRequest
    used_llm: bool
    reason: str | None = None


def parse_llm(message: str, context: Context, fallback: ExportRequest, llm: LLM) -> LLMOutcome:
    """Ask ``llm`` what ``message`` means; ``fallback`` (with a reason) on any failure."""
    if not llm.enabled:
        return _fall_back(fallback, NO_KEY, logging.INFO)
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": system_prompt(context)},
        {"role": "user", "content": message},
    ]
    called = call_tool(llm, messages, _TOOLS, what="parsing a message")
    if isinstance(called, Failed):
        return _fall_back(fallback, called.reason, logging.WARNING)
    try:
        request = called.args.to_request(context, fallback)
    except ValidationError as exc:
        return _fall_back(fallback, invalid_arguments(called.name, exc), logging.WARNING)
    return LLMOutcome(request, used_llm=True)


def _fall_back(fallback: ExportRequest, reason: str, level: int) -> LLMOutcome:
    logger.log(level, "LLM not used, falling back to the rules: %s", reason)
    return LLMOutcome(fallback, used_llm=False, reason=reason)


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
