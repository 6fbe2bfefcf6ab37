"""The user's past conversations: listed, renamed and deleted.

A conversation is titled by the name the user gave it, else by its first message (cut
at :data:`CUT` characters). Deleting one removes it and its messages; the exports, query
runs and schedules made in it stay (their foreign keys are ``ON DELETE SET NULL``), so
the export history still lists and downloads them. Another user's conversation answers
like a missing one, and nothing changes.

:class:`ConversationRename` is the one request model for a new title: the API's body,
and what the engine checks a title typed in the chat's sidebar against.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from assistant.errors import InvalidInput
from assistant.scope import UserScope
from assistant.store import ConversationRecord, Message, Role, get_owned

__all__ = [
    "CUT",
    "TITLE_MAX",
    "ConversationRename",
    "PastConversation",
    "delete_conversation",
    "past_conversations",
    "rename_conversation",
]

#: A first message longer than this is cut with "…" when it titles its conversation.
CUT = 60
#: The longest title a person may give (the column's width).
TITLE_MAX = 200
_BAD_TITLE = (
    f"A conversation's title needs 1 to {TITLE_MAX} characters on one line, "
    "without control characters."
)


class ConversationRename(BaseModel):
    """A new title: stripped, 1 to :data:`TITLE_MAX` printable characters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(
        description=f"1 to {TITLE_MAX} printable characters (spaces around are dropped)",
        examples=["Berlin orders, weekly"],
    )

    @field_validator("title")
    @classmethod
    def _printable(cls, value: str) -> str:
        title = value.strip()
        if not 1 <= len(title) <= TITLE_MAX or not title.isprintable():
            raise ValueError(_BAD_TITLE)
        return title


class PastConversation(NamedTuple):
    """One of the user's conversations as a list shows it: its title and start."""

    id: str
    title: str
    created_at: dt.datetime


def past_conversations(
    scope: UserScope, limit: int = 10, offset: int = 0
) -> list[PastConversation]:
    """The user's conversations that have a message, newest first, each titled by the
    name given to it, else by its first message (cut at :data:`CUT` characters)."""
    first = (
        select(Message.content)
        .where(Message.conversation_id == ConversationRecord.id, Message.role == Role.USER)
        .order_by(Message.id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            ConversationRecord.id, ConversationRecord.title, first, ConversationRecord.created_at
        )
        .where(ConversationRecord.owner_id == scope.user_id, first.is_not(None))
        .order_by(ConversationRecord.created_at.desc(), ConversationRecord.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with scope.sessions() as session:
        return [
            PastConversation(id, title or _cut(text), created)
            for id, title, text, created in session.execute(query)
        ]


def rename_conversation(scope: UserScope, conversation_id: str, title: str) -> PastConversation:
    """Give the user's conversation ``conversation_id`` the title ``title`` (stripped).

    Raises :class:`InvalidInput` for a title that is empty, too long or has control
    characters, and :class:`~assistant.errors.NotFound` for another user's or a missing
    conversation; either way nothing changes."""
    try:
        checked = ConversationRename(title=title)
    except ValidationError as exc:
        raise InvalidInput(_BAD_TITLE) from exc
    with scope.sessions.begin() as session:
        record = get_owned(session, ConversationRecord, conversation_id, scope.user_id)
        record.title = checked.title
        return PastConversation(record.id, checked.title, record.created_at)


def delete_conversation(scope: UserScope, conversation_id: str) -> None:
    """Delete the user's conversation ``conversation_id`` and its messages; what was made
    in it (exports, query runs, schedules) stays, no longer tied to a conversation.

    Raises :class:`~assistant.errors.NotFound` for another user's or a missing one."""
    with scope.sessions.begin() as session:
        record = get_owned(session, ConversationRecord, conversation_id, scope.user_id)
        session.delete(record)  # messages go by ON DELETE CASCADE; the rest SET NULL


def _cut(text: str) -> str:
    return text if len(text) <= CUT else text[: CUT - 1] + "…"
