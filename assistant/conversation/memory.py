"""What a conversation remembers between messages, typed.

Each assistant message keeps a :class:`Memory` as its payload: what the reply showed
(table, export, choices) and what later messages may refer to (the query run behind "this",
the request a question is pending on, the schedule "it" means). :class:`Recall` reads the
recent ones back, validated, newest first, once per message. Nothing is kept in memory
between messages, so a conversation survives a restart and two faces can share one.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import select

from assistant.replies import ExportInfo, Reply, TablePreview
from assistant.scope import UserScope
from assistant.store import Message, Role, messages_of
from intents import ExportRequest

__all__ = [
    "LOOKBACK",
    "Answer",
    "Asked",
    "Memory",
    "Recall",
    "transcript",
]

#: Replies searched for the last result: older ones are out of the chat's reach.
LOOKBACK = 100
#: The fields of a shown export that may be empty (while it is queued, or failed).
_EXPORT_NULLABLE = ("rows", "bytes", "sha256", "path", "file_name")


class Asked(StrEnum):
    """A question the conversation asks itself (the parser asks the others): its answer
    is read by the conversation (:mod:`assistant.conversation.asking`), not the parser."""

    ADDRESS = "address"  # "What address should I send it to?"
    DESTINATION = "destination"  # "I can't send to Slack yet; a download or an email?"
    CURSOR = "cursor"  # "Which column says a row is new: created_at or id?"
    CONFIRM = "confirm"  # "Export 3,060,840 rows (about 410 MB as CSV)?" (the export plan)


class Memory(BaseModel):
    """One assistant message's payload: what it showed and what it leaves to refer to."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    table: TablePreview | None = None
    sql: str | None = None  # the SQL behind ``table``
    export: ExportInfo | None = None
    choices: list[str] | None = None
    query_run_id: str | None = None  # the result "this" means after this message
    pending: ExportRequest | None = None  # the request this message asked a question about
    schedule_id: str | None = None  # the schedule "it" means
    asked: Asked | None = None  # which of the conversation's own questions ``pending`` waits on

    @classmethod
    def of(cls, reply: Reply, **remembered: Any) -> Memory:
        return cls(
            table=reply.table,
            sql=reply.sql,
            export=reply.export,
            choices=reply.choices,
            **remembered,
        )

    @field_validator("export", mode="before")
    @classmethod
    def _export_as_stored(cls, value: Any) -> Any:
        """An export stored without its empty fields (payloads written before they were
        kept): they were None."""
        if isinstance(value, dict):
            return {name: None for name in _EXPORT_NULLABLE} | value
        return value

    def payload(self) -> dict[str, Any]:
        """As stored in the message row (JSON, no empty keys at the top; a shown export
        keeps its empty fields, which its model requires)."""
        data = self.model_dump(mode="json")
        return {key: value for key, value in data.items() if value is not None}

    def reply(self, text: str) -> Reply:
        """The reply this message gave, as it was given."""
        return Reply(
            text=text, table=self.table, export=self.export, choices=self.choices, sql=self.sql
        )


class Recall:
    """The conversation's recent memories, newest first: read from the store on first use."""

    def __init__(self, scope: UserScope) -> None:
        self._scope = scope
        self._payloads: list[dict[str, Any]] | None = None
        self._memories: list[Memory] = []

    def _recent(self) -> Iterator[Memory]:
        if self._payloads is None:
            with self._scope.sessions() as session:
                self._payloads = [
                    payload or {}
                    for payload in session.scalars(
                        select(Message.payload)
                        .where(
                            Message.conversation_id == self._scope.conversation_id,
                            Message.role == Role.ASSISTANT,
                        )
                        .order_by(Message.id.desc())
                        .limit(LOOKBACK)
                    )
                ]
        yield from self._memories
        for payload in self._payloads[len(self._memories) :]:
            memory = Memory.model_validate(payload)
            self._memories.append(memory)
            yield memory

    @property
    def query_run_id(self) -> str | None:
        """The last result shown (the target of "export this")."""
        return next((m.query_run_id for m in self._recent() if m.query_run_id), None)

    @property
    def export_id(self) -> str | None:
        """The last export a reply made."""
        return next((m.export.id for m in self._recent() if m.export), None)

    @property
    def schedule_id(self) -> str | None:
        """The schedule the conversation last spoke about."""
        return next((m.schedule_id for m in self._recent() if m.schedule_id), None)

    @property
    def pending(self) -> ExportRequest | None:
        """The request the last reply asked about, if the last reply asked something."""
        return next((m.pending for m in self._recent()), None)

    @property
    def asked(self) -> Asked | None:
        """Which of the conversation's own questions the last reply asked, if any."""
        return next((m.asked for m in self._recent()), None)

    @property
    def latest(self) -> Memory | None:
        """The latest reply that showed a result, made an export or spoke of a schedule:
        what "send it now" means."""
        return next((m for m in self._recent() if m.export or m.schedule_id or m.query_run_id),
                    None)  # fmt: skip


class Answer(BaseModel):
    """What one step of the conversation answers: a reply, what to remember with it, or a
    request for the engine to carry out as if the parser had read it (a template's)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    reply: Reply | None = None
    request: ExportRequest | None = None
    pending: ExportRequest | None = None
    query_run_id: str | None = None
    schedule_id: str | None = None
    asked: Asked | None = None


def transcript(scope: UserScope) -> list[tuple[Role, str | Reply]]:
    """The conversation so far, oldest first: what the user said, and each reply as it
    was given (its table preview and SQL, export and choices as they were then)."""
    with scope.sessions() as session:
        messages = messages_of(session, scope.conversation_id)
    return [
        (Role.USER, m.content)
        if m.role is Role.USER
        else (Role.ASSISTANT, Memory.model_validate(m.payload or {}).reply(m.content))
        for m in messages
    ]
