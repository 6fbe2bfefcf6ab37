"""``POST /api/chat``: one chat turn, the same reply as the terminal chat's."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import CurrentUser, Links, State
from assistant.api.errors import documented
from assistant.api.schemas import ChatCreate, ChatPublic
from assistant.api.views import reply_view

router = APIRouter(tags=["chat"])


@router.post("/api/chat", responses=documented(400, 401, 404, 413, 422, 429))
async def chat(body: ChatCreate, state: State, links: Links, caller: CurrentUser) -> ChatPublic:
    """Answer one message; without ``conversation_id`` a new conversation starts.

    A large export answers ``queued`` at once: follow it with ``GET /api/exports/{id}``.
    A turn runs on the heavy pool, counted in the caller's running queries (429 over)."""

    def turn() -> ChatPublic:
        conversation = state.assistant.conversation(
            caller.id, body.conversation_id, new=body.conversation_id is None
        )
        # Files it emails link to where this request came (unless ASSISTANT_PUBLIC_URL).
        conversation.scope = conversation.scope.replace(link_base=links.base)
        reply = conversation.handle(body.message)
        assert conversation.id is not None
        return ChatPublic(conversation_id=conversation.id, reply=reply_view(links, reply))

    return await state.heavy.run(caller.id, turn)
