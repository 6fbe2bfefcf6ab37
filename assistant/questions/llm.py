"""Questions to SQL with an LLM: one ``run_query`` tool call, then the exporter's guard.

When the process's :class:`~intents.toolcall.LLM` seam has a key, the engine asks it to
write the SQL for a data question from the source's schema (tables, columns and declared
types), the dialect and the user's clock, before it tries the offline rules. The model
must answer with exactly one strict ``run_query`` tool call ``{sql, title}``, sent and
validated by :func:`intents.toolcall.call_tool`; the SQL is checked by
:func:`exporters.check_query` here already, so a write or anything else the guard refuses
never reaches the database and the offline translation is used instead (the guard runs
again when the query is executed).

The LLM is a helper, never a dependency: :func:`write_sql` never raises. On any failure
(no key, connection, HTTP error, timeout, no tool call, a refusal, bad arguments, a query
the guard refuses) it returns None and logs the reason to ``assistant.questions.llm``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from assistant.questions import Answer, SchemaAnswer, Translation
from assistant.source.schema import Schema
from exporters import QueryRejected, check_query
from intents.toolcall import LLM, NO_KEY, Failed, call_tool
from intents.tools import Tool

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

__all__ = ["RUN_QUERY", "RunQueryArgs", "WrittenSQL", "system_prompt", "with_llm", "write_sql"]

logger = logging.getLogger("assistant.questions.llm")


class RunQueryArgs(BaseModel):
    """The ``run_query`` tool's arguments: the SQL to run and a short title for its result."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(description="ONE read-only SELECT (or WITH ... SELECT) statement.")
    title: str = Field(description='A few words naming the result, e.g. "Orders from today".')


#: The one tool the SQL writer offers, in strict mode.
RUN_QUERY = Tool(
    "run_query", "Run ONE read-only SQL query that answers the user's question.", RunQueryArgs
)


@dataclass(frozen=True)
class WrittenSQL:
    """SQL the LLM wrote that the guard accepted (as written), and its title."""

    sql: str
    title: str


def write_sql(
    question: str, schema: Schema, dialect: str, now: dt.datetime, llm: LLM
) -> WrittenSQL | None:
    """``llm``'s SQL for ``question`` over ``schema``, or None (reason logged) on any failure.

    ``now`` is timezone-aware, in the user's zone.
    """
    if not llm.enabled:
        logger.info("LLM not used to write SQL: %s", NO_KEY)
        return None
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": system_prompt(schema, dialect, now)},
        {"role": "user", "content": question},
    ]
    called = call_tool(llm, messages, [RUN_QUERY], what="writing SQL")
    written = called if isinstance(called, Failed) else _guarded(called.args, dialect)
    if isinstance(written, Failed):
        logger.warning("LLM SQL not used, falling back to the offline rules: %s", written.reason)
        return None
    return written


def with_llm(
    answer: Answer, question: str, schema: Schema, dialect: str, now: dt.datetime, llm: LLM
) -> Answer:
    """``llm``'s SQL for ``question`` when it has a key, else the offline ``answer``.

    The rules answer first when they read the whole question (a :class:`Translation`);
    SQL the user typed and answers about the schema itself stay as they are too. The
    LLM is asked only for what the rules could not read.
    """
    if isinstance(answer, SchemaAnswer | Translation):
        return answer
    if not llm.enabled:
        return answer
    written = write_sql(question, schema, dialect, now, llm)
    return answer if written is None else Translation(written.sql, written.title)


def _guarded(args: RunQueryArgs, dialect: str) -> WrittenSQL | Failed:
    """The written SQL if the exporter's guard accepts it, else why not."""
    sql = args.sql.strip()
    try:
        check_query(sql, dialect)
    except QueryRejected as exc:
        return Failed(f"the guard refused the LLM's query {sql!r}: {exc}")
    except Exception as exc:  # the guard failing on a model's text must not break a chat
        logger.exception("the guard failed on the LLM's query %r", sql)
        return Failed(f"unexpected error: {type(exc).__name__}: {exc}")
    return WrittenSQL(sql, args.title.strip() or "Your question")


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
