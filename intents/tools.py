"""The LLM's tools: one pydantic model per tool, strict schemas, and the way back to a request.

The model behind :func:`intents.llm.parse_llm` answers with ONE function call. Each tool's
arguments are a pydantic model here; its JSON schema is generated from that model and made
*strict* (:func:`strict_schema`), so OpenAI's structured outputs constrain the model to
arguments we can validate. The arguments are then validated with ``model_validate_json``
and turned into the same :class:`~intents.models.ExportRequest` the rules produce
(:meth:`ToolArgs.to_request`). Tools are looked up by name in :data:`TOOLS`; nothing
branches on a tool name.

>>> sorted(TOOLS)
['answer_help', 'ask_clarification', 'export', 'run_query', 'schedule', 'small_talk']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

import regex
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from intents.context import Context
from intents.models import Compression, Destination, ExportRequest, Format, Intent, Target
from intents.vocabulary import FORMAT_LABELS, FORMAT_QUESTION

__all__ = [
    "FORMAT_CHOICES",
    "FORMAT_QUESTION",
    "TOOLS",
    "Tool",
    "ToolArgs",
    "strict_schema",
]

# The same question and answer labels the rules offer, so a chat reads the same either way.
FORMAT_CHOICES = list(FORMAT_LABELS.values())


_CRON_FIELD = regex.compile(r"[0-9A-Za-z*/,\-]+")


def _cron(value: str) -> str:
    """Five whitespace-separated cron fields; the scheduler checks the values themselves."""
    fields = value.split()
    if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(field) for field in fields):
        raise ValueError(f"expected a 5-field cron expression, got {value!r}")
    return " ".join(fields)


# Local wall-clock times travel as plain strings: JSON Schema's "date-time" demands an offset.
LocalDateTime = Annotated[
    dt.datetime,
    WithJsonSchema({"type": "string", "description": "YYYY-MM-DDTHH:MM:SS, no offset"}),
]
Cron = Annotated[str, AfterValidator(_cron)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolArgs(_Closed):
    """The arguments of one tool; each tool says how they become a request."""

    def to_request(self, context: Context, fallback: ExportRequest) -> ExportRequest:
        """The request these arguments mean; ``fallback`` is the rules' answer."""
        raise NotImplementedError


class _Shape(_Closed):
    """What to export and how: the fields export, schedule and a clarification draft share.

    Every field defaults to ``None`` so that endpoints without strict mode may omit
    nulls; the strict schema still lists every field as required.
    """

    format: Format | None = Field(default=None, description="null when none is named or implied")
    target: Target | None = Field(default=None, description="what is exported")
    query: str | None = Field(
        default=None, description="target query: the data question, user's words"
    )
    since: LocalDateTime | None = Field(
        default=None, description="history start, inclusive, local time"
    )
    until: LocalDateTime | None = Field(
        default=None, description="history end, exclusive, local time"
    )
    columns: list[str] | None = Field(default=None, description="only these columns, in this order")
    exclude_columns: list[str] | None = Field(default=None, description="columns to leave out")
    limit: int | None = Field(default=None, ge=0, description="at most this many rows")
    compression: Compression | None = None
    destination: Destination | None = Field(default=None, description="email when asked to send it")
    email: str | None = Field(default=None, description="an address named in the message")

    def _fields(self, context: Context) -> dict[str, Any]:
        """The request fields, with times in the user's zone and an address implying email."""
        emailed = self.destination is Destination.EMAIL or bool(self.email)
        target = self.target or (Target.QUERY if self.query else Target.LAST_RESULT)
        return {
            "format": self.format or context.preferences.default_format,
            "target": target,
            "query": self.query,
            "since": _local(self.since, context),
            "until": _local(self.until, context),
            "columns": self.columns,
            "exclude_columns": self.exclude_columns,
            "limit": self.limit,
            "compression": self.compression,
            "destination": Destination.EMAIL if emailed else Destination.DOWNLOAD,
            "email": self.email,
        }


