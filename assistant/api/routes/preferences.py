"""``GET/PUT /api/preferences``: the caller's default format, per-format options, zone."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import UserConversation
from assistant.api.errors import documented
from assistant.api.schemas import PreferencesUpdate
from assistant.preferences import UserPreferences

router = APIRouter(tags=["preferences"])


@router.get("/api/preferences", responses=documented(401))
def read(conversation: UserConversation) -> UserPreferences:
    """What the caller saved (empty fields: the product's defaults)."""
    return conversation.preferences()


@router.put("/api/preferences", responses=documented(400, 401, 413, 422))
def replace(body: PreferencesUpdate, conversation: UserConversation) -> UserPreferences:
    """Replace the caller's preferences; options are checked against each format's own."""
    return conversation.save_preferences(body)
