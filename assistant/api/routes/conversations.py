"""Conversations: the caller's past chats, listed, renamed and deleted.

Deleting one removes its messages; the exports, queries and schedules made in it stay in
the history (docs/api.md). Another user's conversation answers 404, as a missing one does.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from assistant.api.deps import CurrentScope
from assistant.api.errors import documented
from assistant.api.schemas import Id
from assistant.conversation.past import (
    ConversationRename,
    PastConversation,
    delete_conversation,
    past_conversations,
    rename_conversation,
)

router = APIRouter(tags=["conversations"])


class ConversationPublic(BaseModel):
    id: str
    title: str = Field(description="the name given to it, else its first message (cut at 60)")
    created_at: dt.datetime


def _view(past: PastConversation) -> ConversationPublic:
    return ConversationPublic(id=past.id, title=past.title, created_at=past.created_at)


@router.get("/api/conversations", responses=documented(401, 422))
def list_conversations(
    scope: CurrentScope,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ConversationPublic]:
    """The caller's conversations that have a message, newest first."""
    return [_view(past) for past in past_conversations(scope, limit, offset)]


@router.patch("/api/conversations/{conversation_id}", responses=documented(400, 401, 404, 413, 422))
def rename(
    conversation_id: Id, body: ConversationRename, scope: CurrentScope
) -> ConversationPublic:
    """Give one of the caller's conversations a title (1 to 200 printable characters)."""
    return _view(rename_conversation(scope, conversation_id, body.title))


@router.delete(
    "/api/conversations/{conversation_id}", status_code=204, responses=documented(401, 404, 422)
)
def delete(conversation_id: Id, scope: CurrentScope) -> Response:
    """Delete one of the caller's conversations and its messages; its exports stay."""
    delete_conversation(scope, conversation_id)
    return Response(status_code=204)