def _local(value: dt.datetime | None, context: Context) -> dt.datetime | None:
    """A wall-clock time in the user's zone (aware), like the context's own clock."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=context.zone)
    return value.astimezone(context.zone)


def _with_format_question(fields: dict[str, Any], unsupported: str | None) -> dict[str, Any]:
    """Ask for a format when none is known (the contract's rule), naming the ones we make."""
    if fields["format"] is not None:
        return fields
    question = FORMAT_QUESTION
    if unsupported:
        question = f"I can't produce {unsupported} files. {question}"
    return {**fields, "clarify": question, "choices": FORMAT_CHOICES}


class ExportArgs(_Shape, ToolArgs):
    unsupported_format: str | None = Field(
        default=None,
        description="a format named that is not in the enum (Word, XML...); format null",
    )

    def to_request(self, context: Context, fallback: ExportRequest) -> ExportRequest:
        fields = _with_format_question(self._fields(context), self.unsupported_format)
        return ExportRequest(intent=Intent.EXPORT, **fields)


class ScheduleArgs(ExportArgs):
    cron: Cron = Field(description="minute hour day-of-month month day-of-week, Sunday = 0")

    def to_request(self, context: Context, fallback: ExportRequest) -> ExportRequest:
        fields = _with_format_question(self._fields(context), self.unsupported_format)
        return ExportRequest(intent=Intent.SCHEDULE, cron=self.cron, **fields)


class RunQueryArgs(ToolArgs):
    query: str = Field(min_length=1, description="the data question, in the user's words")

    def to_request(self, context: Context, fallback: ExportRequest) -> ExportRequest:
        return ExportRequest(intent=Intent.QUERY, query=self.query)


class Draft(_Shape):
    cron: Cron | None = Field(default=None, description="for a schedule")


class AskClarificationArgs(ToolArgs):
    question: str = Field(min_length=1, description="what to ask the user")
    choices: list[str] | None = Field(default=None, description="short answers to offer, if any")
    intent: Literal["export", "schedule", "query"] | None = Field(
        default=None, description="what the user seems to want"
    )
    draft: Draft | None = Field(default=None, description="what is understood so far")

    def to_request(self, context: Context, fallback: ExportRequest) -> ExportRequest:
        """The draft with the question; with no intent, the rules' reading of the kind."""
        intent = Intent(self.intent) if self.intent else fallback.intent
        fields = self.draft._fields(context) if self.draft else {}
        cron = self.draft.cron if self.draft else None
        if intent is Intent.QUERY:
            fields = {"query": fields.get("query")}
        return ExportRequest(
            intent=intent,
            cron=cron if intent is Intent.SCHEDULE else None,
            clarify=self.question,
            choices=self.choices or None,
            **fields,
        )


class AnswerHelpArgs(ToolArgs):
    def to_request(self, context: Context, fallback: ExportRequest) -> ExportRequest:
        return ExportRequest(intent=Intent.HELP)


class SmallTalkArgs(ToolArgs):
    def to_request(self, context: Context, fallback: ExportRequest) -> ExportRequest:
        return ExportRequest(intent=Intent.UNKNOWN)


A = TypeVar("A", bound=BaseModel, covariant=True)


@dataclass(frozen=True)
class Tool(Generic[A]):
    """A tool the model may call: its name, when to call it, and its argument model.

    The SQL writer's ``run_query`` tool is one too; :func:`intents.toolcall.call_tool`
    sends any of them."""

    name: str
    description: str
    args: type[A]


TOOLS: dict[str, Tool[ToolArgs]] = {
    tool.name: tool
    for tool in (
        Tool("export", "Make a file now.", ExportArgs),
        Tool("schedule", "Make a file on a recurring schedule.", ScheduleArgs),
        Tool("run_query", "Answer a data question with a table; no file.", RunQueryArgs),
        Tool(
            "ask_clarification",
            "Ask the user before acting: two formats at once, a real ambiguity.",
            AskClarificationArgs,
        ),
        Tool("answer_help", "A question about the assistant itself.", AnswerHelpArgs),
        Tool("small_talk", "Greetings, thanks, off-topic: nothing to act on.", SmallTalkArgs),
    )
}

# Keywords every strict-mode endpoint accepts; the rest (title, default, minimum,
# minLength, format...) are dropped from the schema and checked by pydantic instead.
_KEPT = ("type", "enum", "description")


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema in the form both OpenAI's strict mode and grammar-constrained
    servers enforce.

    Every object lists all its properties as ``required`` and has ``additionalProperties:
    false`` (strict mode's rules); an optional value is ``anyOf`` its schema and ``{"type":
    "null"}``, never a type list: llama.cpp's schema-to-grammar converter reads
    ``{"type": ["string", "null"], "enum": [...]}`` as "any string or null" and drops the
    enum, while the ``anyOf`` form keeps it (OpenAI accepts both). ``$ref``s are inlined;
    keywords outside the portable subset are dropped.

    >>> strict_schema(RunQueryArgs)["required"]
    ['query']
    >>> strict_schema(ExportArgs)["properties"]["compression"]
    {'anyOf': [{'type': 'string', 'enum': ['zip', 'gzip']}, {'type': 'null'}]}
    """
    schema = model.model_json_schema()
    return _strict(schema, schema.get("$defs", {}))


def _strict(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        resolved = defs[node["$ref"].rsplit("/", 1)[-1]]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return _strict({**resolved, **siblings}, defs)
    out: dict[str, Any] = {}
    if "anyOf" in node:
        out["anyOf"] = [_strict(variant, defs) for variant in node["anyOf"]]
    out.update({key: node[key] for key in _KEPT if key in node})
    if "items" in node:
        out["items"] = _strict(node["items"], defs)
    if node.get("type") == "object" or "properties" in node:
        properties = node.get("properties", {})
        out["type"] = "object"
        out["properties"] = {name: _strict(value, defs) for name, value in properties.items()}
        out["required"] = list(properties)
        out["additionalProperties"] = False
    return out
