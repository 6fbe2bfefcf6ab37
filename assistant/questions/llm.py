"""Questions to SQL with an LLM: one ``run_query`` tool call, then the exporter's guard.

When an LLM is configured (``OPENAI_API_KEY``, see :class:`intents.llm.LLMConfig`), the
engine asks it to write the SQL for a data question from the source's schema (tables,
columns and declared types), the dialect and the user's clock, before it tries the
offline rules. The model must answer with exactly one strict ``run_query`` tool call
``{sql, title}``; the SQL is checked by :func:`exporters.check_query` here already, so a
write or anything else the guard refuses never reaches the database and the offline
translation is used instead (the guard runs again when the query is executed).

The LLM is a helper, never a dependency: :func:`write_sql` never raises. On any failure
(no key, connection, HTTP error, timeout, no tool call, a refusal, bad arguments, a query
the guard refuses) it returns None and logs the reason to ``assistant.questions.llm``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.questions import Answer, SchemaAnswer, Translation
from assistant.source.schema import Schema
from exporters import QueryRejected, check_query
from intents.llm import Failed, LLMConfig, UnusableAnswer, ask_model
from intents.tools import strict_schema

if TYPE_CHECKING:  # openai takes ~0.4 s to import: only a call that asks the LLM pays it
    import openai
    from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionMessageParam

__all__ = ["RunQueryArgs", "WrittenSQL", "system_prompt", "with_llm", "write_sql"]

logger = logging.getLogger("assistant.questions.llm")

TOOL_NAME = "run_query"
_TYPED = "Your query"  # the offline translator's title for SQL the user typed


class RunQueryArgs(BaseModel):
    """The ``run_query`` tool's arguments: the SQL to run and a short title for its result."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(description="ONE read-only SELECT (or WITH ... SELECT) statement.")
    title: str = Field(description='A few words naming the result, e.g. "Orders from today".')


@dataclass(frozen=True)
class WrittenSQL:
    """SQL the LLM wrote that the guard accepted (as written), and its title."""

    sql: str
    title: str


def write_sql(
    question: str,
    schema: Schema,
    dialect: str,
    now: dt.datetime,
    config: LLMConfig,
    *,
    client: openai.OpenAI | None = None,
) -> WrittenSQL | None:
    """The LLM's SQL for ``question`` over ``schema``, or None (reason logged) on any failure.

    ``now`` is timezone-aware, in the user's zone. ``client`` is used as given; without
    one, a client with no retries is built from ``config`` and closed afterwards.
    """
    if not config.enabled:
        logger.info("LLM not used to write SQL: no API key configured (OPENAI_API_KEY)")
        return None
    written = ask_model(
        config, client, lambda model: _ask(model, question, schema, dialect, now, config),
        what="writing SQL",
    )  # fmt: skip
    if isinstance(written, Failed):
        logger.warning("LLM SQL not used, falling back to the offline rules: %s", written.reason)
        return None
    return written


def with_llm(
    answer: Answer,
    question: str,
    schema: Schema,
    dialect: str,
    now: dt.datetime,
    config: LLMConfig | None = None,
    *,
    client: openai.OpenAI | None = None,
) -> Answer:
    """The LLM's SQL for ``question`` when one is configured, else the offline ``answer``.

    SQL the user typed and answers about the schema itself stay as the rules read them:
    the LLM is asked only to write SQL nobody wrote. ``config`` defaults to the
    environment's.
    """
    if isinstance(answer, SchemaAnswer):
        return answer
    if isinstance(answer, Translation) and answer.title == _TYPED:
        return answer
    config = LLMConfig.from_env() if config is None else config
    if not config.enabled:
        return answer
    written = write_sql(question, schema, dialect, now, config, client=client)
    return answer if written is None else Translation(written.sql, written.title)


def _ask(
    client: openai.OpenAI,
    question: str,
    schema: Schema,
    dialect: str,
    now: dt.datetime,
    config: LLMConfig,
) -> WrittenSQL:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": system_prompt(schema, dialect, now)},
        {"role": "user", "content": question},
    ]
    completion = client.chat.completions.create(
        model=config.model,
        messages=messages,
        tools=[_tool_param()],
        tool_choice="required",
        timeout=config.timeout,
    )
    if not completion.choices:
        raise UnusableAnswer("the response has no choices")
    reply = completion.choices[0].message
    if reply.refusal:
        raise UnusableAnswer(f"the model refused: {reply.refusal}")
    calls = [call for call in reply.tool_calls or () if call.type == "function"]
    if len(calls) != 1:
        raise UnusableAnswer(
            "no tool call in the answer" if not calls else f"{len(calls)} tool calls"
        )
    (call,) = calls
    if call.function.name != TOOL_NAME:
        raise UnusableAnswer(f"unknown tool {call.function.name!r}")
    try:
        args = RunQueryArgs.model_validate_json(call.function.arguments or "{}")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'arguments'}: {error['msg']}"
            for error in exc.errors(include_url=False)[:3]
        )
        raise UnusableAnswer(f"invalid arguments for {TOOL_NAME}: {problems}") from exc
    sql = args.sql.strip()
    try:
        check_query(sql, dialect)
    except QueryRejected as exc:
        raise UnusableAnswer(f"the guard refused the LLM's query {sql!r}: {exc}") from exc
    return WrittenSQL(sql, args.title.strip() or "Your question")


@cache
def _tool_param() -> ChatCompletionFunctionToolParam:
    """The ``run_query`` tool in strict mode; built once."""
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": "Run ONE read-only SQL query that answers the user's question.",
            "strict": True,
            "parameters": strict_schema(RunQueryArgs),
        },
    }


_RULES = """\
You write SQL for a data assistant. Answer the user's data question with exactly ONE \
run_query tool call: `sql` = one read-only SELECT (WITH ... SELECT allowed), no other \
statement, no semicolon-separated second statement; `title` = a few words naming the \
result ("Orders from today").
Use only the tables and columns listed below, quoted with double quotes when unsure. \
Do not invent tables or columns. Add no LIMIT unless the user asks for a number of rows.
Times in the question are the user's local wall-clock time (given below). SQLite stores \
datetimes as 'YYYY-MM-DD HH:MM:SS' text: compare them with such literals \
(created_at >= '2026-11-18 00:00:00'). Weeks start on Monday.
"""


def system_prompt(schema: Schema, dialect: str, now: dt.datetime) -> str:
    """The rules, the dialect, the user's clock and the schema with declared types."""
    local = now.replace(microsecond=0)
    zone = getattr(local.tzinfo, "key", None) or local.tzname() or "UTC"  # "Europe/Berlin"
    return (
        f"{_RULES}SQL dialect: {dialect}.\n"
        f"Now: {local.replace(tzinfo=None).isoformat(sep=' ')} ({local:%A}) in {zone}.\n"
        f"Schema (table(column TYPE, ...)):\n{schema.describe(types=True)}"
    )
